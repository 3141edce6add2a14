"""Text compared as a French reader compares it: without case, accents or ligatures."""

import unicodedata

# What NFKD leaves whole but a reader (and PostgreSQL's `unaccent`) spells in two letters.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "’": "'"})


def fold(text):
    """`text` in lower case, without accents or ligatures: « Œuvre À L’école » → « oeuvre a l'ecole »."""
    text = unicodedata.normalize("NFKD", text.lower().translate(LIGATURES))
    return "".join(c for c in text if not unicodedata.combining(c))
