"""One fiche action in Word (`ctg.docx`), to send to a partner who edits it."""

from ctg.docx import WordVersion

from .pdf import FichePdf


class FicheWord(WordVersion, FichePdf):
    """The fiche PDF's content: where it sits in the plan, the canonical table, indicators, tracking."""
