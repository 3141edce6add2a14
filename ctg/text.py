"""French text in two ways: as the application stores it (cleaned), and as a reader compares it (folded).

Text as the application stores it, whatever typed, pasted or imported it: forms
(`ctg.forms.CleanInputMixin`), the exchange import (`exchange.types`), the tracking workbook.

A single-line text (a title, a name, a place) holds no line break nor control character: a
newline in a séance's title broke its calendar file and its reminder's subject. A multi-line
text keeps its line breaks (LF) and tabs, nothing else of the kind. Both lose the lone
surrogates a JSON file may carry (`"\\ud800"`), which no database stores.

Folded: without case, accents or ligatures (`fold`), for comparing and searching."""


import re
import unicodedata

ACCENTS = re.compile(r"[\u0300-\u036f]")  # the combining marks NFKD splits off Latin letters
# What NFKD leaves whole but a reader (and PostgreSQL's `unaccent`) spells in two letters.
LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ß", "ss"), ("ø", "o"), ("đ", "d"), ("ł", "l"), ("’", "'"))


def fold(text):
    """`text` in lower case, without accents or ligatures: « Œuvre À L’école » → « oeuvre a l'ecole »."""
    text = text.lower()
    if text.isascii():
        return text
    for letter, spelt in LIGATURES:
        text = text.replace(letter, spelt)
    return ACCENTS.sub("", unicodedata.normalize("NFKD", text))



# The longest free text a box takes (a fiche's « modalités de mise en œuvre », an annex):
# about ten printed pages. Titles and names are bounded by their model field.
LONG_TEXT = 20_000
# A single-line field no model bounds (a search, a hidden token).
LINE_TEXT = 1_000

_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # all but tab and LF
_LINE_ENDS = re.compile(r"\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")


def one_line(text):
    """`text` on one line: line breaks and tabs become a space, other control characters go,
    and so do the blanks around it."""
    return _CONTROLS.sub("", _BREAKS.sub(" ", text)).strip()


def multiline(text):
    """`text` with LF line ends and tabs, and no other control character."""
    return _CONTROLS.sub("", _LINE_ENDS.sub("\n", text))
