"""Word documents (.docx) written from the HTML our PDF documents are made of, so that a text
partners negotiate in Word says exactly what its PDF says.

The HTML is written with Word's own styles: `h1`–`h4` become Titre 1–4 (Heading 1–4, so the
navigation pane and a table of contents work in Word and LibreOffice), lists become real Word
lists (numbered lists restart at 1), tables become Word tables whose `thead` rows repeat on each
page, `rowspan`/`colspan` become merged cells. A `nav.toc` becomes a table-of-contents field
(Word fills it on opening, LibreOffice with « Mettre à jour »); the classes that start a new
page in the PDF (`ctg.pdf.NEW_PAGE_CLASSES`) start one in Word; the running title (`.doc-title`)
goes in the page header; what is `aria-hidden` (a watermark) is left out.

A document class adds Word to a PDF document (`ctg.pdf.PdfDocument`) with `WordVersion`:
`class ConventionWord(WordVersion, ConventionPdf)`; `generate(obj)` keeps the one exporter shape."""

import io
import re

import lxml.html
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from .pdf import NEW_PAGE_CLASSES

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

HEADING_STYLES = {"h1": "Heading 1", "h2": "Heading 2", "h3": "Heading 3", "h4": "Heading 4",
                  "h5": "Heading 5", "h6": "Heading 6"}
BLOCK_TAGS = {"p", "div", "section", "article", "nav", "header", "footer", "main", "aside", "figure",
              "blockquote", "ul", "ol", "table", "dl", "hr", *HEADING_STYLES}
SKIPPED_TAGS = {"script", "style", "svg", "img", "head", "title", "meta", "link", "button", "form", "input"}
SPACES = re.compile(r"\s+")


def html_to_docx(html):
    """The .docx bytes of an HTML document (see the module)."""
    return DocxWriter().write(html)


def _classes(element):
    return set((element.get("class") or "").split())


