"""Admin of the conventions app.

The administration cannot bypass the lifecycle: statuses are read-only (the transitions are admin
actions calling the services of `lifecycle.py`), a signed avenant stays signed, and the
contractual rows of a signed convention — its text, annexes and plan — are read-only
(`FrozenContractMixin`, from the same rule as the application: `Convention.contract_refusal`).
"""

from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from ctg.admin import (
    BY_CONVENTION,
    ConventionChildAdmin,
    CtgAdmin,
    CtgHistoryAdmin,
    CtgStackedInline,
    CtgTabularInline,
)
from ctg.errors import DomainError

from . import lifecycle, services
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
    SignedOriginal,
    SppeRow,
    StatusChange,
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


def avenant_refusal(avenant):
    return f"L'avenant n°{avenant.number} est signé : il ne peut plus être modifié." if avenant.is_signed else ""


def contract_refusal(obj):
    """Why `obj`, a row of a convention's text, cannot be changed, or "": a row an avenant brought
    follows that avenant (frozen once signed); the others follow their convention."""
    if isinstance(obj, Convention):
        return obj.contract_refusal()
    if isinstance(obj, Avenant):
        return avenant_refusal(obj)
    if getattr(obj, "avenant_id", None):
        return avenant_refusal(obj.avenant)
    for parent in ("fiche", "axis"):
        if getattr(obj, f"{parent}_id", None):
            return contract_refusal(getattr(obj, parent))
    return obj.convention.contract_refusal() if getattr(obj, "convention_id", None) else ""


