"""Forms of the annex editors (annexes 1 to 7 but the plan d'actions): one Markdown text for
annexes 1, 5 and 6; the diagnosis grid and the enjeux (annexe 2); rows of equipment (annexe 3),
of the SPPE schéma (annexe 4) and of deliberations (annexe 7). Rows work as in `editor_forms`."""

import hashlib
import re

from django import forms

from ctg import concurrency
from ctg.concurrency import BaseInputs
from ctg.dates import FIRST_YEAR, LAST_YEAR
from ctg.forms import MARKDOWN, CleanInputMixin, DateInput

from .diagnosis import diagnosis_table
from .editor_forms import RowMixin, RowsFormSet, rows_formset
from .enums import OrganisationKind, TerritoryLevel
from .models import (
    Convention,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Organisation,
    SppeRow,
)
from .parties import assembly_of, collectivities


class SectionTextForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    """A text of the convention a preparation page edits, with what the page showed (`ctg.concurrency`)."""


def annex_text_form(field_name, label, help_text, rows=18):
    """The form of an annexe written as one Markdown text (annexes 1, 5 and 6, the diagnosis summary)."""
    return forms.modelform_factory(
        Convention, form=SectionTextForm, fields=[field_name], labels={field_name: label},
        help_texts={field_name: help_text}, widgets={field_name: forms.Textarea(attrs={"rows": rows, **MARKDOWN})},
    )



class IssueForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("text",)

    class Meta:
        model = DiagnosisIssue
        fields = ["text"]
        labels = {"text": "Enjeu"}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


IssueFormSet = rows_formset(IssueForm)


class TerritoryForm(CleanInputMixin, RowMixin, forms.Form):
    level = forms.ChoiceField(label="Niveau", choices=TerritoryLevel.choices)
    code = forms.CharField(label="Code du territoire", max_length=20,
                           help_text="Code INSEE d'une commune, SIREN d'un EPCI, numéro du département.")
    significant = ("code",)


