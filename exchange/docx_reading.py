"""What the Word reader (`docx_reader`) found in a CTG's document: the recognised elements, each
paragraph a numbered `Block`, and the paragraphs it could not place."""

from dataclasses import dataclass, field
from datetime import date


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
