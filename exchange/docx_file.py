"""A CTG's Word document (.docx) as the reader sees it: the file opened safely, its paragraphs
read once with what makes them look like headings (style, bold, numbering) and their Markdown.

`open_document(data)` refuses, with a French `DocxRefused`, what is no .docx: an OLE container
(an old .doc, or a password-protected document — magic bytes D0 CF 11 E0), a PDF, an RTF file, an
archive without Word text, one too large once uncompressed (the guarded zip reader `ctg.zips`
checks the sizes before any XML is parsed) or damaged."""

import io
import re
import zipfile
from dataclasses import dataclass

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from ctg.errors import DomainError
from ctg.zips import MIB, NotAZip, ZipLimits, ZipRefused, open_zip

DOCX_LIMITS = ZipLimits(max_bytes=20 * MIB, max_member=40 * MIB, max_total=120 * MIB)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE/CFB container: a .doc, or an encrypted .docx
CONVERT = "Enregistrez-le au format .docx dans Word ou LibreOffice (Fichier › Enregistrer sous), puis déposez-le à nouveau."


class DocxRefused(DomainError):
    """The file is not read; `message` says why, in French."""



# --- Opening the file ---------------------------------------------------------------------------


def open_document(data):
    """The python-docx document of `data` (bytes), or `DocxRefused`."""
    head = bytes(data[:8])
    if head == OLE_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise DocxRefused(
                "Ce document est protégé par mot de passe : ouvrez-le dans Word ou LibreOffice, retirez le mot "
                "de passe, puis enregistrez-le au format .docx et déposez-le à nouveau."
            )
        raise DocxRefused(f"Ce fichier est un document Word ancien (.doc), que l'application ne lit pas. {CONVERT}")
    if head.startswith(b"%PDF"):
        raise DocxRefused("Ce fichier est un PDF : déposez le document Word (.docx) de la convention.")
    if head.startswith(b"{\\rtf"):
        raise DocxRefused(f"Ce fichier est au format RTF. {CONVERT}")
    try:
        with open_zip(data, DOCX_LIMITS) as archive:
            if "word/document.xml" not in archive.names():
                raise DocxRefused("Ce fichier n'est pas un document Word (.docx) : il ne contient pas de texte Word.")
            return Document(io.BytesIO(archive.data))
    except NotAZip as error:
        raise DocxRefused("Ce fichier n'est pas un document Word (.docx).") from error
    except ZipRefused as error:
        raise DocxRefused(error.message) from error
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as error:
        raise DocxRefused(
            "Ce document Word est abîmé : il ne peut pas être lu. Ouvrez-le dans Word ou LibreOffice et "
            "enregistrez-le à nouveau au format .docx."
        ) from error



# --- Paragraphs and tables as the reader sees them -----------------------------------------------

W_P, W_TBL, W_R, W_T, W_TAB, W_BR, W_CR, W_SDT, W_SDTCONTENT = (
    qn("w:p"), qn("w:tbl"), qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:sdt"),
    qn("w:sdtContent"),
)
W_FLDCHAR, W_INSTR, W_TXBX = qn("w:fldChar"), qn("w:instrText"), qn("w:txbxContent")
W_VAL, W_TYPE = qn("w:val"), qn("w:type")
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
SKIPPED_ELEMENTS = {W_TXBX, MC_FALLBACK, qn("w:del"), qn("w:pPr"), qn("w:rPr")}
SPACES = re.compile(r"[ \t\u00a0\u202f]+")


def _on(element):
    """Whether a toggle property (w:b, w:i) is on."""
    return element is not None and element.get(W_VAL, "true") not in ("0", "false", "off")


def val(element, path):
    found = element.find(path) if element is not None else None
    return found.get(W_VAL) if found is not None else None


