"""Comparing French text as a reader would: without case, accents or typographic apostrophes."""

import unicodedata


def plain(text):
    """`text` lowercased, without accents, with straight apostrophes: « Échéances » → « echeances »."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'").replace("œ", "oe").replace("æ", "ae"))
    return "".join(c for c in text if not unicodedata.combining(c))
