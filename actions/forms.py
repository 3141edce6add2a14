import re

from django import forms
from django.db.models import Q
from django.forms import inlineformset_factory

from ctg.concurrency import BaseInputs, EditForm
from ctg.forms import CleanInputMixin

from .enums import Nature, Theme, UpdateStatus
from .models import Axis, Fiche, Indicator, Objective, Update, pilot_organisations
from .tracking import RowValues, excerpt, format_number

NO_UPDATE = "aucun"
INTERCOMMUNAL = "intercommunal"


class PlanFilterForm(CleanInputMixin, forms.Form):
    """The plan's filters; they live in the query string so a filtered plan can be shared."""

    q = forms.CharField(label="Recherche", required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": "Intitulé, pilote, partenaires…"}))
    theme = forms.ChoiceField(label="Thématique", required=False, choices=[("", "Toutes")] + Theme.choices)
    status = forms.ChoiceField(
        label="Dernier statut", required=False,
        choices=[("", "Tous")] + UpdateStatus.choices + [(NO_UPDATE, "Sans suivi")],
    )
    nature = forms.ChoiceField(label="Nature", required=False, choices=[("", "Toutes")] + Nature.choices)
    pilot = forms.TypedChoiceField(label="Organisation pilote", required=False, coerce=int, empty_value=None)
    commune = forms.ChoiceField(label="Plan", required=False)

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        parties = convention.signatories.select_related("organisation").order_by("organisation__name")
        pilots = {s.organisation_id: s.organisation.name for s in parties}
        self.fields["pilot"].choices = [("", "Toutes")] + list(pilots.items())
        self.fields["commune"].choices = [("", "Tous les plans"), (INTERCOMMUNAL, "Plan intercommunal")] + [
            (c.insee, f"Plan communal : {c.name}") for c in convention.communes.all()
        ]

    def filter(self, fiches):
        """Apply the valid filters to a queryset of fiches annotated with `latest_status`."""
        data = self.cleaned_data if self.is_valid() else {}
        if text := data.get("q", "").strip():
            fiches = fiches.filter(
                Q(title__icontains=text) | Q(lead__icontains=text) | Q(partners__icontains=text)
                | Q(referents__icontains=text) | Q(key__icontains=text)
            )
        if theme := data.get("theme"):
            fiches = fiches.filter(theme_links__theme=theme)
        if status := data.get("status"):
            fiches = fiches.filter(latest_status__isnull=True) if status == NO_UPDATE else fiches.filter(latest_status=status)
        if nature := data.get("nature"):
            # Natures are a short JSON list: match the quoted slug in its text.
            fiches = fiches.filter(nature__icontains=f'"{nature}"')
        if pilot := data.get("pilot"):
            fiches = fiches.filter(lead_organisations=pilot)
        if commune := data.get("commune"):
            fiches = fiches.filter(commune__isnull=True) if commune == INTERCOMMUNAL else fiches.filter(commune__insee=commune)
        return fiches

    @property
    def active(self):
        return self.is_valid() and any(self.cleaned_data.get(name) for name in self.fields)


FIRST_WORD = re.compile(r"^\s*([^\s,.;:!?]+)")
# An infinitive ends in -er, -ir, -re or -oir; "faire", "mettre", "promouvoir"… all match.
INFINITIVE = re.compile(r"(er|ir|re|oir)$", re.IGNORECASE)


def title_hint(title):
    """A non-blocking hint when a fiche's title does not start with a verb (`001_…`: « Développer… »)."""
    match = FIRST_WORD.match(title or "")
    if match and not INFINITIVE.search(match.group(1)):
        return (
            f"L'intitulé commence par « {match.group(1)} » : une fiche action commence d'ordinaire par un verbe "
            "à l'infinitif (« Développer… », « Créer… », « Structurer… »)."
        )
    return None


class FicheForm(EditForm, CleanInputMixin, forms.ModelForm):
    themes = forms.MultipleChoiceField(
        label="Thématiques", choices=Theme.choices, widget=forms.CheckboxSelectMultiple,
        help_text="Au moins une. Les 4 thématiques obligatoires d'une CTG : petite enfance, enfance, jeunesse, parentalité.",
    )
    nature = forms.MultipleChoiceField(
        label="Nature de l'action", choices=Nature.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="Une fiche est requise au moins pour les projets phares, expérimentaux et les nouvelles actions.",
    )

    class Meta:
        model = Fiche
        fields = [*Fiche.CONTENT_FIELDS, "themes", "lead_organisations"]
        widgets = {
            "lead_organisations": forms.CheckboxSelectMultiple,
            **{name: forms.Textarea(attrs={"rows": 5, "class": "markdown"}) for name in Fiche.BOX_FIELDS},
        }
        help_texts = {
            "initial_diagnosis": "Le constat qui justifie l'action. Markdown : listes avec « - », **gras**, *italique*.",
            "target_public": "Familles, enfants, jeunes, professionnels… concernés.",
            "operational_objectives": "Des objectifs concrets et vérifiables, un par ligne (« - »).",
            "implementation": "Comment l'action est conduite : étapes, outils, organisation.",
            "schedule": "Échéances de réalisation, par exemple « 2026 » ou « 2025-2026 ».",
            "lead": "Services mobilisés et responsable de l'action (pilote).",
            "partners": "Partenaires sollicités : Caf, Éducation nationale, associations…",
            "expected_results": "Ce qui aura changé si l'action réussit.",
            "evaluation_indicators": "Indicateurs d'évaluation (les indicateurs chiffrés se saisissent plus bas).",
            "funding": "Financements mobilisables (Caf, collectivité, autres).",
            "referents": "Les personnes référentes de l'action.",
        }

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.fields["axis"].queryset = Axis.objects.filter(convention=convention)
        self.fields["objective"].queryset = Objective.objects.filter(axis__convention=convention).select_related("axis")
        self.fields["commune"].queryset = convention.communes.all()
        self.fields["commune"].empty_label = "Plan intercommunal"
        self.fields["lead_organisations"].queryset = pilot_organisations(convention)
        if self.instance.pk:
            self.initial.setdefault("themes", self.instance.theme_slugs)

    def initial_for(self, obj):
        return {**super().initial_for(obj), "themes": obj.theme_slugs}

    def clean_number(self):
        number = self.cleaned_data["number"]
        others = Fiche.objects.filter(convention=self.convention, is_current=True, number=number).exclude(pk=self.instance.pk)
        if self.instance.avenant_id:
            # A version an avenant proposes may take the number of a fiche that avenant replaces or abrogates.
            others = others.exclude(targeting_operations__avenant=self.instance.avenant_id)
        clash = others.first()
        if clash:
            raise forms.ValidationError(f"Le numéro {number} est déjà celui de l'action « {clash.title} ».")
        return number

    def clean(self):
        cleaned = super().clean()  # the objective's axis is checked by Fiche.clean()
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", "L'année de fin précède l'année de début.")
        return cleaned

    @property
    def title_hint(self):
        return title_hint(self["title"].value())


class IndicatorForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit", "baseline", "target"]
        labels = {"name": "Indicateur", "baseline": "Valeur de départ"}
        # French decimals: "6,5" is typed and shown with a comma.
        localized_fields = ["baseline", "target"]
        widgets = {
            "baseline": forms.TextInput(attrs={"inputmode": "decimal"}),
            "target": forms.TextInput(attrs={"inputmode": "decimal"}),
        }


IndicatorFormSet = inlineformset_factory(
    Fiche, Indicator, form=IndicatorForm, extra=0, can_delete=True,
)


class AxisForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Axis
        fields = ["title"]
        labels = {"title": "Intitulé de l'axe"}


class ObjectiveForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["title"]
        labels = {"title": "Intitulé de l'objectif"}


class UpdateForm(EditForm, CleanInputMixin, forms.Form):
    """One row of the tracking table; prefixed by the fiche's key so every row's fields are unique.
    Its version is that of the fiche's update for `period` (0 before the first one)."""

    status = forms.ChoiceField(label="Statut", choices=[("", "—")] + UpdateStatus.choices)
    progress = forms.IntegerField(
        label="Avancement (%)", required=False, min_value=0, max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input--short"}),
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    difficulties = forms.CharField(label="Difficultés", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, fiche, period, previous=None, **kwargs):
        """`previous`: the update of the quarter before (`tracking.previous_update`), shown beside
        each input, to write this quarter's from it."""
        self.fiche, self.period = fiche, period
        super().__init__(*args, prefix=fiche.key, **kwargs)
        if previous is not None:
            said = f"En {previous.period} : "
            self.fields["status"].help_text = said + previous.get_status_display()
            if previous.progress is not None:
                self.fields["progress"].help_text = f"{said}{previous.progress} %"
            for name in ("comment", "difficulties"):
                if getattr(previous, name):
                    self.fields[name].help_text = said + excerpt(getattr(previous, name))
        self.indicators = list(fiche.indicators.all())
        for indicator in self.indicators:
            label = f"{indicator.name} ({indicator.unit})" if indicator.unit else indicator.name
            hints = [f"Cible : {format_number(indicator.target)}"] if indicator.target is not None else []
            before = previous.values_by_key.get(indicator.key) if previous is not None else None
            if before is not None:
                hints.append(f"en {previous.period} : {format_number(before)}")
            self.fields[f"indicator_{indicator.pk}"] = forms.FloatField(
                label=label, required=False, localize=True,
                help_text=(hint := " · ".join(hints))[:1].upper() + hint[1:],
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}),
            )
        self.initial = self.initial_for(fiche.period_update)

    @property
    def versioned(self):
        return Update.history.filter(fiche_id=self.fiche.pk, period=str(self.period))

    def initial_for(self, update):
        """The row's values as `update` (None: no update yet) says them."""
        values = {v.indicator_id: v.value for v in update.indicator_values.all()} if update else {}
        initial = {f"indicator_{i.pk}": None if values.get(i.pk) is None else format_number(values[i.pk])
                   for i in self.indicators}
        if update:
            initial.update(status=update.status, progress=update.progress, comment=update.comment,
                           difficulties=update.difficulties)
        return initial

    def indicator_fields(self):
        return [self[f"indicator_{indicator.pk}"] for indicator in self.indicators]

    def values(self):
        data = self.cleaned_data
        return RowValues(
            status=data["status"], progress=data["progress"], progress_given=True, comment=data["comment"].strip(),
            difficulties=data["difficulties"].strip(),
            indicators={i.pk: data[f"indicator_{i.pk}"] for i in self.indicators},
        )


XLSX_INPUT = {"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class TrackingImportForm(CleanInputMixin, forms.Form):
    workbook = forms.FileField(
        label="Classeur Excel (.xlsx)", help_text="Le classeur exporté depuis cette page, complété : 5 Mo au plus.",
        widget=forms.ClearableFileInput(attrs=XLSX_INPUT),
    )


class PlanImportForm(CleanInputMixin, forms.Form):
    workbook = forms.FileField(
        label="Classeur Excel (.xlsx)",
        help_text="Le modèle ou l'export du plan d'actions, complété : 5 Mo au plus.",
        widget=forms.ClearableFileInput(attrs=XLSX_INPUT),
    )