@dataclass
class Para:
    """A paragraph, read once: its text, its Markdown, and what makes it look like a heading."""

    text: str
    markdown: str
    heading: int = 0  # outline level 1–9 of a styled heading, 0 otherwise
    bold: bool = False  # every letter in bold
    list_kind: str = ""  # "", "bullet" or "number"
    level: int = 0  # list level
    toc: bool = False  # an entry or the field of a table of contents


class Styles:
    """What the reader needs of the document's styles and numbering, computed once; the counters
    of numbered headings (« Article %1 : » written by Word's numbering, not in the text)."""

    def __init__(self, document):
        self.styles = {}
        for style in document.styles.element.iter(qn("w:style")):
            ppr, rpr = style.find(qn("w:pPr")), style.find(qn("w:rPr"))
            outline = val(ppr, qn("w:outlineLvl"))
            self.styles[style.get(qn("w:styleId"))] = {
                "name": (val(style, qn("w:name")) or "").lower(),
                "based": val(style, qn("w:basedOn")),
                "outline": int(outline) + 1 if outline is not None and outline.isdigit() else 0,
                "bold": _on(rpr.find(qn("w:b"))) if rpr is not None and rpr.find(qn("w:b")) is not None else None,
                "num": val(ppr, f"{qn('w:numPr')}/{qn('w:numId')}"),
            }
        self.levels = self._numbering(document)
        self.counters = {}
        self.cache = {}

    @staticmethod
    def _numbering(document):
        """{(numId, level): (kind, lvlText)}, kind "bullet" or "number"."""
        part = document.part
        try:
            numbering = part.numbering_part.element
        except (NotImplementedError, KeyError):
            return {}
        abstract = {}
        for item in numbering.iter(qn("w:abstractNum")):
            levels = {}
            for lvl in item.iter(qn("w:lvl")):
                fmt = val(lvl, qn("w:numFmt"))
                kind = "bullet" if fmt in ("bullet", "none") else "number"
                levels[int(lvl.get(qn("w:ilvl"), 0))] = (kind, val(lvl, qn("w:lvlText")) or "")
            abstract[item.get(qn("w:abstractNumId"))] = levels
        formats = {}
        for num in numbering.iter(qn("w:num")):
            for level, value in abstract.get(val(num, qn("w:abstractNumId")), {}).items():
                formats[(num.get(qn("w:numId")), level)] = value
        return formats

    def of(self, style_id):
        """(name, heading level, bold, numId) of a paragraph style, following `basedOn`."""
        if style_id in self.cache:
            return self.cache[style_id]
        name, heading, bold, num = "", 0, None, None
        current, seen = style_id, set()
        while current and current in self.styles and current not in seen:
            seen.add(current)
            style = self.styles[current]
            name = name or style["name"]
            heading = heading or style["outline"]
            bold = style["bold"] if bold is None else bold
            num = num or style["num"]
            current = style["based"]
        if not heading and (match := re.match(r"(?:heading|titre)\s*(\d)", name)):
            heading = int(match.group(1))
        if name in ("title", "titre"):
            heading = 1
        self.cache[style_id] = (name, heading, bool(bold), num)
        return self.cache[style_id]

    def numbering(self, num_id, level, style_name):
        """(list kind, label) of a numbered paragraph: a label when Word writes words before the
        number (« Article %1 : »), for the reader to read as the paragraph's start."""
        if num_id in (None, "0"):
            if style_name.startswith(("list number", "liste numéro")):
                return "number", ""
            return ("bullet" if style_name.startswith(("list bullet", "liste à puces")) else ""), ""
        kind, text = self.levels.get((num_id, level), ("number" if "number" in style_name else "bullet", ""))
        if kind != "number" or not re.search(r"[A-Za-zÀ-ÿ]", text):
            return kind, ""
        counts = self.counters.setdefault(num_id, {})
        counts[level] = counts.get(level, 0) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]
        label = re.sub(r"%(\d)", lambda m: str(counts.get(int(m.group(1)) - 1, 1)), text)
        return "", label.strip()