class FrozenContractMixin:
    """A contractual row: read-only once its convention (or avenant) is signed, nor deleted; a
    row added to (or moved into) a signed one is refused by the form; a revert from its history
    too. `open_fields` stay editable after signature (the préfecture stamp)."""

    open_fields = ()

    def refusal(self, obj):
        return contract_refusal(obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self.open_fields and self.refusal(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.refusal(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.open_fields and self.refusal(obj):
            opts = self.model._meta
            fields += [f.name for f in [*opts.fields, *opts.many_to_many]
                       if f.editable and f.name not in self.open_fields and f.name not in fields]
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and self.refusal(obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def form_refusal(self, instance):
        stored = type(instance)._default_manager.filter(pk=instance.pk).first() if instance.pk else None
        try:
            if stored is not None and (refusal := self.refusal(stored)):
                changed = [f for f in instance._meta.concrete_fields if f.editable and f.name not in self.open_fields
                           and f.value_from_object(stored) != f.value_from_object(instance)]
                return refusal if changed else ""
            return self.refusal(instance)
        except ObjectDoesNotExist:  # a required link left empty: the form says so
            return ""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        model_admin = self

        class GuardedForm(form):
            def _post_clean(self):
                super()._post_clean()
                if refusal := model_admin.form_refusal(self.instance):
                    self.add_error(None, refusal)

        return GuardedForm

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting to an earlier version would rewrite a signed text.
        if request.method == "POST" and (stored := self.get_object(request, object_id)) is not None:
            if refusal := self.refusal(stored):
                raise PermissionDenied(refusal)
        return super().history_form_view(request, object_id, version_id, extra_context)


class FrozenInlineMixin:
    """Rows shown under a contractual parent: read-only, none added or deleted, once it is signed."""

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and contract_refusal(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and contract_refusal(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and contract_refusal(obj)) and super().has_delete_permission(request, obj)


def run_transition(model_admin, request, queryset, service, success, arguments=lambda obj: {}):
    """Run a lifecycle service on each selected row; report each success or refusal."""
    for obj in queryset:
        try:
            service(obj, by=request.user, **arguments(obj))
        except DomainError as error:
            model_admin.message_user(request, f"{obj} : {error.message}", messages.ERROR)
        else:
            model_admin.message_user(request, f"{obj} : {success}", messages.SUCCESS)


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
    fields = ["user", "role", "referent"]


@admin.register(Organisation)
class OrganisationAdmin(CtgAdmin):
    list_display = ["name", "kind", "code", "population"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(CtgAdmin):
    list_display = ["user", "role", "referent", "organisation"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "organisation__name"]
    ordering = ["organisation__name", "user__username"]


# ---------------------------------------------------------------------------------------------
# Convention


class SignatoryInline(FrozenInlineMixin, CtgTabularInline):
    model = Signatory
    fields = ["organisation", "representative", "capacity", "position"]


class CommuneInline(FrozenInlineMixin, CtgTabularInline):
    model = Commune
    fields = ["name", "insee", "population", "position"]


class VisaInline(FrozenInlineMixin, ConventionOwnRowsMixin, CtgTabularInline):
    model = Visa


class ArticleInline(FrozenInlineMixin, ConventionOwnRowsMixin, CtgStackedInline):
    model = Article
    fields = [("number", "title", "position"), "body"]


class AvenantInline(CtgTabularInline):
    """The avenants at a glance; each is written (and signed) on its own page."""

    model = Avenant
    fields = ["number", "title", "status", "effective_from", "effective_until", "signed_on"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(CtgTabularInline):
    """The lifecycle of the convention: written by the transitions, never by hand."""

    model = StatusChange
    fields = ["at", "from_status", "to_status", "by", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SignedOriginalsInline(CtgTabularInline):
    """Signed originals, deposited in the application where the PDF is checked
    (`conventions.originals`): read only here, each one downloadable."""

    model = SignedOriginal
    fields = readonly_fields = ["download", "pages", "size_label", "sha256", "uploaded_by", "uploaded_at", "note"]
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("convention", "uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="fichier")
    def download(self, obj):
        url = reverse("conventions:original_download", args=[obj.convention.slug, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)

    @admin.display(description="taille")
    def size_label(self, obj):
        return obj.size_label


class SignedOriginalInline(ConventionOwnRowsMixin, SignedOriginalsInline):
    """The originals of the convention itself; an avenant's are under the avenant."""


class AvenantSignedOriginalInline(SignedOriginalsInline):
    fk_name = "avenant"


PREFECTURE_FIELDS = ["prefecture_sent_on", "prefecture_received_on", "prefecture_published_on", "prefecture_act_id"]


@admin.register(Convention)
class ConventionAdmin(FrozenContractMixin, CtgHistoryAdmin):
    list_display = ["title", "caf", "status", "start", "end", "signed_on", "fiche_count"]
    list_filter = ["status", ("caf", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["caf"]
    search_fields = ["title", "slug", "caf__name", "signatories__organisation__name"]
    date_hierarchy = "start"
    prepopulated_fields = {"slug": ["title"]}
    # The status changes through the actions below, which call the services of `lifecycle.py`.
    readonly_fields = ["status", "created_at", "updated_at"]
    open_fields = PREFECTURE_FIELDS
    actions = ["sign", "start_renewal", "abandon", "resume"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "caf", ("start", "end"), "status"]}),
        ("Signature", {"fields": [("signed_on", "signed_at"), ("caf_validation_body", "caf_validation_on")]}),
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
    inlines = [SignatoryInline, CommuneInline, VisaInline, ArticleInline, AvenantInline, StatusChangeInline,
               SignedOriginalInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(fiche_count=Count("fiches"))

    @admin.action(description="Signer (date et lieu saisis sur la convention, après contrôle des conditions)")
    def sign(self, request, queryset):
        run_transition(self, request, queryset, lifecycle.convention_sign, "convention signée.",
                       lambda c: {"signed_on": c.signed_on, "signed_at": c.signed_at})

    @admin.action(description="Passer en renouvellement")
    def start_renewal(self, request, queryset):
        run_transition(self, request, queryset, lifecycle.convention_start_renewal, "en renouvellement.")

    @admin.action(description="Abandonner la préparation")
    def abandon(self, request, queryset):
        run_transition(self, request, queryset, lifecycle.convention_abandon, "préparation abandonnée.")

    @admin.action(description="Reprendre la préparation")
    def resume(self, request, queryset):
        run_transition(self, request, queryset, lifecycle.convention_resume, "préparation reprise.")

    @admin.display(description="fiches actions", ordering="fiche_count")
    def fiche_count(self, obj):
        return obj.fiche_count


@admin.register(Commune)
class CommuneAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["name", "insee", "population", "convention"]
    search_fields = ["name", "insee"]


@admin.register(Signatory)
class SignatoryAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["organisation", "representative", "capacity", "convention"]
    list_select_related = ["convention", "organisation"]
    search_fields = ["organisation__name", "representative", "capacity"]


# ---------------------------------------------------------------------------------------------
# Avenants and the texts they carry


class OperationInline(FrozenInlineMixin, CtgStackedInline):
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


class AvenantVisaInline(FrozenInlineMixin, AvenantRowsMixin, CtgTabularInline):
    model = Visa


class AvenantArticleInline(FrozenInlineMixin, AvenantRowsMixin, CtgStackedInline):
    model = Article
    fields = [("number", "title", "position"), "body"]


SIGNATURE_RECORD = ["signed_by", "signature_recorded_at"]


@admin.register(Avenant)
class AvenantAdmin(FrozenContractMixin, ConventionChildAdmin):
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
    inlines = [OperationInline, AvenantVisaInline, AvenantArticleInline, AvenantSignedOriginalInline]
    open_fields = PREFECTURE_FIELDS
    actions = ["sign"]

    def get_readonly_fields(self, request, obj=None):
        # Its visas, articles and fiches belong to the same convention: it cannot move. Who
        # signed it in the application is recorded by the signature, not typed; the status
        # changes by signing (the action below), never back to draft.
        fixed = ["convention", "status", *SIGNATURE_RECORD] if obj else ["status", *SIGNATURE_RECORD]
        return [*fixed, *(f for f in super().get_readonly_fields(request, obj) if f not in fixed)]

    @admin.action(description="Signer l'avenant (date et lieu saisis sur l'avenant)")
    def sign(self, request, queryset):
        run_transition(self, request, queryset.select_related("convention"), services.avenant_sign, "avenant signé.",
                       lambda a: {"signed_on": a.signed_on, "signed_at": a.signed_at,
                                  **{name: getattr(a, name) for name in PREFECTURE_FIELDS}})


@admin.register(Visa)
class VisaAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["__str__", "convention", "avenant", "position"]
    list_select_related = ["convention", "avenant"]
    search_fields = ["text"]


@admin.register(Article)
class ArticleAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["number", "title", "convention", "avenant"]
    list_select_related = ["convention", "avenant"]
    search_fields = ["number", "title", "body"]


@admin.register(Operation)
class OperationAdmin(FrozenContractMixin, CtgHistoryAdmin):
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
class EquipmentAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["name", "kind", "commune", "places", "caf_funding", "local_funding", "funded_by", "convention"]
    list_filter = ["kind", "bonus_territoire", BY_CONVENTION]
    list_select_related = ["convention", "funded_by"]
    search_fields = ["name", "key", "address", "commune"]


@admin.register(DiagnosisIndicator)
class DiagnosisIndicatorAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["indicator", "territory", "level", "year", "value", "unit", "convention"]
    list_filter = ["level", "year", BY_CONVENTION]
    search_fields = ["indicator", "territory"]


@admin.register(DiagnosisIssue)
class DiagnosisIssueAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["__str__", "convention"]
    search_fields = ["text"]


@admin.register(SppeRow)
class SppeRowAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["name", "kind", "current_places", "supported_places", "projection", "horizon_year", "convention"]
    list_filter = ["kind", "projection", "investment_type", BY_CONVENTION]
    search_fields = ["name", "address"]


@admin.register(Deliberation)
class DeliberationAdmin(FrozenContractMixin, ConventionChildAdmin):
    list_display = ["title", "body", "number", "date", "organisation", "convention"]
    search_fields = ["title", "body", "number"]
    date_hierarchy = "date"

    def refusal(self, obj):
        # Part of the signed annexe 7 when dated on or before the signature; an avenant's later
        # deliberations are recorded after it.
        try:
            frozen = obj.is_frozen
        except ObjectDoesNotExist:
            return ""
        return "Cette délibération fait partie de l'annexe 7 signée : elle ne peut plus être modifiée." if frozen else ""
