"""Forms of the governance pages: instances and members, séances, minutes, chargés de coopération.

Inline lists are formsets. Their select boxes (fiches, jalons, avenants, organisations) take their
choices from one query per page, not one per row: see `SharedChoicesFormSet`.
"""

from django import forms
from django.db.models import Q
from django.forms import BaseInlineFormSet, inlineformset_factory

from actions.enums import Theme
from actions.models import Fiche
from conventions.enums import OrganisationKind
from conventions.models import Convention, Organisation
from ctg.concurrency import BaseInputs, EditForm, RemovedRowsMixin
from ctg.forms import MARKDOWN, CleanInputMixin, DateInput, TimeInput
from ctg.numbers import format_number

from .models import AgendaItem, Body, CooperationOfficer, Decision, Meeting, Member, Participant


def fiche_queryset(convention, keep=()):
    """The current version of each action of the plan, plus any fiche already linked."""
    return (
        Fiche.objects.filter(convention=convention)
        .filter(Q(is_current=True) | Q(pk__in=list(keep)))
        .only("pk", "number", "title", "convention_id")
        .order_by("number", "id")
    )


def fiche_label(fiche):
    return f"Action {fiche.number} — {fiche.title}"


def milestone_label(milestone):
    return f"{milestone.title} ({milestone.end:%d/%m/%Y})"


def model_choices(queryset, label=str, blank=None):
    choices = [("", blank)] if blank is not None else []
    return choices + [(obj.pk, label(obj)) for obj in queryset]


class RowsFormSet(RemovedRowsMixin, BaseInlineFormSet):
    """An inline formset whose rows belong to a convention's page, with an "add a row" helper; a
    row deleted meanwhile by someone else is left out (`ctg.concurrency`)."""

    def __init__(self, *args, convention, **kwargs):
        self.convention = convention
        super().__init__(*args, **kwargs)

    def row(self, index):
        """One empty row at `index`, for the "add a row" button."""
        return self._construct_form(index, empty_permitted=True, use_required_attribute=False)


class SharedChoicesFormSet(RowsFormSet):
    """Computes the choices of the listed fields once for the whole formset.

    Subclasses define `choice_fields`: {field name: function(formset) -> (queryset, choices or None)}.
    Each row validates against the queryset (restricted to the convention) and renders the shared
    choices, so a page costs the same number of queries whatever its number of rows."""

    choice_fields = {}

    def __init__(self, *args, **kwargs):
        self._shared = None
        super().__init__(*args, **kwargs)

    def shared_choices(self):
        if self._shared is None:
            self._shared = {name: build(self) for name, build in self.choice_fields.items()}
        return self._shared

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for name, (queryset, choices) in self.shared_choices().items():
            form.fields[name].queryset = queryset
            if choices is not None:
                form.fields[name].choices = choices
        return form

    def linked_fiches(self):
        """The fiches the saved rows already point to, so an older version stays selectable."""
        keep = set()
        for obj in self.get_queryset():
            if getattr(obj, "fiche_id", None):
                keep.add(obj.fiche_id)
            if isinstance(obj, AgendaItem):
                keep.update(f.pk for f in obj.fiches.all())
        return keep


def fiche_choices(formset, blank=None):
    queryset = fiche_queryset(formset.convention, formset.linked_fiches())
    return queryset, model_choices(queryset, fiche_label, blank=blank)


# ---------------------------------------------------------------------------------------------
# Instances


class BodyForm(EditForm, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Body
        fields = ["kind", "name", "frequency", "expected_per_year", "animators", "composition"]
        labels = {"kind": "Type d'instance", "name": "Nom de l'instance", "frequency": "Fréquence prévue",
                  "expected_per_year": "Séances attendues par an", "animators": "Animation"}
        help_texts = {
            "name": "Par exemple « Comité de pilotage CTG », « Cercle de pilotage », « Commission cohésion sociale ».",
            "frequency": "Telle que la convention l'écrit : « Une à deux fois par an », « Trimestrielle »…",
            "animators": "Qui anime l'instance : « Co-animation chargé de coopération / Caf ».",
            "composition": "Qui y siège (élus, directions, partenaires). Markdown : listes avec « - ».",
        }
        widgets = {"composition": forms.Textarea(attrs={"rows": 4, **MARKDOWN})}

    def clean_expected_per_year(self):
        value = self.cleaned_data.get("expected_per_year")
        if value is not None and value > 52:
            raise forms.ValidationError("Au plus 52 séances par an (une par semaine).")
        return value


class MemberForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "organisation", "role", "email"]
        labels = {"name": "Nom", "organisation": "Organisation", "role": "Rôle", "email": "Courriel"}


MemberFormSet = inlineformset_factory(Body, Member, form=MemberForm, formset=RowsFormSet, extra=0, can_delete=True)


# ---------------------------------------------------------------------------------------------
# Séances


class MeetingForm(EditForm, CleanInputMixin, forms.ModelForm):
    title = forms.CharField(
        label="Intitulé", max_length=300, required=False,
        help_text="Laissé vide : le nom de l'instance et la date (« Comité de pilotage CTG du 12/03/2026 »).",
    )

    class Meta:
        model = Meeting
        fields = ["body", "date", "time", "end_time", "title", "place", "fiches"]
        labels = {"body": "Instance", "date": "Date", "time": "Heure de début", "end_time": "Heure de fin",
                  "place": "Lieu", "fiches": "Autres fiches actions concernées"}
        help_texts = {
            "time": "Vide : toute la journée.",
            "fiches": "Les fiches liées aux points de l'ordre du jour ou aux décisions s'ajoutent d'elles-mêmes.",
        }
        widgets = {"date": DateInput, "time": TimeInput, "end_time": TimeInput,
                   "fiches": forms.SelectMultiple(attrs={"size": 5})}

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.fields["body"].queryset = Body.objects.filter(convention=convention)
        self.fields["body"].empty_label = "Choisir une instance"
        keep = self.instance.fiches.values_list("pk", flat=True) if self.instance.pk else ()
        self.fields["fiches"].queryset = fiche_queryset(convention, keep)
        self.fields["fiches"].label_from_instance = fiche_label

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("time"), cleaned.get("end_time")
        if end and not start:
            self.add_error("end_time", "Indiquez aussi l'heure de début.")
        elif start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit suivre l'heure de début.")
        body, date = cleaned.get("body"), cleaned.get("date")
        if not cleaned.get("title") and body and date:
            cleaned["title"] = f"{body.name} du {date:%d/%m/%Y}"
            self.instance.title = cleaned["title"]
        return cleaned


class AgendaItemForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["text", "fiches", "milestones"]
        labels = {"text": "Point", "fiches": "Fiches actions", "milestones": "Jalons"}
        widgets = {"fiches": forms.SelectMultiple(attrs={"size": 3}),
                   "milestones": forms.SelectMultiple(attrs={"size": 3})}


class AgendaFormSet(SharedChoicesFormSet):
    choice_fields = {
        "fiches": fiche_choices,
        "milestones": lambda fs: (fs.convention.milestones.all(),
                                  model_choices(fs.convention.milestones.all(), milestone_label)),
    }


AgendaFormSet = inlineformset_factory(
    Meeting, AgendaItem, form=AgendaItemForm, formset=AgendaFormSet, extra=0, can_delete=True, can_order=True,
)


class ParticipantForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["name", "organisation", "email", "member"]
        labels = {"name": "Nom", "organisation": "Organisation", "email": "Courriel"}
        widgets = {"member": forms.HiddenInput}


class ParticipantFormSet(SharedChoicesFormSet):
    choice_fields = {"member": lambda fs: (Member.objects.filter(body__convention=fs.convention), None)}


ParticipantFormSet = inlineformset_factory(
    Meeting, Participant, form=ParticipantForm, formset=ParticipantFormSet, extra=0, can_delete=True,
)


PRESENCE_CHOICES = [("", "Non renseigné"), ("True", "Présent"), ("False", "Excusé ou absent")]


class PresenceForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    present = forms.NullBooleanField(label="Présence", required=False, widget=forms.Select(choices=PRESENCE_CHOICES))

    class Meta:
        model = Participant
        fields = ["name", "organisation", "present"]
        labels = {"name": "Nom", "organisation": "Organisation"}


PresenceFormSet = inlineformset_factory(
    Meeting, Participant, form=PresenceForm, formset=RowsFormSet, extra=0, can_delete=True,
)


class DecisionForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["text", "fiche", "requires_avenant", "avenant"]
        labels = {"text": "Décision", "fiche": "Fiche action", "requires_avenant": "Appelle un avenant",
                  "avenant": "Avenant"}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("avenant"):
            cleaned["requires_avenant"] = True
        return cleaned


class DecisionFormSet(SharedChoicesFormSet):
    choice_fields = {
        "fiche": lambda fs: fiche_choices(fs, blank="—"),
        "avenant": lambda fs: (fs.convention.avenants.all(), model_choices(
            fs.convention.avenants.all(), lambda a: f"Avenant n°{a.number} ({a.get_status_display().lower()})",
            blank="—")),
    }


DecisionFormSet = inlineformset_factory(
    Meeting, Decision, form=DecisionForm, formset=DecisionFormSet, extra=0, can_delete=True,
)


class MinutesForm(EditForm, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["minutes"]
        labels = {"minutes": "Compte-rendu"}
        help_texts = {"minutes": "Le relevé des échanges. Markdown : titres avec « ## », listes avec « - », **gras**."}
        widgets = {"minutes": forms.Textarea(attrs={"rows": 12, **MARKDOWN})}


# ---------------------------------------------------------------------------------------------
# Chargés de coopération

MISSIONS_HELP = (
    "Ce que la Caf attend du poste : conduite des diagnostics, assistance et conseil aux élus et aux comités "
    "de pilotage, accompagnement des objectifs prioritaires, animation des partenariats et des réseaux, relation "
    "avec la population, contribution à l'évaluation."
)


def officer_organisations(formset):
    convention = formset.convention
    queryset = (
        Organisation.objects.filter(Q(signatures__convention=convention) | Q(pk=convention.caf_id))
        .exclude(kind=OrganisationKind.AUTRE).distinct().order_by("name")
    )
    return queryset, model_choices(queryset, blank="—")


class OfficerForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    themes = forms.MultipleChoiceField(
        label="Thématiques suivies", choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CooperationOfficer
        fields = ["name", "organisation", "scope", "fte", "caf_funded", "themes", "missions"]
        labels = {"name": "Nom", "organisation": "Employeur", "scope": "Périmètre", "fte": "ETP",
                  "caf_funded": "Poste financé par la Caf"}
        help_texts = {"fte": "Équivalent temps plein, par exemple 0,5.", "missions": MISSIONS_HELP}
        # French decimals, typed and shown « 0,5 » (a number input shows « 0.50 »).
        localized_fields = ["fte"]
        widgets = {"missions": forms.Textarea(attrs={"rows": 3, **MARKDOWN}),
                   "fte": forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["fte"] = format_number(self.instance.fte)


class OfficerFormSet(SharedChoicesFormSet):
    choice_fields = {"organisation": officer_organisations}


OfficerFormSet = inlineformset_factory(
    Convention, CooperationOfficer, form=OfficerForm, formset=OfficerFormSet, extra=0, can_delete=True,
)