class DocxWriter:
    def __init__(self):
        self.document = Document()
        self.lists = {}  # abstractNumId of each list style, for restarting numbered lists
        self.started = False  # a page break before the first content would leave a blank page
        self._french()

    def write(self, html):
        root = lxml.html.document_fromstring(html)
        if title := root.findtext(".//title"):
            self.document.core_properties.title = title.strip()
        for meta in root.iterfind(".//meta"):
            if meta.get("name") == "author":
                self.document.core_properties.author = meta.get("content", "")
        body = root.find("body")
        self.blocks(body if body is not None else root, self.document)
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()

    def _french(self):
        """French text (spelling, hyphenation) and a readable body size."""
        styles = self.document.styles
        styles["Normal"].font.size = Pt(10.5)
        defaults = styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
        if rpr is not None:
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:val"), "fr-FR")

    # --- blocks -------------------------------------------------------------------------------

    def blocks(self, element, container, level=0):
        """Write the children of `element` into `container` (the document or a table cell)."""
        pending = []  # inline content between blocks: text and inline elements
        if element.text and element.text.strip():
            pending.append(element.text)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIPPED_TAGS or child.get("aria-hidden") == "true":
                if child.tail and child.tail.strip():
                    pending.append(child.tail)
                continue
            if child.tag in BLOCK_TAGS or child.tag == "li":
                self.flush(pending, container)
                pending = []
                self.block(child, container, level)
                if child.tail and child.tail.strip():
                    pending.append(child.tail)
            else:
                pending.append(child)
        self.flush(pending, container)

    def flush(self, pending, container):
        """Inline content found beside blocks: one paragraph of it."""
        if any(not isinstance(p, str) or p.strip() for p in pending):
            paragraph = self.paragraph(container)
            for item in pending:
                if isinstance(item, str):
                    self.text(paragraph, item)
                else:
                    self.inline(item, paragraph)
                    if item.tail:
                        self.text(paragraph, item.tail)

    def paragraph(self, container, style=None):
        self.started = True
        return container.add_paragraph(style=style)

    def block(self, element, container, level):
        tag, classes = element.tag, _classes(element)
        if container is self.document and classes & NEW_PAGE_CLASSES and self.started:
            self.page_break()
        if "doc-title" in classes:
            self.running_title(element)
        elif "toc" in classes and tag == "nav":
            self.table_of_contents(element)
        elif tag in HEADING_STYLES:
            self.inline_content(element, self.paragraph(container, HEADING_STYLES[tag]))
        elif tag in ("ul", "ol"):
            self.list(element, container, level)
        elif tag == "table":
            self.table(element, container)
        elif tag == "dl":
            self.definitions(element, container)
        elif tag == "blockquote":
            for child_paragraph in self._paragraphs_of(element, container, "Quote"):
                child_paragraph.style = "Quote"
        elif tag == "hr":
            return
        elif tag == "p" or not any(isinstance(c.tag, str) and (c.tag in BLOCK_TAGS or c.tag == "li") for c in element):
            self.inline_content(element, self.paragraph(container))
        else:
            self.blocks(element, container, level)
        if container is self.document and "cover" in classes:
            self.page_break()

    def _paragraphs_of(self, element, container, style):
        before = len(container.paragraphs)
        self.blocks(element, container)
        return container.paragraphs[before:]

    def page_break(self):
        paragraphs = self.document.paragraphs
        last = paragraphs[-1] if paragraphs else self.document.add_paragraph()
        if last.text.strip() or last.style.name != "Normal":
            last = self.document.add_paragraph()
        last.add_run().add_break(WD_BREAK.PAGE)

    def running_title(self, element):
        header = self.document.sections[0].header
        if not header.paragraphs[0].text:
            header.paragraphs[0].text = SPACES.sub(" ", element.text_content()).strip()

    def table_of_contents(self, element):
        heading = element.find(".//h2")
        if heading is not None:
            self.paragraph(self.document, "TOC Heading").add_run(heading.text_content().strip())
        run = self.paragraph(self.document).add_run()
        begin, instruction, separate, placeholder, end = (OxmlElement("w:fldChar"), OxmlElement("w:instrText"),
                                                          OxmlElement("w:fldChar"), OxmlElement("w:t"),
                                                          OxmlElement("w:fldChar"))
        begin.set(qn("w:fldCharType"), "begin")
        begin.set(qn("w:dirty"), "true")  # Word updates the table when it opens the document
        instruction.set(qn("xml:space"), "preserve")
        instruction.text = 'TOC \\o "1-3" \\h \\z \\u'
        separate.set(qn("w:fldCharType"), "separate")
        placeholder.text = "Sommaire : mettez à jour la table des matières pour l'afficher."
        end.set(qn("w:fldCharType"), "end")
        for part in (begin, instruction, separate, placeholder, end):
            run._r.append(part)

    def list(self, element, container, level):
        ordered = element.tag == "ol"
        style = ("List Number" if ordered else "List Bullet") + (f" {min(level + 1, 3)}" if level else "")
        num_id = self._restarted_numbering(style) if ordered else None
        for item in element:
            if not isinstance(item.tag, str) or item.tag != "li":
                continue
            paragraph = self.paragraph(container, style)
            if num_id is not None:
                self._set_numbering(paragraph, num_id, min(level, 2))
            nested = []
            if item.text:
                self.text(paragraph, item.text)
            for child in item:
                if isinstance(child.tag, str) and child.tag in ("ul", "ol"):
                    nested.append(child)
                elif isinstance(child.tag, str) and child.tag == "p":
                    self.inline_content(child, paragraph)
                else:
                    self.inline(child, paragraph)
                if child.tail:
                    self.text(paragraph, child.tail)
            for sublist in nested:
                self.list(sublist, container, level + 1)

    def _restarted_numbering(self, style):
        """A new Word numbering instance for one ordered list, so that it starts at 1."""
        numbering = self.document.part.numbering_part.element
        style_element = self.document.styles[style].element
        num_pr = style_element.pPr.numPr if style_element.pPr is not None else None
        if num_pr is None or num_pr.numId is None:
            return None
        abstract = numbering.num_having_numId(num_pr.numId.val).abstractNumId.val
        num = numbering.add_num(abstract)
        for ilvl in range(3):
            override = num.add_lvlOverride(ilvl=ilvl)
            override.add_startOverride(1)
        return num.numId

    @staticmethod
    def _set_numbering(paragraph, num_id, ilvl):
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = ilvl
        num_pr.get_or_add_numId().val = num_id

    def definitions(self, element, container):
        """A `dl` as « terme : définition » lines."""
        paragraph = None
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "dt":
                paragraph = self.paragraph(container)
                run = paragraph.add_run(SPACES.sub(" ", child.text_content()).strip() + " : ")
                run.bold = True
            elif child.tag == "dd":
                self.inline_content(child, paragraph or self.paragraph(container))
                paragraph = None

    def table(self, element, container):
        rows = [(row, row.getparent().tag == "thead") for row in element.iter("tr")]
        if not rows:
            return
        grid, spans = self._grid(rows)
        width = max(len(line) for line in grid)
        table = container.add_table(rows=len(grid), cols=width)
        table.style = "Table Grid"
        self.started = True
        for (_, is_header), row in zip(rows, table.rows, strict=True):
            if is_header:
                tr_pr = row._tr.get_or_add_trPr()
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                tr_pr.append(repeat)
        for (r, c), (cell_element, rowspan, colspan) in spans.items():
            cell = table.cell(r, c)
            if rowspan > 1 or colspan > 1:
                cell = cell.merge(table.cell(min(r + rowspan, len(grid)) - 1, min(c + colspan, width) - 1))
            self.cell(cell_element, cell)

    @staticmethod
    def _grid(rows):
        """Where each HTML cell lands in the Word grid, with its spans: ({(row, col): (td, rowspan,
        colspan)}), and the occupied grid."""
        grid, spans = [], {}
        for r, (row, _) in enumerate(rows):
            while len(grid) <= r:
                grid.append([])
            c = 0
            for cell in row:
                if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                    continue
                while c < len(grid[r]) and grid[r][c]:
                    c += 1
                rowspan = max(int(cell.get("rowspan", 1) or 1), 1)
                colspan = max(int(cell.get("colspan", 1) or 1), 1)
                spans[(r, c)] = (cell, rowspan, colspan)
                for dr in range(rowspan):
                    if r + dr >= len(rows):
                        break
                    while len(grid) <= r + dr:
                        grid.append([])
                    line = grid[r + dr]
                    while len(line) < c + colspan:
                        line.append(False)
                    for dc in range(colspan):
                        line[c + dc] = True
                c += colspan
        return grid, spans

    def cell(self, element, cell):
        before = len(cell.paragraphs)
        self.blocks(element, cell)
        paragraphs = cell.paragraphs
        if len(paragraphs) > before and not paragraphs[0].text and before == 1:
            # A new cell holds one empty paragraph: drop it when content followed.
            paragraphs[0]._p.getparent().remove(paragraphs[0]._p)
        if element.tag == "th":
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.bold = True

    # --- inline content -----------------------------------------------------------------------

    def inline_content(self, element, paragraph, bold=False, italic=False):
        if element.text:
            self.text(paragraph, element.text, bold, italic)
        for child in element:
            self.inline(child, paragraph, bold, italic)
            if child.tail:
                self.text(paragraph, child.tail, bold, italic)

    def inline(self, element, paragraph, bold=False, italic=False):
        if not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS or element.get("aria-hidden") == "true":
            return
        if element.tag == "br":
            paragraph.add_run().add_break()
            return
        bold = bold or element.tag in ("strong", "b", "th")
        italic = italic or element.tag in ("em", "i")
        if "visually-hidden" in _classes(element):
            return
        self.inline_content(element, paragraph, bold, italic)

    def text(self, paragraph, text, bold=False, italic=False):
        text = SPACES.sub(" ", text)
        if not paragraph.text:
            text = text.lstrip()
        if text:
            run = paragraph.add_run(text)
            run.bold = bold or None
            run.italic = italic or None


class WordVersion:
    """The Word version of a PDF document: the same HTML, written with Word styles."""

    mimetype = DOCX_MIMETYPE

    def filename(self, obj):
        return super().filename(obj).removesuffix(".pdf") + ".docx"

    def generate(self, obj):
        return self.filename(obj), self.mimetype, html_to_docx(self.html(obj))
