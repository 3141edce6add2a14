"""Building blocks every app's admin shares."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.widgets import AdminTextareaWidget
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .forms import CleanModelForm


class AutocompleteRelationsMixin:
    """Edit every foreign key and many-to-many field through an autocomplete box.

    The list is computed when the admin is instantiated, so Django's system checks still verify
    that every target model has an admin with `search_fields`.
    """

    # What every form of the application accepts (ctg.forms.CleanInputMixin), the admin's too.
    form = CleanModelForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.autocomplete_fields:
            self.autocomplete_fields = [
                field.name
                for field in self.model._meta.get_fields()
                if field.concrete and field.editable and (field.many_to_one or field.many_to_many)
            ]


class CtgAdmin(AutocompleteRelationsMixin, admin.ModelAdmin):
    pass


class CtgHistoryAdmin(AutocompleteRelationsMixin, SimpleHistoryAdmin):
    """For models with `HistoricalRecords`: the « Historique » page lists their versions."""


class CtgTabularInline(AutocompleteRelationsMixin, admin.TabularInline):
    extra = 0
    formfield_overrides = {models.TextField: {"widget": AdminTextareaWidget(attrs={"rows": 2})}}


class CtgStackedInline(AutocompleteRelationsMixin, admin.StackedInline):
    extra = 0


# Only the conventions that have rows of the listed model, not every convention.
BY_CONVENTION = ("convention", admin.RelatedOnlyFieldListFilter)


class ConventionChildAdmin(CtgHistoryAdmin):
    """A model hanging off a convention: filtered by convention, listed in document order, with
    its « Historique » page."""

    list_filter = [BY_CONVENTION]
    list_select_related = ["convention"]
    ordering = ["convention", "position"]


# Login throttling (ctg/login.py): the failed logins being counted, where a staff member unlocks an
# account or an address by deleting its row. Successful logins are not kept (AXES_DISABLE_ACCESS_LOG),
# so axes' other two lists stay out (AXES_ENABLE_ADMIN = False).
admin.site.register(AccessAttempt, AccessAttemptAdmin)
