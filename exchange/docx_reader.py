"""Reading a CTG from its Word document (.docx): what the document says, recognised element by
element, and every paragraph it could not place, for a person to assign (`docx_import.py`).

Pure: `read_docx(data)` takes the file's bytes and returns a `DocxReading`; nothing is written.
The file is opened through the guarded zip reader (`ctg.zips`: sizes checked before any XML is
parsed), then by python-docx; a file that is not a .docx (an old .doc, a password-protected
document, a PDF…), too large or damaged is refused with a French `DocxRefused`.

What it recognises, in the layouts of the seeds (`001_…`, `002_…`, `003_…`) and of our own Word
export (`ctg.docx`, so that an exported convention reads back the same):
- the title (a Title / Titre 1 paragraph, or the cover's first heading-like lines), the period
  (« Du 01/01/2022 au 31/12/2026 », « à compter du … jusqu'au … », or the title's « 2022-2026 »);
- the parties after « Entre : » / « Et : », each « X, représentée par … dûment autorisé… » with
  its representatives and their capacities;
- the visas (paragraphs starting « Vu »), the préambule (after a « Préambule » heading, or what
  follows the visas), the articles (« Article 1 : … », « Article 1 – … », « ARTICLE 1 »);
- the place and date of signature (« Fait à …, le … »), the préfecture stamp lines (« Envoyé en
  préfecture le … », « Reçu … », « Publié le … », « ID : … », wherever they are repeated);
- the annex headings (« Annexe 2 – Diagnostic partagé ») and the texts of annexes 1, 2, 5 and 6,
  the enjeux listed under « Enjeux retenus »;
- the axes (« Axe 1 : … » headings, the synoptique's « Axe 1 — … » cells, a fiche's facts) and the
  fiches actions: « Fiche action n°… », « Action 3 — … », « Action : … » and « Thématique : … »
  lines, the two-column table (a label row, then a content row, per pair of boxes; or a label and
  its content side by side) and the five-column one of `003_…`, with merged cells, and a fiche
  whose table a page break split in two.
A heading is a styled heading (Titre 1…), or a paragraph all in bold, or a short line.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from ctg.errors import DomainError
from ctg.text import plain
from ctg.zips import MIB, NotAZip, ZipLimits, ZipRefused, open_zip

DOCX_LIMITS = ZipLimits(max_bytes=20 * MIB, max_member=40 * MIB, max_total=120 * MIB)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE/CFB container: a .doc, or an encrypted .docx
CONVERT = "Enregistrez-le au format .docx dans Word ou LibreOffice (Fichier › Enregistrer sous), puis déposez-le à nouveau."

# The boxes of a fiche action, in the order of the canonical table (`templates/actions/_fiche_boxes.html`).
FICHE_BOXES = {
    "initial_diagnosis": "Diagnostic initial",
    "target_public": "Public cible",
    "operational_objectives": "Objectifs opérationnels",
    "implementation": "Modalités de mise en œuvre",
    "schedule": "Échéances de réalisation",
    "lead": "Services mobilisés et responsable de l'action",
    "expected_results": "Résultats attendus",
    "partners": "Partenaires sollicités",
    "evaluation_indicators": "Indicateurs d'évaluation",
    "funding": "Financements mobilisables",
    "referents": "Référents",
}
# The annexes whose text the convention keeps (the others are tables the application builds).
ANNEX_TEXTS = {1: "previous_evaluation", 2: "diagnosis_summary", 5: "governance_text", 6: "evaluation_text"}

# --- What a label looks like, once `plain` (lowercase, no accent) --------------------------------

# (words of a label as the seeds and the export write it, the box); the longest that matches wins.
LABELS = [
    ("diagnostic initial", "initial_diagnosis"),
    ("diagnostic", "initial_diagnosis"),
    ("public cible", "target_public"),
    ("publics cibles", "target_public"),
    ("public s cible s", "target_public"),
    ("le s public s cible s", "target_public"),
    ("le s public s cible", "target_public"),
    ("public vise", "target_public"),
    ("objectifs operationnels", "operational_objectives"),
    ("objectifs vises", "operational_objectives"),
    ("objectifs", "operational_objectives"),
    ("modalites de mise en oeuvre", "implementation"),
    ("descriptif de l action", "implementation"),
    ("descriptif", "implementation"),
    ("echeances de realisation", "schedule"),
    ("echeances", "schedule"),
    ("echeancier", "schedule"),
    ("calendrier potentiel principales etapes", "schedule"),
    ("calendrier", "schedule"),
    ("services mobilises et responsables de l action", "lead"),
    ("services mobilises et responsable de l action", "lead"),
    ("services mobilises et responsable", "lead"),
    ("services mobilises", "lead"),
    ("le pilote les partenaires le s public s cible", "lead"),
    ("pilote", "lead"),
    ("le pilote", "lead"),
    ("services mobilises partenaires sollicites", "partners"),
    ("partenaires sollicites", "partners"),
    ("partenaires", "partners"),
    ("les partenaires", "partners"),
    ("resultats attendus", "expected_results"),
    ("nous aurons reussi si resultats attendus et indicateurs d evaluation", "expected_results"),
    ("nous aurons reussi si", "expected_results"),
    ("indicateurs d evaluation", "evaluation_indicators"),
    ("indicateurs", "evaluation_indicators"),
    ("financements mobilisables", "funding"),
    ("financements", "funding"),
    ("financement", "funding"),
    ("referents de l action", "referents"),
    ("referents", "referents"),
    ("referent", "referents"),
]
LABEL_PATTERNS = sorted(
    ((re.compile(r"\s*" + r"\W+".join(words.split()) + r"(?![a-z0-9])"), box, len(words)) for words, box in LABELS),
    key=lambda item: -item[2],
)
# Labels that may also open a box inside a cell's text (« Pilote : … Partenaires : … »).
INLINE_LABELS = re.compile(
    r"(?:^|(?<=\s))(pilote|partenaires|public\W+cible|le\W*s\W*public\W*s\W*cible|echeances de realisation)\s*:",
)
INLINE_BOXES = {"pilote": "lead", "partenaires": "partners", "echeances de realisation": "schedule"}

THEMES = {
    "petite enfance": "petite_enfance", "enfance": "enfance", "jeunesse": "jeunesse", "parentalite": "parentalite",
    "acces aux droits": "acces_aux_droits", "animation de la vie sociale": "animation_vie_sociale",
    "animation vie sociale": "animation_vie_sociale", "avs": "animation_vie_sociale", "logement": "logement",
    "handicap": "handicap", "insertion": "insertion", "mobilite": "mobilite", "habitat": "habitat",
    "numerique": "numerique", "cohesion sociale": "cohesion_sociale", "sante": "sante", "autre": "autre",
}
NATURES = {
    "projet phare": "phare", "experimentale": "experimentale", "experimental": "experimentale",
    "nouvelle action": "nouvelle", "action nouvelle": "nouvelle", "action existante": "existante",
}
# Lines the export writes where a text is empty: nothing to import.
PLACEHOLDERS = {
    "non renseignee.", "non precises.", "non precisees", "non precisees.", "aucun enjeu enregistre.",
    "aucune deliberation enregistree.", "—",
}

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
DATE = r"(\d{1,2}/\d{1,2}/\d{4}|\d{1,2}(?:er)?\s+(?:" + "|".join(MONTHS) + r")\s+\d{4})"
PERIOD = re.compile(r"\bdu\s+" + DATE + r"\s+(?:au|jusqu'au)\s+" + DATE)
EFFECT = re.compile(r"a compter du\s+" + DATE + r".{0,80}?jusqu'au\s+" + DATE)
YEARS = re.compile(r"\b(20\d\d)\s*(?:-|–|—|/|a)\s*(20\d\d)\b")

NUMBER = r"\s*(?:n°|no|#)?\s*(\d+(?:\.\d+)*(?:er)?|premier)?\s*([:.|\-–—]+)?\s*(.*)$"
ARTICLE_LINE = re.compile(r"^\s*art(?:icle|\.)" + NUMBER)
ANNEX_LINE = re.compile(r"^\s*annexe\b\s*(?:n°\s*)?(\d+|[ivx]+)?\s*([:.|\-–—]+)?\s*(.*)$")
AXIS_LINE = re.compile(r"^\s*axe(?:\s+strategique)?" + NUMBER)
OBJECTIVE_LINE = re.compile(r"^\s*objectif\s+(?:n°\s*)?(\d+)\.(\d+)\s*[:.|\-–—]+\s*(.+)$")
FICHE_LINE = re.compile(r"^\s*fiches?[\s-]+actions?" + NUMBER)
ACTION_LINE = re.compile(r"^\s*action" + NUMBER)
THEME_LINE = re.compile(r"^\s*th(?:ematiques?|emes?)\s*:\s*(.*)$")
FACT = re.compile(r"^\s*(nature|plan communal|coordination|origine)\s*:\s*(.*)$")
SIGNED = re.compile(r"^\s*fait\s+(?:en\s+\S+\s+exemplaires?,?\s+)?a\s+([^,]+?),?\s+le\b\s*" + DATE + "?")
ACT_ID = r"(\d{2,3}[a-z]?-[0-9a-z]+-\d{8}-[0-9a-z_-]+)"
STAMP = [
    ("sent_on", re.compile(r"envoye en prefecture le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?")),
    ("received_on", re.compile(r"recu en prefecture le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?")),
    ("published_on", re.compile(r"publie le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?")),
    ("act_id", re.compile(r"\bid\s*:\s*(?::\s*)?" + ACT_ID)),
]
CHECKED = "☒☑✓✔■✗✘"
BOXES_MARKS = CHECKED + "☐□"

PARTY_KINDS = [
    (re.compile(r"caisse d'allocations familiales|^caf\b"), "caf"),
    (re.compile(r"communaute (?:de communes|d'agglomeration|urbaine)|metropole|\bagglo\b|\bepci\b|syndicat"), "epci"),
    (re.compile(r"departement|conseil departemental"), "departement"),
    (re.compile(r"mutualite sociale agricole|^msa\b"), "msa"),
    (re.compile(r"^(?:commune|ville|mairie)\b"), "commune"),
]
CIVILITY = re.compile(r"^(?:m\.|mme|mlle|monsieur|madame|mr)\s", re.IGNORECASE)
ARTICLE_WORDS = re.compile(r"^(?:le|la|les|l'|son|sa|ses|leur|notre)\s*", re.IGNORECASE)


class DocxRefused(DomainError):
    """The file is not read; `message` says why, in French."""


# --- The result ---------------------------------------------------------------------------------


@dataclass
class Block:
    """One paragraph of the document (in the body or in a table cell), numbered in reading order."""

    index: int
    text: str
    markdown: str  # without a list item's mark: `markdown_of` numbers the items
    where: str = ""  # « tableau 3, ligne 2 » for a cell
    list_kind: str = ""  # "", "bullet" or "number"
    level: int = 0
    context: str = ""  # for an unrecognised paragraph: the part of the document it sits in


@dataclass
class Party:
    name: str
    kind: str
    representatives: list = field(default_factory=list)  # [(name, capacity)]
    index: int = 0


@dataclass
class ArticleRead:
    number: str
    title: str
    index: int
    blocks: list = field(default_factory=list)


@dataclass
class AnnexRead:
    number: int
    title: str
    index: int
    blocks: list = field(default_factory=list)


@dataclass
class AxisRead:
    number: int
    title: str
    objectives: dict = field(default_factory=dict)  # number -> title


@dataclass
class FicheRead:
    index: int
    number: int | None = None
    title: str = ""
    axis: int | None = None
    objective: int | None = None
    themes: list = field(default_factory=list)
    natures: list = field(default_factory=list)
    coordination: bool = False
    boxes: dict = field(default_factory=dict)  # box -> [Block]
    notes: list = field(default_factory=list)

    @property
    def label(self):
        number = f" {self.number}" if self.number else ""
        return f"Fiche action{number} « {self.title} »" if self.title else f"Fiche action{number}"


@dataclass
class DocxReading:
    title: str = ""
    start: date | None = None
    end: date | None = None
    signed_at: str = ""
    signed_on: date | None = None
    parties: list = field(default_factory=list)
    visas: list = field(default_factory=list)
    preamble: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    stamp: dict = field(default_factory=dict)  # sent_on, received_on, published_on (dates), act_id
    annexes: dict = field(default_factory=dict)  # number -> AnnexRead
    issues: list = field(default_factory=list)
    axes: list = field(default_factory=list)
    fiches: list = field(default_factory=list)
    unrecognised: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # French remarks: tables left out, guesses made
    paragraphs: int = 0

    def axis(self, number, title=""):
        """The axis numbered `number`, added when new (its title completed when it had none)."""
        for axis in self.axes:
            if axis.number == number:
                if title and not axis.title:
                    axis.title = title
                return axis
        axis = AxisRead(number, title)
        self.axes.append(axis)
        self.axes.sort(key=lambda a: a.number)
        return axis


def markdown_of(blocks):
    """The Markdown of a list of blocks: paragraphs apart, list items one per line and numbered."""
    out, previous, counts = [], None, {}
    for block in blocks:
        if previous is not None:
            out.append("\n" if block.list_kind and previous.list_kind else "\n\n")
        if not block.list_kind:
            counts = {}
            out.append(block.markdown)
        else:
            counts = {level: n for level, n in counts.items() if level <= block.level}
            counts[block.level] = counts.get(block.level, 0) + 1
            mark = f"{counts[block.level]}." if block.list_kind == "number" else "-"
            out.append(f"{'   ' * block.level}{mark} {block.markdown}")
        previous = block
    return "".join(out).strip()


def text_of(blocks):
    return " ".join(block.text for block in blocks).strip()


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


def read_docx(data):
    """What the .docx `data` (bytes) says: a `DocxReading`, or `DocxRefused`."""
    document = open_document(data)
    try:
        return _Reader(document).read()
    except (KeyError, etree.XMLSyntaxError) as error:
        raise DocxRefused("Ce document Word est abîmé : une partie de son contenu ne peut pas être lue.") from error


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


def _val(element, path):
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


class _Styles:
    """What the reader needs of the document's styles and numbering, computed once; the counters
    of numbered headings (« Article %1 : » written by Word's numbering, not in the text)."""

    def __init__(self, document):
        self.styles = {}
        for style in document.styles.element.iter(qn("w:style")):
            ppr, rpr = style.find(qn("w:pPr")), style.find(qn("w:rPr"))
            outline = _val(ppr, qn("w:outlineLvl"))
            self.styles[style.get(qn("w:styleId"))] = {
                "name": (_val(style, qn("w:name")) or "").lower(),
                "based": _val(style, qn("w:basedOn")),
                "outline": int(outline) + 1 if outline is not None and outline.isdigit() else 0,
                "bold": _on(rpr.find(qn("w:b"))) if rpr is not None and rpr.find(qn("w:b")) is not None else None,
                "num": _val(ppr, f"{qn('w:numPr')}/{qn('w:numId')}"),
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
                fmt = _val(lvl, qn("w:numFmt"))
                kind = "bullet" if fmt in ("bullet", "none") else "number"
                levels[int(lvl.get(qn("w:ilvl"), 0))] = (kind, _val(lvl, qn("w:lvlText")) or "")
            abstract[item.get(qn("w:abstractNumId"))] = levels
        formats = {}
        for num in numbering.iter(qn("w:num")):
            for level, value in abstract.get(_val(num, qn("w:abstractNumId")), {}).items():
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
    style_id = _val(ppr, qn("w:pStyle"))
    name, heading, style_bold, style_num = styles.of(style_id) if style_id else ("normal", 0, False, None)
    outline = _val(ppr, qn("w:outlineLvl"))
    if outline is not None and outline.isdigit() and not heading and int(outline) < 9:
        heading = int(outline) + 1
    level = _val(ppr, f"{qn('w:numPr')}/{qn('w:ilvl')}")
    level = int(level) if level and level.isdigit() else 0
    num_id = _val(ppr, f"{qn('w:numPr')}/{qn('w:numId')}") or style_num
    was_toc = "toc" in fields
    pieces, letters_bold = [], True  # pieces: (text, bold, italic)
    for run in _runs(p):
        rpr = run.find(qn("w:rPr"))
        bold, italic = style_bold, False
        if rpr is not None:
            if (b := rpr.find(qn("w:b"))) is not None:
                bold = _on(b)
            elif (rstyle := _val(rpr, qn("w:rStyle"))) and styles.of(rstyle)[2]:
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


def parse_date(text):
    """A date written « 15/12/2025 », « 15 décembre 2025 » or « 1er janvier 2026 », or None."""
    text = plain(text).strip()
    if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        day, month, year = (int(g) for g in match.groups())
    elif match := re.fullmatch(r"(\d{1,2})(?:er)?\s+([a-z]+)\s+(\d{4})", text):
        day, month, year = int(match.group(1)), MONTHS.get(match.group(2)), int(match.group(3))
    else:
        return None
    try:
        return date(year, month, day)
    except (TypeError, ValueError):
        return None


def _cut(text, plain_end):
    """The index in `text` where its `plain` form reaches `plain_end` characters."""
    count = 0
    for index, char in enumerate(text):
        if count >= plain_end:
            return index
        count += len(plain(char))
    return len(text)


def _numbered(pattern, folded):
    """A match of a numbered heading pattern (`NUMBER`): a number, or a separator before any words."""
    match = pattern.match(folded)
    if match is None:
        return None
    number, separator, rest = match.group(1), match.group(2), match.group(3)
    if rest and not (number or separator):
        return None
    return match


def _rest(text, match, group=3):
    return text[_cut(text, match.start(group)):].strip() if match.group(group) else ""


def match_label(para):
    """(box, text after the label) when the paragraph opens with a fiche label, else None. What
    follows the label counts when a colon parts them (« Échéances de réalisation : 2026 »); a
    parenthesis that only explains the label (« Diagnostic initial (extrait…) ») does not."""
    text = para.text
    if len(text) > 150:
        return None
    folded = plain(text)
    for pattern, box, _ in LABEL_PATTERNS:
        if match := pattern.match(folded):
            rest = text[_cut(text, match.end()):].strip()
            if re.fullmatch(r"\(.*\)", rest) or not re.search(r"\w", rest):
                return box, ""
            if rest.startswith(":") or para.bold:
                return box, re.sub(r"^[:\-–—…./]+\s*", "", rest)
            return None
    return None


def strip_stamp(text, stamp):
    """`text` without the préfecture stamp lines it holds (`002_…` repeats them on every page),
    recording their values in `stamp` (the first of each kind)."""
    folded = plain(text)
    stamped = "prefecture" in folded or re.search(ACT_ID, folded)
    if not stamped and not re.fullmatch(r"publie le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?", folded.strip()):
        return text
    spans = []
    for key, pattern in STAMP:
        for match in pattern.finditer(folded):
            value = match.group(1)
            if key == "act_id":
                value = text[_cut(text, match.start(1)):_cut(text, match.end(1))]
            elif value:
                value = parse_date(value)
            if value and key not in stamp:
                stamp[key] = value
            spans.append((match.start(), match.end()))
    if not spans:
        return text
    kept, last = [], 0
    for start, end in sorted(spans):
        if start >= last:
            kept.append(text[_cut(text, last):_cut(text, start)])
            last = end
    kept.append(text[_cut(text, last):])
    return re.sub(r"\s+", " ", " ".join(kept)).strip(" ;,")


def party_kind(name):
    folded = plain(name)
    for pattern, kind in PARTY_KINDS:
        if pattern.search(folded):
            return kind
    return "autre"


def _clean_name(name):
    """« La Communauté de communes Roumois Seine » → « Communauté de communes Roumois Seine »."""
    name = re.sub(r"\*+", "", name).strip(" ,;:")
    return re.sub(r"^(?:[Ll]a|[Ll]es?)\s+(?=[A-ZÉÈÀ])|^[Ll]['’](?=[A-ZÉÈÀ])", "", name).strip()


def _capacity(text):
    text = ARTICLE_WORDS.sub("", text.strip(" ,;")).strip()
    return text[:1].upper() + text[1:]


def parse_representatives(text):
    """[(name, capacity)] of « représentée par le Président …, M. Philippe CHARPIN et par Mme Aurore
    VERNIEUWE, sa directrice, dûment autorisés … », or of our export's « Philippe Charpin,
    président, par … et par … » (the name first)."""
    folded = plain(text)
    start = re.search(r"represente(?:e|s|es)?\s+par\s+", folded)
    if not start:
        return []
    end = re.search(r",?\s*(?:dument|agissant|autorise|habilite)", folded[start.end():])
    part = text[_cut(text, start.end()): _cut(text, start.end() + end.start()) if end else len(text)]
    segments = re.split(r"\s+et\s+par\s+|,\s*par\s+|\s+et\s+(?=(?:M\.|Mme|Monsieur|Madame)\s)", part)
    representatives = []
    for segment in segments:
        pieces = [piece.strip(" ;.") for piece in segment.split(",") if piece.strip(" ;.")]
        if not pieces:
            continue
        named = [i for i, piece in enumerate(pieces)
                 if CIVILITY.match(piece) or (re.search(r"\b[A-ZÉÈ]{2,}\b", piece) and not ARTICLE_WORDS.match(piece))]
        if not named and len(pieces) == 1:
            representatives.append(("", _capacity(pieces[0])))  # « le Maire »: a capacity, no name
            continue
        at = named[0] if named else 0
        capacity = ", ".join(piece for i, piece in enumerate(pieces) if i != at)
        representatives.append((pieces[at], _capacity(capacity)))
    return representatives


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
IGNORED_HEADINGS = ("sommaire", "table des matieres", "portrait de territoire", "synoptique",
                    "charges de cooperation", "schema de maintien et de developpement")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7}
# An annex is known by its title first (an avenant's « Annexe 2 » may be the convention's 5th).
ANNEX_TOPICS = (("precedente", 1), ("ancienne ctg", 1), ("diagnostic", 2), ("equipements", 3), ("plan d'action", 4),
                ("fiches actions", 4), ("pilotage", 5), ("evaluation", 6), ("deliberation", 7))


class _Reader:
    def __init__(self, document):
        self.document = document
        self.styles = _Styles(document)
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
                gallery = _val(child, f"{qn('w:sdtPr')}/{qn('w:docPartObj')}/{qn('w:docPartGallery')}")
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
        if not text or plain(text).strip() in PLACEHOLDERS:
            return
        if text != para.text:
            para.text = block.text = block.markdown = text
        folded = plain(text).strip()
        if not self.structure(para, block, text, folded):
            self.content(para, block, text, folded)

    def title_line(self, para, text, folded):
        """The cover's first strong lines (a Title / Titre 1 paragraph, bold or capitals) make the title."""
        result = self.result
        if self.section != COVER or not self.title_open:
            return False
        strong = para.heading in (1, 2) or para.bold or (text.isupper() and len(text) > 10)
        ordinary = (folded.startswith("entre") or PERIOD.search(folded) or parse_date(text) or len(text) > 250
                    or any(_numbered(line, folded) for line in (ARTICLE_LINE, AXIS_LINE, FICHE_LINE))
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
        if heading and self.section not in (ANNEX, PLAN, FICHE, SIGNATURE) and (match := _numbered(ARTICLE_LINE, folded)) \
                and match.group(1):
            number = match.group(1)
            number = "1" if number in ("premier", "1er") else number.removesuffix("er")
            self.article = ArticleRead(number, _rest(text, match), block.index)
            result.articles.append(self.article)
            self.needs_title = self.article if not self.article.title else None
            self.section = ARTICLE
            return True
        if (match := SIGNED.match(folded)) and self.section not in (ANNEX, PLAN, FICHE):
            place = text[_cut(text, match.start(1)):_cut(text, match.end(1))].strip(" ,")
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
            if rest := text[_cut(text, opening.end()):].strip():
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
        title = _rest(text, match)
        topic = plain(title)
        number = next((n for words, n in ANNEX_TOPICS if words in topic), number)
        self.annex = self.result.annexes.setdefault(number, AnnexRead(number, title, block.index))
        self.needs_title = self.annex if not title else None
        self.section = ANNEX
        self.fiche, self.fiche_box, self.last, self.issues_open = None, None, None, False

    def plan_line(self, para, block, text, folded, heading):
        result = self.result
        in_fiche_head = self.section == FICHE and self.fiche is not None and not self.fiche.boxes
        if (match := _numbered(AXIS_LINE, folded)) and match.group(1) and (heading or in_fiche_head):
            axis = result.axis(int(match.group(1).removesuffix("er")), _rest(text, match))
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
            result.axis(int(match.group(1))).objectives[number] = _rest(text, match)
            if in_fiche_head:
                self.fiche.objective = number
            return True
        fiche_match = _numbered(FICHE_LINE, folded)
        action_match = None if fiche_match else _numbered(ACTION_LINE, folded)
        explicit = action_match is not None and action_match.group(2) and ":" in action_match.group(2)
        if action_match and not (action_match.group(1) or action_match.group(3)):
            action_match = None
        if fiche_match or (action_match and (heading or explicit)):
            match = fiche_match or action_match
            number = match.group(1)
            number = int(number.removesuffix("er")) if number and number.replace(".", "").removesuffix("er").isdigit() \
                and "." not in number else None
            title = _rest(text, match)
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
        cut = re.search(r",?\s*represente", plain(text))
        name = _clean_name(text[: _cut(text, cut.start())] if cut else text)
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
                span = _val(tcpr, qn("w:gridSpan"))
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
                    if text and plain(text).strip() not in PLACEHOLDERS and not para.toc:
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
        head = [plain(cell.text) for cell in rows[0]] if rows else []
        if not (head and head[0].startswith("axe") and any(h in ("n°", "numero", "action", "actions") for h in head)):
            return False
        for row in rows[1:]:
            for cell in row:
                if (match := _numbered(AXIS_LINE, plain(cell.text))) and match.group(1):
                    self.result.axis(int(match.group(1)), _rest(cell.text, match))
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
        match = _numbered(ACTION_LINE, plain(first)) or _numbered(FICHE_LINE, plain(first))
        if not match or cells[0][1] or not (match.group(1) or match.group(2)):
            return False
        if match.group(1) and match.group(1).isdigit() and fiche.number is None:
            fiche.number = int(match.group(1))
        if match.group(3) and not fiche.title:
            fiche.title = _rest(first, match)
        for cell, _ in cells[1:]:
            if not plain(cell.text).startswith("axe"):
                continue
            parts = re.split(f"([{BOXES_MARKS}])", cell.text)
            for mark, choice in zip(parts[1::2], parts[2::2], strict=True):
                if mark in CHECKED and choice.strip():
                    known = next((a for a in self.result.axes if plain(a.title) == plain(choice.strip())), None)
                    fiche.axis = (known or self.result.axis(len(self.result.axes) + 1, choice.strip())).number
        return True

    def cell_text(self, fiche, box, paragraphs):
        for para, block in paragraphs:
            if INLINE_LABELS.match(plain(para.text)):
                box = self.inline_boxes(fiche, para, block)
            elif box:
                self.add_box(fiche, box, block)
            else:
                self.unrecognised(block, context=fiche.label)

    def inline_boxes(self, fiche, para, block):
        """Share « Pilote : … Partenaires : … Public cible : … » between the boxes it names; the
        box of the last one goes on with the next paragraphs."""
        text, folded = para.text, plain(para.text)
        matches = list(INLINE_LABELS.finditer(folded))
        box = None
        for match, following in zip(matches, [*matches[1:], None], strict=True):
            box = INLINE_BOXES.get(re.sub(r"\W+", " ", match.group(1)).strip(), "target_public")
            value = text[_cut(text, match.end()): _cut(text, following.start()) if following else len(text)].strip()
            if value and plain(value) not in PLACEHOLDERS:
                self.add_box(fiche, box, Block(block.index, value, value, block.where))
        return box

    # -- the end

    def finish(self):
        result = self.result
        if result.start is None:
            for article in result.articles:
                for block in article.blocks:
                    folded = plain(block.text)
                    if match := EFFECT.search(folded) or PERIOD.search(folded):
                        result.start, result.end = parse_date(match.group(1)), parse_date(match.group(2))
                        break
                if result.start:
                    break
        if result.start is None and (match := YEARS.search(plain(result.title))):
            first, last = int(match.group(1)), int(match.group(2))
            if first < last:
                result.start, result.end = date(first, 1, 1), date(last, 12, 31)
        # The export's cover lists the parties again: no text to place.
        names = {plain(party.name) for party in result.parties}
        result.unrecognised = [b for b in result.unrecognised if plain(b.text) not in names]
