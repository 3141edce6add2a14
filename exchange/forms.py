"""The forms of « Reprendre une CTG depuis Word »: the upload, then the creation with, for each
paragraph the reader could not place, where it goes."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from conventions.models import Convention, slug_validator
from ctg.errors import DomainError
from ctg.forms import CleanInputMixin, DateInput
from ctg.keys import unique_slug
from ctg.uploads import size_label
from ctg.zips import read_upload

from .docx_file import DOCX_LIMITS
from .docx_import import assignment_targets
from .docx_reader import read_docx

PREPARATION, SIGNED = "preparation", "signee"


class DocxUploadForm(CleanInputMixin, forms.Form):
    file = forms.FileField(
        label="Document Word de la convention (.docx)",
        help_text=f"Le fichier .docx de la CTG, {size_label(DOCX_LIMITS.max_bytes)} au plus. Rien n'est enregistré "
                  "avant l'étape suivante, où vous vérifiez ce qui a été reconnu.",
        error_messages={"required": "Choisissez le document Word de la convention.",
                        "empty": "Ce fichier est vide : choisissez le document Word de la convention."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            data = read_upload(upload, DOCX_LIMITS.max_bytes)
            self.reading = read_docx(data)
        except DomainError as error:
            raise ValidationError(error.message) from None
        self.data_bytes = data
        return upload


class DocxCreateForm(CleanInputMixin, forms.Form):
    """The convention to create from a reading, and one « Reprendre dans » select per
    unrecognised paragraph (`paragraph_<index>`)."""

    title = forms.CharField(label="Titre", max_length=Convention._meta.get_field("title").max_length)
    slug = forms.CharField(
        label="Identifiant", max_length=100, validators=[slug_validator],
        help_text="Dans l'adresse de la convention : minuscules, chiffres et tirets.",
    )
    caf = forms.ModelChoiceField(label="Caf", queryset=None, empty_label=None)
    start = forms.DateField(label="Début", widget=DateInput)
    end = forms.DateField(label="Fin", widget=DateInput)
    status = forms.ChoiceField(
        label="Créer la convention", widget=forms.RadioSelect,
        choices=[(PREPARATION, "En préparation : son texte se relit et se complète avant signature"),
                 (SIGNED, "Signée (un acte existant) : son texte est figé, il ne change plus que par avenant")],
    )
    signed_on = forms.DateField(label="Signée le", required=False, widget=DateInput,
                                help_text="Pour une convention signée : la date de sa signature.")

    def __init__(self, *args, reading, plan, cafs, recognised_caf=None, **kwargs):
        self.reading = reading
        super().__init__(*args, **kwargs)
        self.fields["caf"].queryset = cafs
        self.initial.setdefault("title", reading.title)
        slugs = set(Convention.objects.values_list("slug", flat=True))
        self.initial.setdefault("slug", unique_slug(slugify(reading.title), slugs, fallback="ctg"))
        self.initial.setdefault("caf", recognised_caf if recognised_caf in cafs else cafs.first())
        self.initial.setdefault("start", reading.start)
        self.initial.setdefault("end", reading.end)
        self.initial.setdefault("status", SIGNED if reading.signed_on else PREPARATION)
        self.initial.setdefault("signed_on", reading.signed_on)
        choices = []
        for group, options in assignment_targets(reading, plan):
            choices += options if not group else [(group, options)]
        for block in reading.unrecognised:
            self.fields[f"paragraph_{block.index}"] = forms.ChoiceField(
                label=f"Paragraphe {block.index} : reprendre dans", choices=choices, required=False,
            )

    def paragraphs(self):
        """[(block, its bound select)] in the document's order."""
        return [(block, self[f"paragraph_{block.index}"]) for block in self.reading.unrecognised]

    def assignments(self):
        return {block.index: self.cleaned_data.get(f"paragraph_{block.index}", "") for block in self.reading.unrecognised}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == SIGNED and not cleaned.get("signed_on"):
            self.add_error("signed_on", "Indiquez la date de signature de la convention.")
        return cleaned
