"""Admin of the conventions app."""

from django.contrib import admin
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from ctg.admin import (
    BY_CONVENTION,
    ConventionChildAdmin,
    CtgAdmin,
    CtgHistoryAdmin,
    CtgStackedInline,
    CtgTabularInline,
)

from .models import (
    Article,
    Avenant,
    Commune,
    Convention,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Membership,
    Operation,
    Organisation,
    Signatory,
    SppeRow,
    Visa,
)

PREFECTURE_FIELDSET = (
    "Contrôle de légalité (préfecture)",
    {
        "classes": ["collapse"],
        "fields": [
            ("prefecture_sent_on", "prefecture_received_on", "prefecture_published_on"),
            "prefecture_act_id",
        ],
    },
)


class ConventionOwnRowsMixin:
    """Rows of the convention itself: those an avenant brought are edited in that avenant."""

    exclude = ["avenant"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(avenant__isnull=True)


class SameConventionFormSet(BaseInlineFormSet):
    """Rows added under an avenant belong to the avenant's convention."""

    def save_new(self, form, commit=True):
        form.instance.convention_id = self.instance.convention_id
        return super().save_new(form, commit=commit)


class AvenantRowsMixin:
    fk_name = "avenant"
    exclude = ["convention"]
    formset = SameConventionFormSet


# ---------------------------------------------------------------------------------------------
# Organisations and roles


class MembershipInline(CtgTabularInline):
    model = Membership
    fields = ["user", "role"]


@admin.register(Organisation)
class OrganisationAdmin(CtgAdmin):
    list_display = ["name", "kind", "code", "population"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(CtgAdmin):
    list_display = ["user", "role", "organisation"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "organisation__name"]
    ordering = ["organisation__name", "user__username"]


# ---------------------------------------------------------------------------------------------
# Convention


class SignatoryInline(CtgTabularInline):
    model = Signatory
    fields = ["organisation", "representative", "capacity", "position"]


class CommuneInline(CtgTabularInline):
    model = Commune
    fields = ["name", "insee", "population", "position"]


class VisaInline(ConventionOwnRowsMixin, CtgTabularInline):
    model = Visa


class ArticleInline(ConventionOwnRowsMixin, CtgStackedInline):
    model = Article
    fields = [("number", "title", "position"), "body"]


class AvenantInline(CtgTabularInline):
    model = Avenant
    fields = ["number", "title", "status", "effective_from", "effective_until", "signed_on"]
    show_change_link = True


@admin.register(Convention)
class ConventionAdmin(CtgHistoryAdmin):
    list_display = ["title", "caf", "status", "start", "end", "signed_on", "fiche_count"]
    list_filter = ["status", ("caf", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["caf"]
    search_fields = ["title", "slug", "caf__name", "signatories__organisation__name"]
    date_hierarchy = "start"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "caf", ("start", "end"), "status"]}),
        ("Signature", {"fields": [("signed_on", "signed_at")]}),
        PREFECTURE_FIELDSET,
        ("Préambule", {"fields": ["preamble"]}),
        (
            "Annexes rédigées",
            {
                "classes": ["collapse"],
                "fields": ["previous_evaluation", "diagnosis_summary", "governance_text", "evaluation_text"],
            },
        ),
        ("Suivi", {"fields": [("created_at", "updated_at")]}),
    ]
    inlines = [SignatoryInline, CommuneInline, VisaInline, ArticleInline, AvenantInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(fiche_count=Count("fiches"))

    @admin.display(description="fiches actions", ordering="fiche_count")
    def fiche_count(self, obj):
        return obj.fiche_count


@admin.register(Commune)
class CommuneAdmin(ConventionChildAdmin):
    list_display = ["name", "insee", "population", "convention"]
    search_fields = ["name", "insee"]


@admin.register(Signatory)
class SignatoryAdmin(ConventionChildAdmin):
    list_display = ["organisation", "representative", "capacity", "convention"]
    list_select_related = ["convention", "organisation"]
    search_fields = ["organisation__name", "representative", "capacity"]


# ---------------------------------------------------------------------------------------------
# Avenants and the texts they carry


class OperationInline(CtgStackedInline):
    model = Operation
    fields = [
        ("position", "op"),
        ("target_fiche", "fiche"),
        ("article_number", "annex", "mode"),
        "body",
        ("equipment", "target_equipment"),
    ]

    def get_queryset(self, request):
        # Each row's title describes the operation with the fiche or equipment it names.
        return super().get_queryset(request).select_related("target_fiche", "fiche", "equipment", "target_equipment")


class AvenantVisaInline(AvenantRowsMixin, CtgTabularInline):
    model = Visa


class AvenantArticleInline(AvenantRowsMixin, CtgStackedInline):
    model = Article
    fields = [("number", "title", "position"), "body"]


SIGNATURE_RECORD = ["signed_by", "signature_recorded_at"]


@admin.register(Avenant)
class AvenantAdmin(ConventionChildAdmin):
    list_display = ["__str__", "title", "convention", "status", "effective_from", "effective_until", "signed_on"]
    list_filter = ["status", BY_CONVENTION]
    search_fields = ["title", "object", "convention__title"]
    ordering = ["convention", "number"]
    date_hierarchy = "effective_from"
    fieldsets = [
        (None, {"fields": ["convention", ("number", "status"), "title", ("effective_from", "effective_until")]}),
        ("Signature", {"fields": [("signed_on", "signed_at"), ("signed_by", "signature_recorded_at")]}),
        PREFECTURE_FIELDSET,
        ("Texte", {"fields": ["preamble", "object"]}),
    ]
    inlines = [OperationInline, AvenantVisaInline, AvenantArticleInline]

    def get_readonly_fields(self, request, obj=None):
        # Its visas, articles and fiches belong to the same convention: it cannot move. Who
        # signed it in the application is recorded by the signature, not typed.
        return ["convention", *SIGNATURE_RECORD] if obj else SIGNATURE_RECORD


@admin.register(Visa)
class VisaAdmin(ConventionChildAdmin):
    list_display = ["__str__", "convention", "avenant", "position"]
    list_select_related = ["convention", "avenant"]
    search_fields = ["text"]


@admin.register(Article)
class ArticleAdmin(ConventionChildAdmin):
    list_display = ["number", "title", "convention", "avenant"]
    list_select_related = ["convention", "avenant"]
    search_fields = ["number", "title", "body"]


@admin.register(Operation)
class OperationAdmin(CtgHistoryAdmin):
    list_display = ["__str__", "avenant", "convention", "op", "position"]
    list_filter = ["op", ("avenant__convention", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["avenant__convention", "target_fiche", "fiche", "equipment", "target_equipment"]
    search_fields = ["avenant__title", "target_fiche__title", "fiche__title", "article_number", "body"]
    ordering = ["avenant__convention", "avenant__number", "position"]

    @admin.display(description="convention", ordering="avenant__convention__title")
    def convention(self, obj):
        return obj.avenant.convention


# ---------------------------------------------------------------------------------------------
# Annexes: diagnosis, equipment, SPPE, deliberations


@admin.register(Equipment)
class EquipmentAdmin(ConventionChildAdmin):
    list_display = ["name", "kind", "commune", "places", "caf_funding", "local_funding", "funded_by", "convention"]
    list_filter = ["kind", "bonus_territoire", BY_CONVENTION]
    list_select_related = ["convention", "funded_by"]
    search_fields = ["name", "key", "address", "commune"]


@admin.register(DiagnosisIndicator)
class DiagnosisIndicatorAdmin(ConventionChildAdmin):
    list_display = ["indicator", "territory", "level", "year", "value", "unit", "convention"]
    list_filter = ["level", "year", BY_CONVENTION]
    search_fields = ["indicator", "territory"]


@admin.register(DiagnosisIssue)
class DiagnosisIssueAdmin(ConventionChildAdmin):
    list_display = ["__str__", "convention"]
    search_fields = ["text"]


@admin.register(SppeRow)
class SppeRowAdmin(ConventionChildAdmin):
    list_display = ["name", "kind", "current_places", "supported_places", "projection", "horizon_year", "convention"]
    list_filter = ["kind", "projection", "investment_type", BY_CONVENTION]
    search_fields = ["name", "address"]


@admin.register(Deliberation)
class DeliberationAdmin(ConventionChildAdmin):
    list_display = ["title", "body", "number", "date", "convention"]
    search_fields = ["title", "body", "number"]
    date_hierarchy = "date"
