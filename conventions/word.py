"""The convention and its avenants in Word, for the partners who negotiate texts in Word: the
same documents as `pdf.py`, written with Word styles (`ctg.docx`)."""

from ctg.docx import WordVersion

from .pdf import AvenantPdf, ConventionPdf


class ConventionWord(WordVersion, ConventionPdf):
    """The full convention as in force on a date: body, annexes, every fiche in its table."""


class AvenantWord(WordVersion, AvenantPdf):
    """An avenant alone, laid out like `002_…`."""
