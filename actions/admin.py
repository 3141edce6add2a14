from django import forms
from django.contrib import admin

from conventions.admin import FrozenContractMixin, FrozenInlineMixin
from ctg.admin import (
    BY_CONVENTION,
    ConventionChildAdmin,
    CtgAdmin,
    CtgHistoryAdmin,
    CtgTabularInline,
)
from ctg.forms import CleanInputMixin

from .enums import Nature
from .models import Axis, Fiche, FicheTheme, Indicator, IndicatorValue, Objective, Update

# ---------------------------------------------------------------------------------------------
# Axes and objectives


# The axes, objectives and fiches of a signed plan are contractual: read-only here, as in the
# application (a fiche a draft avenant proposes stays editable). The tracking stays open.


class ObjectiveInline(FrozenInlineMixin, CtgTabularInline):
    model = Objective
    fields = ["number", "title"]


class AxisFicheInline(CtgTabularInline):
    """The axis's fiches at a glance; a fiche is created and deleted on its own page."""

    model = Fiche
    fields = ["number", "title", "objective", "avenant"]
    readonly_fields = ["avenant"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Axis)
class AxisAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["number", "title", "convention"]
    list_display_links = ["number", "title"]
    search_fields = ["title", "convention__title"]
    ordering = ["convention", "number"]
    inlines = [ObjectiveInline, AxisFicheInline]


@admin.register(Objective)
class ObjectiveAdmin(FrozenContractMixin, CtgHistoryAdmin):
    list_display = ["__str__", "axis", "convention"]
    list_filter = [("axis__convention", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["axis__convention"]
    search_fields = ["title", "axis__title"]
    ordering = ["axis__convention", "axis__number", "number"]

    @admin.display(description="convention", ordering="axis__convention__title")
    def convention(self, obj):
        return obj.axis.convention


# ---------------------------------------------------------------------------------------------
# Fiches actions


class FicheThemeInline(FrozenInlineMixin, CtgTabularInline):
    model = FicheTheme
    fields = ["theme", "position"]


class IndicatorInline(FrozenInlineMixin, CtgTabularInline):
    model = Indicator
    fields = ["name", "key", "unit", "baseline", "target", "position"]


class UpdateInline(CtgTabularInline):
    model = Update
    fields = ["period", "status", "progress", "author", "updated_on"]
    show_change_link = True
    ordering = ["-period"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fiche")


class FicheForm(CleanInputMixin, forms.ModelForm):
    nature = forms.MultipleChoiceField(
        label="nature", choices=Nature.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


@admin.register(Fiche)
class FicheAdmin(FrozenContractMixin, ConventionChildAdmin, CtgHistoryAdmin):
    form = FicheForm
    list_display = ["number", "title", "axis", "themes", "origin", "convention", "updated_at"]
    list_display_links = ["number", "title"]
    list_filter = [
        BY_CONVENTION,
        "theme_links__theme",
        "coordination_between_collectivities",
        ("avenant", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["convention", "axis", "avenant"]
    search_fields = ["title", "key", "convention__title"]
    ordering = ["convention", "number"]
    prepopulated_fields = {"key": ["title"]}
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": [
            "convention", ("number", "key"), "title", ("axis", "objective"), "nature", "commune",
            "coordination_between_collectivities",
        ]}),
        ("Avenants", {"fields": ["avenant", "previous_version"]}),
        ("Contenu de la fiche", {"fields": [
            "initial_diagnosis", "target_public", "operational_objectives", "implementation",
            ("schedule", "start_year", "end_year"), "expected_results", "evaluation_indicators",
        ]}),
        ("Pilotage", {"fields": ["lead", "lead_organisations", "partners", "funding", "referents"]}),
        ("Suivi des modifications", {"fields": ["updated_at"]}),
    ]
    inlines = [FicheThemeInline, IndicatorInline, UpdateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("theme_links")

    @admin.display(description="thématiques")
    def themes(self, obj):
        return ", ".join(obj.theme_labels)

    @admin.display(description="origine", ordering="avenant__number")
    def origin(self, obj):
        return obj.avenant or "Plan initial"


@admin.register(Indicator)
class IndicatorAdmin(FrozenContractMixin, CtgAdmin):
    list_display = ["name", "fiche", "unit", "baseline", "target"]
    list_filter = [("fiche__convention", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["fiche"]
    search_fields = ["name", "key", "fiche__title"]
    ordering = ["fiche__convention", "fiche__number", "position"]


# ---------------------------------------------------------------------------------------------
# Quarterly tracking


class IndicatorValueInline(CtgTabularInline):
    model = IndicatorValue
    fields = ["indicator", "value"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")


@admin.register(Update)
class UpdateAdmin(CtgHistoryAdmin):
    list_display = ["fiche", "period", "status", "progress", "author", "updated_on", "convention"]
    list_filter = ["status", "period", ("fiche__convention", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["fiche__convention"]
    search_fields = ["fiche__title", "period", "comment", "difficulties", "author"]
    ordering = ["-period", "fiche__number"]
    date_hierarchy = "updated_on"
    inlines = [IndicatorValueInline]

    @admin.display(description="convention", ordering="fiche__convention__title")
    def convention(self, obj):
        return obj.fiche.convention
