from django import forms
from django.conf import settings
from django.forms import inlineformset_factory

from actions.models import Axis, Fiche
from ctg.forms import CleanInputMixin, DateInput
from ctg.uploads import PdfFileField, size_label

from .enums import ANNEX_TITLES, AmendMode
from .models import Article, Avenant, Convention, Equipment, avenant_date_errors


class AvenantForm(CleanInputMixin, forms.ModelForm):
    visas = forms.CharField(
        label="Visas", required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Un « Vu … » par ligne ; ceux de la convention sont repris au départ.",
    )

    class Meta:
        model = Avenant
        fields = ["title", "effective_from", "effective_until", "signed_at", "preamble", "object"]
        widgets = {
            "effective_from": DateInput, "effective_until": DateInput,
            "preamble": forms.Textarea(attrs={"rows": 5, "class": "markdown"}),
            "object": forms.Textarea(attrs={"rows": 4, "class": "markdown"}),
        }
        help_texts = {
            "effective_from": "L'avenant s'applique à compter de cette date (dans la période de la convention).",
            "object": "Ce que l'avenant change, par exemple « Actualiser l'engagement des partenaires sur le SPPE ».",
            "signed_at": "Lieu de signature, par exemple « Bourg-Achard ».",
        }

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.fields["title"].required = False
        if self.instance.pk:
            self.initial.setdefault("visas", "\n".join(self.instance.visas.values_list("text", flat=True)))

    def clean(self):
        cleaned = super().clean()
        errors = avenant_date_errors(self.convention, cleaned.get("effective_from"), cleaned.get("effective_until"))
        for name, message in errors.items():
            self.add_error(name, message)
        return cleaned

    def avenant_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    @property
    def visa_lines(self):
        return [line.strip() for line in self.cleaned_data.get("visas", "").splitlines() if line.strip()]


class AvenantArticleForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Article
        fields = ["number", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}


AvenantArticleFormSet = inlineformset_factory(
    Avenant, Article, form=AvenantArticleForm, extra=1, can_delete=True,
)


class SignForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Avenant
        fields = ["signed_on", "signed_at", "prefecture_sent_on", "prefecture_received_on",
                  "prefecture_published_on", "prefecture_act_id"]
        widgets = {name: DateInput for name in ["signed_on", "prefecture_sent_on", "prefecture_received_on",
                                           "prefecture_published_on"]}
        help_texts = {"prefecture_act_id": "Par exemple 027-200066405-20251215-CC_201_2025-DE."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].required = True


class FicheChoiceForm(CleanInputMixin, forms.Form):
    fiche = forms.ModelChoiceField(label="Fiche action", queryset=Fiche.objects.none())

    def __init__(self, *args, avenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiche"].queryset = (
            Fiche.objects.filter(convention=avenant.convention).in_force(avenant.effective_from).order_by("number")
        )
        self.fields["fiche"].label_from_instance = lambda f: f"Action {f.number} — {f.title}"


