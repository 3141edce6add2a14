"""The milestone form of the « Suivi et évaluation » pages."""

from django import forms

from ctg.forms import MARKDOWN, DateInput, NormalizedNewlinesMixin
from governance.models import Body

from .models import Bilan, Milestone


class MilestoneForm(NormalizedNewlinesMixin, forms.ModelForm):
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


class BilanForm(NormalizedNewlinesMixin, forms.ModelForm):
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
