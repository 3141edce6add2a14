"""Text compared as a French reader compares it: without case, accents or ligatures."""

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