def _runs(element):
    """The runs of a paragraph in order, skipping text boxes and deleted text."""
    for child in element:
        if child.tag in SKIPPED_ELEMENTS:
            continue
        if child.tag == W_R:
            yield child
        else:
            yield from _runs(child)


def _field(part, fields):
    """Follow the fields a run opens and closes (`fields`, a stack kept across paragraphs): the
    text of a table-of-contents field is left out."""
    if part.tag == W_FLDCHAR:
        kind = part.get(qn("w:fldCharType"))
        if kind == "begin":
            fields.append("?")
        elif kind == "end" and fields:
            fields.pop()
    elif part.tag == W_INSTR and fields and fields[-1] == "?":
        fields[-1] = "toc" if (part.text or "").strip().startswith("TOC") else "field"


def read_paragraph(p, styles, fields):
    ppr = p.find(qn("w:pPr"))
    style_id = val(ppr, qn("w:pStyle"))
    name, heading, style_bold, style_num = styles.of(style_id) if style_id else ("normal", 0, False, None)
    outline = val(ppr, qn("w:outlineLvl"))
    if outline is not None and outline.isdigit() and not heading and int(outline) < 9:
        heading = int(outline) + 1
    level = val(ppr, f"{qn('w:numPr')}/{qn('w:ilvl')}")
    level = int(level) if level and level.isdigit() else 0
    num_id = val(ppr, f"{qn('w:numPr')}/{qn('w:numId')}") or style_num
    was_toc = "toc" in fields
    pieces, letters_bold = [], True  # pieces: (text, bold, italic)
    for run in _runs(p):
        rpr = run.find(qn("w:rPr"))
        bold, italic = style_bold, False
        if rpr is not None:
            if (b := rpr.find(qn("w:b"))) is not None:
                bold = _on(b)
            elif (rstyle := val(rpr, qn("w:rStyle"))) and styles.of(rstyle)[2]:
                bold = True
            italic = _on(rpr.find(qn("w:i")))
        text = []
        for part in run:
            _field(part, fields)
            if "toc" in fields:
                was_toc = True
            elif part.tag == W_T:
                text.append(part.text or "")
            elif part.tag == W_TAB:
                text.append(" ")
            elif part.tag in (W_BR, W_CR) and part.get(W_TYPE) not in ("page", "column"):
                text.append("\n")
        text = "".join(text)
        if text.strip() and not bold:
            letters_bold = False
        if text:
            pieces.append((text, bold, italic))
    text = SPACES.sub(" ", "".join(piece[0] for piece in pieces)).strip()
    list_kind, label = styles.numbering(num_id, level, name) if (num_id or name.startswith("list")) else ("", "")
    markdown = _markdown(pieces, style_bold)
    if label:
        text, markdown = f"{label} {text}".strip(), f"{label} {markdown}".strip()
    return Para(
        text=text,
        markdown=markdown,
        heading=heading,
        bold=bool(text) and letters_bold,
        list_kind="" if heading else list_kind,
        level=level,
        toc=was_toc or "toc" in fields or name.startswith(("toc", "table des matières")),
    )


def _markdown(pieces, style_bold):
    """The Markdown of a paragraph's runs: **bold** and *italic* where the runs (not the style) say so."""
    merged = []
    for text, bold, italic in pieces:
        bold = bold and not style_bold
        if merged and merged[-1][1:] == (bold, italic):
            merged[-1] = (merged[-1][0] + text, bold, italic)
        else:
            merged.append((text, bold, italic))
    out = []
    for text, bold, italic in merged:
        text = SPACES.sub(" ", text)
        core = text.strip()
        if not core or not (bold or italic):
            out.append(text)
            continue
        mark = ("**" if bold else "") + ("*" if italic else "")
        lead, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        out.append(f"{lead}{mark}{core}{mark[::-1]}{tail}")
    return "".join(out).strip()


@dataclass
class Cell:
    column: int
    span: int
    paragraphs: list  # [(Para, Block)]

    @property
    def text(self):
        return " ".join(para.text for para, _ in self.paragraphs if para.text).strip()
