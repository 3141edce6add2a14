from django import forms
from django.core.exceptions import ValidationError

from ctg.forms import CleanInputMixin

from .text import MAX_LENGTH, query_words


class SearchForm(CleanInputMixin, forms.Form):
    q = forms.CharField(label="Mots recherchés", max_length=MAX_LENGTH, required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))

    def clean_q(self):
        query = self.cleaned_data["q"]
        if len(query) == 1:
            raise ValidationError("Saisissez au moins deux caractères.")
        if query and not query_words(query):
            raise ValidationError("Ces mots sont trop courants pour être recherchés : ajoutez un mot plus précis.")
        return query

    @property
    def words(self):
        """The words to search for; none before the form is filled in, or when it is invalid."""
        return query_words(self.cleaned_data["q"]) if self.is_valid() else []