class AddFicheForm(CleanInputMixin, forms.Form):
    axis = forms.ModelChoiceField(label="Axe", queryset=Axis.objects.none())
    title = forms.CharField(label="Intitulé de la nouvelle fiche", max_length=300,
                            help_text="Commence par un verbe ; le contenu se rédige ensuite dans l'éditeur de fiche.")

    def __init__(self, *args, avenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = avenant.convention.axes.all()


class AmendArticleForm(CleanInputMixin, forms.Form):
    article_number = forms.ChoiceField(label="Article")
    mode = forms.ChoiceField(label="Modification", choices=AmendMode.choices, widget=forms.RadioSelect)
    body = forms.CharField(label="Texte", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, avenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article_number"].choices = [
            (a.number, f"Article {a.number} — {a.title}") for a in avenant.convention.articles.filter(avenant__isnull=True)
        ]


class AmendAnnexForm(CleanInputMixin, forms.Form):
    annex = forms.TypedChoiceField(label="Annexe", coerce=int, choices=[(n, f"Annexe {n} — {t}") for n, t in ANNEX_TITLES.items()])
    mode = forms.ChoiceField(label="Modification", choices=AmendMode.choices, widget=forms.RadioSelect)
    body = forms.CharField(label="Texte", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, avenant, **kwargs):
        super().__init__(*args, **kwargs)


class EquipmentForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Equipment
        fields = ["kind", "name", "address", "commune", "places", "caf_funding", "local_funding", "funded_by",
                  "bonus_territoire"]

    def __init__(self, *args, avenant, **kwargs):
        super().__init__(*args, **kwargs)
        convention = avenant.convention
        self.fields["funded_by"].queryset = self.fields["funded_by"].queryset.filter(
            signatures__convention=convention).distinct()


class EquipmentChoiceForm(CleanInputMixin, forms.Form):
    equipment = forms.ModelChoiceField(label="Équipement", queryset=Equipment.objects.none())

    def __init__(self, *args, avenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment"].queryset = Equipment.objects.filter(convention=avenant.convention).in_force(
            avenant.effective_from)


# The operations a draft avenant can receive, as (label, form class), by URL kind.
OPERATION_FORMS = {
    "abroger-fiche": ("Abroger une fiche action", FicheChoiceForm),
    "modifier-fiche": ("Modifier une fiche action", FicheChoiceForm),
    "ajouter-fiche": ("Ajouter une fiche action", AddFicheForm),
    "modifier-article": ("Modifier ou compléter un article", AmendArticleForm),
    "modifier-annexe": ("Modifier ou compléter une annexe", AmendAnnexForm),
    "ajouter-equipement": ("Ajouter un équipement ou service (annexe 3)", EquipmentForm),
    "abroger-equipement": ("Abroger un équipement ou service (annexe 3)", EquipmentChoiceForm),
}


STAMP_WIDGETS = {name: DateInput for name in ["prefecture_sent_on", "prefecture_received_on", "prefecture_published_on"]}
STAMP_HELP = {"prefecture_act_id": "Par exemple 027-200066405-20251215-CC_201_2025-DE."}


class ConventionSignForm(CleanInputMixin, forms.ModelForm):
    """The signature of a convention: date and place (checked by the service with every other
    requirement, so that a refusal names them all at once), the préfecture stamp if already known."""

    note = forms.CharField(label="Note (facultative)", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Apparaît dans la chronologie et le journal de la convention.")

    class Meta:
        model = Convention
        fields = ["signed_on", "signed_at", "prefecture_sent_on", "prefecture_received_on",
                  "prefecture_published_on", "prefecture_act_id"]
        widgets = {"signed_on": DateInput, **STAMP_WIDGETS}
        help_texts = {"signed_at": "Lieu de signature, par exemple « Bourg-Achard ».", **STAMP_HELP}


class CafValidationForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Convention
        fields = ["caf_validation_body", "caf_validation_on"]
        widgets = {"caf_validation_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class PrefectureStampForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Convention
        fields = ["prefecture_sent_on", "prefecture_received_on", "prefecture_published_on", "prefecture_act_id"]
        widgets = STAMP_WIDGETS
        help_texts = STAMP_HELP


class StatusNoteForm(CleanInputMixin, forms.Form):
    note = forms.CharField(label="Note (facultative)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SignedOriginalForm(CleanInputMixin, forms.Form):
    """Deposit the signed original of an act (`originals.original_attach`); replacing the
    `current` one needs the reason. `replacing`: the original the user saw, to detect another
    deposit made meanwhile."""

    note = forms.CharField(
        label="Motif du remplacement", widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez pourquoi vous remplacez l'original signé."},
        help_text="Par exemple « page 12 manquante » : l'original actuel reste consultable dans les versions remplacées.",
    )
    replacing = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, current=None, **kwargs):
        kwargs.setdefault("prefix", "original")  # the page has other forms with a note
        super().__init__(*args, **kwargs)
        limit = settings.SIGNED_ORIGINAL_MAX_SIZE
        self.fields = {
            "file": PdfFileField(
                label="Original signé (PDF numérisé)", max_size=limit,
                help_text=f"Le PDF de l'acte signé, numérisé : {size_label(limit)} au plus. Le fichier est vérifié "
                          "d'après son contenu (un PDF qui s'ouvre sans mot de passe).",
            ),
            **self.fields,
        }
        self.current = current
        if current is None:
            del self.fields["note"]
        self.initial.setdefault("replacing", current.pk if current else None)

    def is_stale(self):
        """Whether the user saw another current original (or none) than the one there now."""
        seen = self.data.get(self.add_prefix("replacing"), "").strip()
        return seen != (str(self.current.pk) if self.current else "")

    def typed_note(self):
        return self.data.get(self.add_prefix("note"), "")
