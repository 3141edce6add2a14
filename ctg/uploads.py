"""Uploaded PDF files, checked by their content, not by their name (generic: no domain app here).

`check_pdf` refuses, in French: a file over the size limit (from the size the upload announced,
before its content is read); a file that does not begin with the PDF signature `%PDF-`, whatever
its name; a PDF that pypdf cannot open (damaged, truncated) or that is encrypted (protected by a
password, even an empty one); a PDF without pages. `PdfFileField` shows those refusals at the
field (and an empty file's), and says the limit; the service that keeps the file checks again."""

import hashlib
import logging
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from pypdf import PdfReader

PDF_SIGNATURE = b"%PDF-"
EMPTY = "Ce fichier est vide : choisissez le PDF numérisé."
MIB = 1024 * 1024

# pypdf warns about each defect it works around: a refusal already tells the user.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def size_label(size):
    """A size in words: « 1,2 Mo », « 350 Ko », « 20 Mo », « 512 octets » (1 Mo = 1 024 Ko)."""
    for unit, factor in (("Mo", MIB), ("Ko", 1024)):
        if size >= factor:
            value = f"{size / factor:.1f}".removesuffix(".0").replace(".", ",")
            return f"{value} {unit}"
    return f"{size} octet{'s' if size > 1 else ''}"


def sha256_of(upload):
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def pdf_pages(upload):
    """The number of pages of the uploaded PDF; a French ValidationError when it is not a PDF
    that opens without a password."""
    upload.seek(0)
    if upload.read(len(PDF_SIGNATURE)) != PDF_SIGNATURE:
        raise ValidationError(
            "Ce fichier n'est pas un PDF (son contenu ne commence pas par « %PDF- ») : déposez la "
            "numérisation de l'acte signé au format PDF.", code="not_pdf")
    upload.seek(0)
    try:
        reader = PdfReader(upload)
        if reader.is_encrypted:
            raise ValidationError(
                "Ce PDF est chiffré ou protégé par un mot de passe : déposez une version sans protection.",
                code="encrypted")
        pages = len(reader.pages)
    except ValidationError:
        raise
    except Exception:  # pypdf raises many kinds of errors on a damaged file
        raise ValidationError(
            "Ce PDF est endommagé ou incomplet : il ne s'ouvre pas. Numérisez ou exportez-le à nouveau.",
            code="corrupt") from None
    finally:
        upload.seek(0)
    if pages < 1:
        raise ValidationError("Ce PDF ne contient aucune page.", code="no_pages")
    return pages


@dataclass(frozen=True)
class PdfFacts:
    size: int
    pages: int
    sha256: str


def check_pdf(upload, *, max_size):
    """What the upload is (size, pages, SHA-256) if it is a PDF of at most `max_size` bytes that
    opens without a password; otherwise a French ValidationError."""
    if not upload.size:
        raise ValidationError(EMPTY, code="empty")
    if upload.size > max_size:
        raise ValidationError(
            f"Ce fichier fait {size_label(upload.size)} : la limite est de {size_label(max_size)}. "
            "Numérisez-le en résolution plus basse ou en noir et blanc.", code="too_large")
    return PdfFacts(size=upload.size, pages=pdf_pages(upload), sha256=sha256_of(upload))


class PdfFileField(forms.FileField):
    """A PDF of at most `max_size` bytes (`check_pdf`, its result in the upload's `facts`); the
    file input offers PDFs and its help says the limit."""

    def __init__(self, *, max_size, **kwargs):
        self.max_size = max_size
        kwargs.setdefault("help_text", f"Un fichier PDF, {size_label(max_size)} au plus.")
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": "application/pdf,.pdf"}))
        error_messages = {
            "required": "Choisissez le fichier PDF à déposer.",
            "empty": EMPTY,
            "invalid": "Aucun fichier reçu : vérifiez que le formulaire est envoyé avec son fichier.",
            **kwargs.pop("error_messages", {}),
        }
        super().__init__(error_messages=error_messages, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return upload
        upload.facts = check_pdf(upload, max_size=self.max_size)
        return upload
