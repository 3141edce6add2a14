"""Reading a CTG from its Word document (.docx): what the document says, recognised element by
element, and every paragraph it could not place, for a person to assign (`docx_import.py`).

Pure: `read_docx(data)` takes the file's bytes (opened safely by `docx_file`) and returns a
`DocxReading` (`docx_reading`); nothing is written. It recognises, in the layouts of the seeds
(`001_…`, `002_…`, `003_…`) and of our own Word export (`ctg.docx`: an exported convention reads
back the same), with the words of `docx_text`: the title and period; the parties after « Entre : »
/ « Et : » with their representatives; the visas (« Vu … »), the préambule, the articles
(« Article 1 : … », « Article 1 – … », « ARTICLE 1 »); the place and date of signature and the
préfecture stamp (wherever it is repeated); the annexes and the texts of annexes 1, 2, 5 and 6;
the axes and the fiches actions — « Fiche action n°… », « Action 3 — … », « Action : … » and
« Thématique : … » lines, the two-column table (label rows then content rows, or a label beside
its text) and the five-column one of `003_…`, merged cells, a table split by a page break.
A heading is a styled heading (Titre 1…), a paragraph all in bold, or a short line."""

import re
from datetime import date

from docx.oxml.ns import qn
from lxml import etree

from ctg.text import fold

from .docx_file import (
    MC_FALLBACK,
    W_P,
    W_SDT,
    W_SDTCONTENT,
    W_TBL,
    W_TXBX,
    W_VAL,
    Cell,
    DocxRefused,
    Styles,
    open_document,
    read_paragraph,
    val,
)
from .docx_reading import AnnexRead, ArticleRead, Block, DocxReading, FicheRead, Party
from .docx_text import (
    ACTION_LINE,
    ANNEX_LINE,
    ANNEX_TEXTS,
    ANNEX_TOPICS,
    ARTICLE_LINE,
    AXIS_LINE,
    BOXES_MARKS,
    CHECKED,
    EFFECT,
    FACT,
    FICHE_LINE,
    IGNORED_HEADINGS,
    INLINE_BOXES,
    INLINE_LABELS,
    NATURES,
    OBJECTIVE_LINE,
    PERIOD,
    PLACEHOLDERS,
    ROMAN,
    SIGNED,
    THEME_LINE,
    THEMES,
    YEARS,
    clean_name,
    cut,
    match_label,
    numbered,
    parse_date,
    parse_representatives,
    party_kind,
    rest_after,
    strip_stamp,
)


def read_docx(data):
    """What the .docx `data` (bytes) says: a `DocxReading`, or `DocxRefused`."""
    document = open_document(data)
    try:
        return _Reader(document).read()
    except (KeyError, etree.XMLSyntaxError) as error:
        raise DocxRefused("Ce document Word est abîmé : une partie de son contenu ne peut pas être lue.") from error



# --- The reader ---------------------------------------------------------------------------------

COVER, PARTIES, BODY, PREAMBLE, ARTICLES, ARTICLE, SIGNATURE, ANNEX, PLAN, FICHE = (
    "cover", "parties", "body", "preamble", "articles", "article", "signature", "annex", "plan", "fiche",
)
CONTEXTS = {
    COVER: "page de garde", PARTIES: "parties", BODY: "avant le préambule", PREAMBLE: "préambule",
    ARTICLES: "avant le premier article", SIGNATURE: "signatures", PLAN: "plan d'actions",
}
# The export's own section headings (templates/pdf/convention.html).
EXPORT_SECTIONS = {"entre les parties": PARTIES, "visas et preambule": BODY, "articles": ARTICLES,
                   "signatures": SIGNATURE}


