"""The milestone and bilan forms of the « Suivi et évaluation » pages, and « Préparer le renouvellement »."""

from django import forms

from actions.enums import UpdateStatus
from ctg.concurrency import EditForm
from ctg.forms import MARKDOWN, CleanInputMixin, DateInput
from governance.models import Body

from .models import Bilan, Milestone


class MilestoneForm(EditForm, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["kind", "title", "start", "end", "status", "body", "notes"]
        labels = {"kind": "Type", "title": "Intitulé", "start": "Début", "end": "Échéance", "status": "Statut",
                  "body": "Présenté en", "notes": "Notes"}
        help_texts = {
            "start": "Facultatif : laissé vide, le jalon est une simple échéance.",
            "body": "L'instance de la convention devant laquelle le jalon est présenté.",
            "notes": "Markdown : listes, gras, liens.",
        }
        widgets = {"start": DateInput, "end": DateInput, "notes": forms.Textarea(attrs={"rows": 5, **MARKDOWN})}

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.fields["body"].queryset = Body.objects.filter(convention=convention).order_by("position", "id")
        self.fields["body"].empty_label = "Aucune instance"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "L'échéance ne peut pas précéder le début.")
        return cleaned


class BilanForm(EditForm, CleanInputMixin, forms.ModelForm):
    """The bilan's period and its written parts; its figures are computed, never typed."""

    class Meta:
        model = Bilan
        fields = ["start", "end", "realisations", "territorial_changes", "approach", "early_childhood"]
        widgets = {
            "start": DateInput, "end": DateInput,
            **{name: forms.Textarea(attrs={"rows": 8, **MARKDOWN})
               for name in ["realisations", "territorial_changes", "approach", "early_childhood"]},
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "La fin de la période ne peut pas précéder son début.")
        return cleaned


def fiche_choice_label(fiche):
    status = UpdateStatus(fiche.latest_status).label.lower() if fiche.latest_status else "sans suivi"
    return f"Action {fiche.number} — {fiche.title} (axe {fiche.axis.number} ; {status})"


class RenewalForm(CleanInputMixin, forms.Form):
    """« Préparer le renouvellement »: the new CTG's title and period, and the actions that continue."""

    title = forms.CharField(label="Titre de la nouvelle convention", max_length=300)
    start = forms.DateField(label="Début", widget=DateInput)
    end = forms.DateField(label="Fin", widget=DateInput)
    fiches = forms.TypedMultipleChoiceField(
        label="Actions reconduites", coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Chaque action cochée est recopiée dans le nouveau plan d'actions, en brouillon, avec ses "
        "cases, ses thématiques et ses indicateurs, et reliée à l'action qu'elle reconduit.",
    )

    def __init__(self, *args, previous, fiches, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous = previous
        self.fields["fiches"].choices = [(fiche.pk, fiche_choice_label(fiche)) for fiche in fiches]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "La fin de la convention doit être postérieure à son début.")
        if start and start <= self.previous.start:
            self.add_error("start", "La nouvelle CTG commence après le début de celle qu'elle renouvelle "
                                    f"({self.previous.start:%d/%m/%Y}).")
        return cleaned