class TerritoryFormSet(RowsFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.kept:
            identity = (form.cleaned_data.get("level"), form.cleaned_data.get("code"))
            if identity in seen:
                form.add_error("code", "Ce territoire a déjà sa colonne.")
            seen.add(identity)


class IndicatorRowForm(CleanInputMixin, RowMixin, forms.Form):
    indicator = forms.CharField(label="Indicateur", max_length=255)
    unit = forms.CharField(label="Unité", max_length=30, required=False)
    year = forms.IntegerField(label="Année", required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    significant = ("indicator",)


class IndicatorRowFormSet(RowsFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.kept:
            identity = (form.cleaned_data.get("indicator"), form.cleaned_data.get("year"))
            if identity in seen:
                form.add_error("indicator", "Cet indicateur a déjà une ligne pour la même année.")
            seen.add(identity)


TerritoryFormSet = forms.formset_factory(TerritoryForm, formset=TerritoryFormSet, extra=0, can_delete=True)
IndicatorRowFormSet = forms.formset_factory(IndicatorRowForm, formset=IndicatorRowFormSet, extra=0, can_delete=True)


SPACES = re.compile(r"[\s\u00a0\u202f]")


class SpacedNumber:
    """A number typed the French way, spaces between the thousands: « 120 000,50 »."""

    def to_python(self, value):
        if isinstance(value, str):
            value = SPACES.sub("", value)
        return super().to_python(value)


class AmountField(SpacedNumber, forms.DecimalField):
    pass


class NumberField(SpacedNumber, forms.FloatField):
    pass


def decimal_text(value):
    """A stored value as typed in French: « 76 », « 41,5 »."""
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


class DiagnosisGrid:
    """The portrait de territoire as a grid: one row per indicator (name, unit, year), one column
    per territory (level, code), a value in each cell (`valeur-<row>_<column>`, French decimals)."""

    def __init__(self, data=None, *, convention, indicators=(), names=None):
        self.names = names or {}
        territories = rows = None
        values = {}
        if data is None:
            table = diagnosis_table(convention, list(indicators)) if indicators else None
            if table:
                territories = [{"level": c["level"], "code": c["code"]} for c in table["columns"]]
                rows = [{"indicator": r["indicator"], "unit": r["unit"], "year": r["year"]} for r in table["rows"]]
                values = {f"{i}_{j}": decimal_text(v) for i, r in enumerate(table["rows"]) for j, v in enumerate(r["values"])}
            else:
                territories = default_territories(convention)
                rows = []
        self.territories = TerritoryFormSet(data, prefix="territoires", initial=territories)
        self.indicators = IndicatorRowFormSet(data, prefix="indicateurs", initial=rows)
        self.cells = forms.Form(data, prefix="valeur", initial=values)
        # The grid as the page showed it: rebased as a whole on a concurrent edit (`rebase`).
        self.base = forms.Form(data, prefix="grille", initial={"rows": grid_signature(indicators)} if data is None else {})
        self.base.fields["rows"] = forms.CharField(required=False, widget=forms.HiddenInput)
        for i in range(len(self.indicators.forms)):
            for j in range(len(self.territories.forms)):
                self.cells.fields[f"{i}_{j}"] = NumberField(
                    required=False, localize=True, label="Valeur",
                    error_messages={"invalid": "Un nombre, par exemple 41,5."},
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--cell"}),
                )

    def columns(self):
        """The territory forms with the name of the territory their code designates ("" unknown)."""
        return [(form, self.names.get(str(form["code"].value() or ""), "")) for form in self.territories.forms]

    def grid(self):
        """The rows of the table to render: (indicator form, [(cell bound field, its label)…])."""
        columns = [name or str(form["code"].value() or "") for form, name in self.columns()]
        return [
            (form, [(self.cells[f"{i}_{j}"], f"{form['indicator'].value() or f'Ligne {i + 1}'} — {column}")
                    for j, column in enumerate(columns)])
            for i, form in enumerate(self.indicators.forms)
        ]

    def is_valid(self):
        return all([self.territories.is_valid(), self.indicators.is_valid(), self.cells.is_valid()])

    def rebase(self, stored, result, convention):
        """Rebase the submitted grid on the `stored` indicators (`ctg.concurrency`), as a whole: a
        grid the user left as it was takes the stored one; changed on both sides, it is a clash."""
        base, current = self.base["rows"].value(), grid_signature(stored)
        result.data[self.base.add_prefix("rows")] = current
        mine = grid_signature(DiagnosisIndicator(**row) for row in self.rows())
        if current in (base, mine):
            return
        if mine != base:
            result.clashes.append(concurrency.Clash(
                "Portrait de territoire", "Votre grille, conservée ci-dessous",
                "Une autre grille : voir ci-dessous ce qui a été enregistré entre-temps"))
            return
        shown = DiagnosisGrid(None, convention=convention, indicators=stored, names=self.names)
        for key in [k for k in result.data if k.split("-")[0] in ("territoires", "indicateurs", "valeur")]:
            del result.data[key]
        for key, value in concurrency.page_data(shown.territories, shown.indicators, shown.cells).items():
            result.data[key] = value
        result.taken.append("Portrait de territoire")

    def rows(self):
        """One stored row per kept indicator and kept territory, empty cells included."""
        columns = [(j, form) for j, form in enumerate(self.territories.forms) if form in self.territories.kept]
        kept = self.indicators.kept
        return [
            {"indicator": form.cleaned_data["indicator"], "unit": form.cleaned_data["unit"],
             "year": form.cleaned_data["year"], "level": column.cleaned_data["level"],
             "territory": column.cleaned_data["code"], "value": self.cells.cleaned_data.get(f"{i}_{j}")}
            for i, form in enumerate(self.indicators.forms) if form in kept
            for j, column in columns
        ]


def grid_signature(indicators):
    """A digest of what a portrait de territoire says, whatever the order of its cells."""
    cells = sorted(
        (i.indicator, i.unit, i.year or 0, i.level, i.territory, -1e300 if i.value is None else float(i.value)) for i in indicators
    )
    return hashlib.sha256(repr(cells).encode()).hexdigest()


def territory_names(convention, communes, signatories):
    names = {c.insee: c.name for c in communes}
    names.update((s.organisation.code, s.organisation.name) for s in signatories if s.organisation.code)
    return names


LEVEL_OF_KIND = {OrganisationKind.EPCI: TerritoryLevel.EPCI, OrganisationKind.DEPARTEMENT: TerritoryLevel.DEPARTEMENT}


def default_territories(convention, present=()):
    """The columns a portrait de territoire compares: each commune, then each signatory EPCI or
    département (with a code); those in `present` ((level, code) pairs) left out."""
    columns = [(TerritoryLevel.COMMUNE.value, c.insee) for c in convention.communes.all()]
    columns += [
        (LEVEL_OF_KIND[s.organisation.kind].value, s.organisation.code)
        for s in convention.signatories.select_related("organisation")
        if s.organisation.kind in LEVEL_OF_KIND and s.organisation.code
    ]
    unique = list(dict.fromkeys(columns))
    return [{"level": level, "code": code} for level, code in unique if (level, code) not in set(present)]


class EquipmentForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("name",)

    class Meta:
        model = Equipment
        fields = ["funded_by", "kind", "name", "address", "commune", "places", "caf_funding", "local_funding",
                  "bonus_territoire"]
        labels = {"funded_by": "Soutenu par", "caf_funding": "Financement Caf (€)",
                  "local_funding": "Financement collectivité (€)", "commune": "Commune"}
        localized_fields = ["caf_funding", "local_funding"]
        field_classes = {"caf_funding": AmountField, "local_funding": AmountField}
        widgets = {
            "caf_funding": forms.TextInput(attrs={"inputmode": "decimal"}),
            "local_funding": forms.TextInput(attrs={"inputmode": "decimal"}),
            "commune": forms.Select,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funded_by"].empty_label = "—"


EquipmentFormSet = rows_formset(EquipmentForm)


def equipment_choices(convention, signatories, communes):
    """The collectivités that may support an equipment (the signatories but the Caf) and the communes."""
    organisations = {o.pk: o for o in collectivities(convention, signatories)}
    queryset = Organisation.objects.filter(pk__in=list(organisations))
    return {
        "funded_by": (queryset, [("", "—")] + [(pk, o.name) for pk, o in organisations.items()]),
        "commune": (None, [("", "—")] + [(c.insee, f"{c.name} ({c.insee})") for c in communes]),
    }


class SppeForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("name",)

    class Meta:
        model = SppeRow
        fields = ["kind", "name", "address", "current_places", "supported_places", "projection", "projected_places",
                  "horizon_year", "staffing_needs", "investment_type", "investment_details"]
        localized_fields = ["current_places", "supported_places", "projected_places"]
        field_classes = {name: NumberField for name in localized_fields}
        widgets = {
            "current_places": forms.TextInput(attrs={"inputmode": "decimal"}),
            "supported_places": forms.TextInput(attrs={"inputmode": "decimal"}),
            "projected_places": forms.TextInput(attrs={"inputmode": "decimal"}),
            "staffing_needs": forms.Textarea(attrs={"rows": 2}),
            "investment_details": forms.Textarea(attrs={"rows": 2}),
        }


SppeFormSet = rows_formset(SppeForm)


class DeliberationForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("organisation", "body", "number", "date", "title")

    class Meta:
        model = Deliberation
        fields = ["organisation", "body", "date", "number", "title"]
        labels = {"organisation": "Collectivité", "body": "Instance", "title": "Objet"}
        help_texts = {"body": "Vide : l'assemblée de la collectivité (conseil communautaire, municipal…)."}
        widgets = {"date": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].required = False
        self.fields["organisation"].required = True
        self.fields["organisation"].error_messages["required"] = "Indiquez la collectivité qui a délibéré."

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("body") and cleaned.get("organisation"):
            cleaned["body"] = assembly_of(cleaned["organisation"]).capitalize()
        return cleaned


DeliberationFormSet = rows_formset(DeliberationForm)


def deliberation_choices(convention, signatories):
    organisations = {o.pk: o for o in collectivities(convention, signatories)}
    queryset = Organisation.objects.filter(pk__in=list(organisations))
    return {"organisation": (queryset, [("", "—")] + [(pk, o.name) for pk, o in organisations.items()])}