class _Reader:
    def __init__(self, document):
        self.document = document
        self.styles = Styles(document)
        self.result = DocxReading()
        self.section = COVER
        self.count = 0
        self.tables = 0
        self.fields = []
        self.article = self.annex = self.fiche = None
        self.fiche_box = None  # the box a label paragraph opened, outside a table
        self.columns = {}  # column -> box, kept across the tables of one fiche
        self.last = None  # "fiche-head" after a fiche's heading lines, "fiche-table" after its table
        self.current_axis = None
        self.issues_open = False
        self.title_open = True
        self.pending_party = None
        self.needs_title = None  # an article or annex whose heading had no title

    # -- walking

    def read(self):
        for element in self._body(self.document.element.body):
            if element.tag == W_P:
                para = read_paragraph(element, self.styles, self.fields)
                self.paragraph(para, self._block(para))
            else:
                self.table(element)
        self.finish()
        self.result.paragraphs = self.count
        return self.result

    def _body(self, element):
        for child in element:
            if child.tag in (W_P, W_TBL):
                yield child
            elif child.tag == W_SDT:
                content = child.find(W_SDTCONTENT)
                gallery = val(child, f"{qn('w:sdtPr')}/{qn('w:docPartObj')}/{qn('w:docPartGallery')}")
                if content is not None and "Contents" not in (gallery or ""):
                    yield from self._body(content)

    def _block(self, para, where=""):
        self.count += 1
        markdown = para.markdown
        if para.heading >= 3 and markdown:
            markdown = "#" * min(para.heading, 6) + " " + markdown
        return Block(self.count, para.text, markdown, where, para.list_kind, para.level)

    # -- helpers

    @staticmethod
    def headingish(para):
        text = para.text
        return bool(para.heading or para.bold or (len(text) <= 150 and not re.search(r"[.;,]$", text)))

    @staticmethod
    def titled(para, match):
        """A numbered line is a heading when styled or bold, or when a separator (« : », « – »)
        parts its number from its title: « Article 2 de cet avenant modifie… » is text."""
        return bool(para.heading or para.bold or match.group(2) or not match.group(3))

    def unrecognised(self, block, context=None):
        block.context = self.context() if context is None else context
        self.result.unrecognised.append(block)

    def context(self):
        if self.section == ARTICLE and self.article:
            return f"article {self.article.number}"
        if self.section == ANNEX and self.annex:
            return f"annexe {self.annex.number}"
        if self.section == FICHE and self.fiche:
            return self.fiche.label
        return CONTEXTS.get(self.section, "")

    def start_fiche(self, index, number=None, title=""):
        self.fiche = FicheRead(index=index, number=number, title=title, axis=self.current_axis)
        self.result.fiches.append(self.fiche)
        self.fiche_box, self.columns = None, {}
        self.section, self.last = FICHE, "fiche-head"
        self.issues_open = False
        return self.fiche

    @staticmethod
    def add_box(fiche, box, block):
        fiche.boxes.setdefault(box, []).append(block)

    def leave_fiche(self):
        """After a fiche, what follows belongs to its annex, or to the plan when there is none."""
        self.fiche, self.fiche_box, self.last = None, None, None
        self.section = ANNEX if self.annex else PLAN

    # -- paragraphs

    def paragraph(self, para, block):
        if para.toc:
            return
        text = strip_stamp(para.text, self.result.stamp)
        if not text or fold(text).strip() in PLACEHOLDERS:
            return
        if text != para.text:
            para.text = block.text = block.markdown = text
        folded = fold(text).strip()
        if not self.structure(para, block, text, folded):
            self.content(para, block, text, folded)

    def title_line(self, para, text, folded):
        """The cover's first strong lines (a Title / Titre 1 paragraph, bold or capitals) make the title."""
        result = self.result
        if self.section != COVER or not self.title_open:
            return False
        strong = para.heading in (1, 2) or para.bold or (text.isupper() and len(text) > 10)
        ordinary = (folded.startswith("entre") or PERIOD.search(folded) or parse_date(text) or len(text) > 250
                    or any(numbered(line, folded) for line in (ARTICLE_LINE, AXIS_LINE, FICHE_LINE))
                    or bool((annex := ANNEX_LINE.match(folded)) and annex.group(1)))
        if not strong or ordinary or len(result.title) + len(text) > 290:
            self.title_open = not result.title
            return False
        result.title = f"{result.title} {text}".strip()
        return True

    def structure(self, para, block, text, folded):
        """Recognise a structural line (the title, a heading, a party, a visa…); False for content."""
        result = self.result
        heading = self.headingish(para)
        if self.title_line(para, text, folded):
            return True
        if match := PERIOD.search(folded):
            if self.section in (COVER, PARTIES) and result.start is None:
                result.start, result.end = parse_date(match.group(1)), parse_date(match.group(2))
                if folded.startswith("du ") and len(folded) < 40:
                    return True
        if folded.startswith("convention en vigueur au ") and self.section == COVER:
            return True  # the export's cover
        if heading and folded in EXPORT_SECTIONS and self.section != FICHE:
            self.section, self.article = EXPORT_SECTIONS[folded], None
            return True
        if heading and folded.rstrip(" :").startswith(IGNORED_HEADINGS):
            return True
        if heading and folded.rstrip(" :") == "enjeux retenus" and self.section == ANNEX:
            self.issues_open = True
            return True
        if self.parties_line(text, folded, block):
            return True
        if re.match(r"^il (?:est|a ete) convenu", folded):
            if self.section in (PARTIES, COVER, BODY):
                self.section = BODY
            return True
        if text[:3] in ("Vu ", "VU ", "Vu,", "Vu\u00a0") and not result.articles and self.section in (COVER, PARTIES, BODY):
            self.section = BODY
            result.visas.append(block)
            return True
        if heading and re.fullmatch(r"preambule\s*:?", folded) and self.section not in (FICHE, ANNEX, PLAN):
            self.section = PREAMBLE
            return True
        if heading and self.section not in (ANNEX, PLAN, FICHE, SIGNATURE) and (match := numbered(ARTICLE_LINE, folded)) \
                and match.group(1) and self.titled(para, match):
            number = match.group(1)
            number = "1" if number in ("premier", "1er") else number.removesuffix("er")
            self.article = ArticleRead(number, rest_after(text, match), block.index)
            result.articles.append(self.article)
            self.needs_title = self.article if not self.article.title else None
            self.section = ARTICLE
            return True
        if (match := SIGNED.match(folded)) and self.section not in (ANNEX, PLAN, FICHE):
            place = text[cut(text, match.start(1)):cut(text, match.end(1))].strip(" ,")
            result.signed_at = "" if place in ("…", "...") else place
            result.signed_on = parse_date(match.group(2)) if match.group(2) else None
            self.section = SIGNATURE
            return True
        if heading and (match := ANNEX_LINE.match(folded)) and match.group(1) and (match.group(2) or not match.group(3)):
            self.annex_heading(match, text, block)
            return True
        if self.needs_title is not None:
            target, self.needs_title = self.needs_title, None
            if para.heading or para.bold:
                target.title = text
                return True
        return self.plan_line(para, block, text, folded, heading)

    def parties_line(self, text, folded, block):
        """« Entre : », « Et : », each party and its « Ci-après dénommée … »."""
        result = self.result
        opening = re.match(r"^entre(?:\s+les\s+soussignes)?\s*:?\s*", folded)
        if opening and self.section in (COVER, PARTIES, BODY) and not result.visas and not result.articles \
                and (len(folded) < 30 or "represent" in folded):
            self.section = PARTIES
            if rest := text[cut(text, opening.end()):].strip():
                self.party(rest, block.index)
            return True
        if self.section != PARTIES:
            return False
        if re.fullmatch(r"et\s*:?", folded):
            self.pending_party = None
            return True
        if folded.startswith(("ci-apres", "ci apres", "ci-dessous")):
            return True
        if "represent" in folded:
            self.party(text, block.index)
            return True
        return False

    def annex_heading(self, match, text, block):
        number = match.group(1)
        number = int(number) if number.isdigit() else ROMAN.get(number, 0)
        title = rest_after(text, match)
        topic = fold(title)
        number = next((n for words, n in ANNEX_TOPICS if words in topic), number)
        self.annex = self.result.annexes.setdefault(number, AnnexRead(number, title, block.index))
        self.needs_title = self.annex if not title else None
        self.section = ANNEX
        self.fiche, self.fiche_box, self.last, self.issues_open = None, None, None, False

    def plan_line(self, para, block, text, folded, heading):
        result = self.result
        in_fiche_head = self.section == FICHE and self.fiche is not None and not self.fiche.boxes
        if (match := numbered(AXIS_LINE, folded)) and match.group(1) and (
                in_fiche_head or heading and self.titled(para, match)):
            axis = result.axis(int(match.group(1).removesuffix("er")), rest_after(text, match))
            if in_fiche_head:
                self.fiche.axis = axis.number
            else:
                self.current_axis = axis.number
                if self.section == FICHE:
                    self.leave_fiche()
                elif self.section not in (ANNEX, PLAN):
                    self.section = PLAN
            return True
        if (match := OBJECTIVE_LINE.match(folded)) and (heading or in_fiche_head):
            number = int(match.group(2))
            result.axis(int(match.group(1))).objectives[number] = rest_after(text, match)
            if in_fiche_head:
                self.fiche.objective = number
            return True
        fiche_match = numbered(FICHE_LINE, folded)
        action_match = None if fiche_match else numbered(ACTION_LINE, folded)
        explicit = action_match is not None and action_match.group(2) and ":" in action_match.group(2)
        if action_match and not (action_match.group(1) or action_match.group(3)):
            action_match = None
        if fiche_match or (action_match and (heading or explicit)):
            match = fiche_match or action_match
            number = match.group(1)
            number = int(number.removesuffix("er")) if number and number.replace(".", "").removesuffix("er").isdigit() \
                and "." not in number else None
            title = rest_after(text, match)
            if explicit and number is None and self.fiche is not None and not self.fiche.title and self.last == "fiche-head":
                self.fiche.title = title  # « Action : … » under « Fiche action n° » and « Thématique : … » (`001_…`)
            else:
                self.start_fiche(block.index, number, title)
            return True
        if match := THEME_LINE.match(folded):
            if self.fiche is None or self.last != "fiche-head":
                self.start_fiche(block.index)
            for item in re.split(r"\s*[,;/–]\s*|\s+-\s+|\s+et\s+", match.group(1).strip(" .")):
                item = item.replace("-", " ").strip()
                if (theme := THEMES.get(item)) and theme not in self.fiche.themes:
                    self.fiche.themes.append(theme)
                elif item and not theme:
                    self.fiche.notes.append(f"thématique « {item} » inconnue")
            return True
        if in_fiche_head and (match := FACT.match(folded)):
            kind, value = match.groups()
            if kind == "nature":
                self.fiche.natures += [NATURES[n] for n in re.split(r"\s*,\s*", value) if n in NATURES]
            elif kind == "coordination":
                self.fiche.coordination = True
            elif kind == "plan communal":
                self.fiche.notes.append(f"plan communal de {text.split(':', 1)[1].strip()}")
            return True
        return False

    def party(self, text, index):
        representatives = parse_representatives(text)
        represented = re.search(r",?\s*represente", fold(text))
        name = clean_name(text[: cut(text, represented.start())] if represented else text)
        if not name and self.pending_party is not None:
            self.pending_party.representatives += representatives
            self.pending_party = None
            return
        party = Party(name=name, kind=party_kind(name), representatives=representatives, index=index)
        self.result.parties.append(party)
        self.pending_party = party if not representatives else None

    # -- content

    def content(self, para, block, text, folded):
        result, section = self.result, self.section
        if para.heading:
            self.issues_open = False
        if section == PARTIES:
            if self.pending_party is not None and folded.startswith("represent"):
                self.party(text, block.index)
            elif self.pending_party is None and len(text) < 200 and self.headingish(para):
                self.party(text, block.index)  # a party's name alone, its representatives on the next line
            else:
                self.unrecognised(block)
        elif section in (BODY, PREAMBLE):
            result.preamble.append(block)
        elif section == ARTICLE:
            self.article.blocks.append(block)
        elif section == SIGNATURE:
            if len(text) > 200:  # longer than a signature block's lines
                self.unrecognised(block)
        elif section == ANNEX:
            if self.issues_open and para.list_kind:
                result.issues.append(text)
            elif self.annex.number in ANNEX_TEXTS:
                self.issues_open = False
                self.annex.blocks.append(block)
            else:
                self.unrecognised(block)
        elif section == FICHE:
            self.fiche_paragraph(para, block)
        else:
            self.unrecognised(block)

    def fiche_paragraph(self, para, block):
        """A paragraph of a fiche outside its tables: a box's label, or the text of the box it opened."""
        label = match_label(para) if self.headingish(para) else None
        if label:
            self.fiche_box, rest = label
            if rest:
                block.text = block.markdown = rest
                self.add_box(self.fiche, self.fiche_box, block)
            if self.fiche.boxes:
                self.last = "fiche-table"
        elif self.fiche_box:
            self.add_box(self.fiche, self.fiche_box, block)
        else:
            self.unrecognised(block)

    # -- tables

    def rows(self, table):
        """The table's rows as [Cell], a merged cell once (in its first row and column)."""
        self.tables += 1
        rows = []
        for r, tr in enumerate(table.iterchildren(qn("w:tr"))):
            cells, column = [], 0
            for tc in tr.iterchildren(qn("w:tc")):
                tcpr = tc.find(qn("w:tcPr"))
                span = val(tcpr, qn("w:gridSpan"))
                span = int(span) if span and span.isdigit() else 1
                vmerge = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
                if vmerge is not None and vmerge.get(W_VAL, "continue") == "continue":
                    column += span
                    continue
                where = f"tableau {self.tables}, ligne {r + 1}, colonne {column + 1}"
                paragraphs = []
                for p in tc.iter(W_P):
                    if any(a.tag in (W_TXBX, MC_FALLBACK) for a in p.iterancestors() if a is not tc):
                        continue
                    para = read_paragraph(p, self.styles, self.fields)
                    block = self._block(para, where)
                    text = strip_stamp(para.text, self.result.stamp)
                    if text != para.text:
                        para.text = block.text = block.markdown = text
                    if text and fold(text).strip() not in PLACEHOLDERS and not para.toc:
                        paragraphs.append((para, block))
                cells.append(Cell(column, span, paragraphs))
                column += span
            rows.append(cells)
        return rows

    def table(self, element):
        rows = self.rows(element)
        cells = [cell for row in rows for cell in row if cell.paragraphs]
        if not cells:
            return
        labels = len({label[0] for cell in cells if (label := self.cell_label(cell))})
        if self.synoptique(rows):
            return
        first = next(cell for row in rows for cell in row if cell.paragraphs)
        continuing = self.fiche is not None and self.last == "fiche-table" and self.columns and not self.cell_label(first)
        if labels >= 2 or continuing:
            self.fiche_table(rows, continuing)
        elif self.section == SIGNATURE:
            return  # the signature block
        elif self.section == ANNEX:
            lines = len(rows)
            self.result.notes.append(
                f"Annexe {self.annex.number} : un tableau de {lines} ligne{'s' if lines > 1 else ''} n'est pas repris "
                "(à saisir dans l'application)."
            )
        else:
            for cell in cells:
                for _, block in cell.paragraphs:
                    self.unrecognised(block)

    @staticmethod
    def cell_label(cell):
        return match_label(cell.paragraphs[0][0]) if cell.paragraphs else None

    def synoptique(self, rows):
        """The synoptique of the plan (the export's Axe | N° | Action | Pilote | Échéances): its axes."""
        head = [fold(cell.text) for cell in rows[0]] if rows else []
        if not (head and head[0].startswith("axe") and any(h in ("n°", "numero", "action", "actions") for h in head)):
            return False
        for row in rows[1:]:
            for cell in row:
                if (match := numbered(AXIS_LINE, fold(cell.text))) and match.group(1):
                    self.result.axis(int(match.group(1)), rest_after(cell.text, match))
        return True

    def fiche_table(self, rows, continuing):
        """A fiche's table. Each column keeps the box its last label opened (a label row, then a
        content row); a label with its text beside it in one row fills that box; a table split by
        a page break goes on with the columns of the first part."""
        fiche = self.fiche
        if not continuing:
            first_boxes = {label[0] for cell in rows[0] if (label := self.cell_label(cell))}
            reusable = fiche is not None and self.section == FICHE and (
                self.last == "fiche-head" or (self.last == "fiche-table" and not first_boxes & set(fiche.boxes))
            )
            if not reusable:
                fiche = self.start_fiche(next(b.index for row in rows for c in row for _, b in c.paragraphs))
        self.fiche_box = None
        for row in rows:
            cells = [(cell, self.cell_label(cell)) for cell in row if cell.paragraphs]
            if not cells or self.fiche_header_row(fiche, cells):
                continue
            if len(cells) == 2 and cells[0][1] and not cells[0][1][1] and not cells[1][1]:
                # « Diagnostic initial | its text »: a label and its box side by side.
                self.cell_text(fiche, cells[0][1][0], cells[0][0].paragraphs[1:] + cells[1][0].paragraphs)
                continue
            for cell, label in cells:
                paragraphs = cell.paragraphs
                box = self.columns.get(cell.column)
                if label:
                    box, rest = label
                    for column in range(cell.column, cell.column + cell.span):
                        self.columns[column] = box
                    head, paragraphs = paragraphs[0][1], paragraphs[1:]
                    if rest:
                        head.text = head.markdown = rest
                        self.add_box(fiche, box, head)
                self.cell_text(fiche, box, paragraphs)
        self.section, self.last = FICHE, "fiche-table"

    def fiche_header_row(self, fiche, cells):
        """The five-column layout's first row (`003_…`): « Action #1 | AXE STRATEGIQUE ☐ … ☒ … »."""
        first = cells[0][0].text
        match = numbered(ACTION_LINE, fold(first)) or numbered(FICHE_LINE, fold(first))
        if not match or cells[0][1] or not (match.group(1) or match.group(2)):
            return False
        if match.group(1) and match.group(1).isdigit() and fiche.number is None:
            fiche.number = int(match.group(1))
        if match.group(3) and not fiche.title:
            fiche.title = rest_after(first, match)
        for cell, _ in cells[1:]:
            if not fold(cell.text).startswith("axe"):
                continue
            parts = re.split(f"([{BOXES_MARKS}])", cell.text)
            for mark, choice in zip(parts[1::2], parts[2::2], strict=True):
                if mark in CHECKED and choice.strip():
                    known = next((a for a in self.result.axes if fold(a.title) == fold(choice.strip())), None)
                    fiche.axis = (known or self.result.axis(len(self.result.axes) + 1, choice.strip())).number
        return True

    def cell_text(self, fiche, box, paragraphs):
        for para, block in paragraphs:
            if INLINE_LABELS.match(fold(para.text)):
                box = self.inline_boxes(fiche, para, block)
            elif box:
                self.add_box(fiche, box, block)
            else:
                self.unrecognised(block, context=fiche.label)

    def inline_boxes(self, fiche, para, block):
        """Share « Pilote : … Partenaires : … Public cible : … » between the boxes it names; the
        box of the last one goes on with the next paragraphs."""
        text, folded = para.text, fold(para.text)
        matches = list(INLINE_LABELS.finditer(folded))
        box = None
        for match, following in zip(matches, [*matches[1:], None], strict=True):
            box = INLINE_BOXES.get(re.sub(r"\W+", " ", match.group(1)).strip(), "target_public")
            value = text[cut(text, match.end()): cut(text, following.start()) if following else len(text)].strip()
            if value and fold(value) not in PLACEHOLDERS:
                self.add_box(fiche, box, Block(block.index, value, value, block.where))
        return box

    # -- the end

    def finish(self):
        result = self.result
        if result.start is None:
            for article in result.articles:
                for block in article.blocks:
                    folded = fold(block.text)
                    if match := EFFECT.search(folded) or PERIOD.search(folded):
                        result.start, result.end = parse_date(match.group(1)), parse_date(match.group(2))
                        break
                if result.start:
                    break
        if result.start is None and (match := YEARS.search(fold(result.title))):
            first, last = int(match.group(1)), int(match.group(2))
            if first < last:
                result.start, result.end = date(first, 1, 1), date(last, 12, 31)
        # The export's cover lists the parties again: no text to place.
        names = {fold(party.name) for party in result.parties}
        result.unrecognised = [b for b in result.unrecognised if fold(b.text) not in names]
