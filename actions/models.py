from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from simple_history.models import HistoricalRecords

from conventions.enums import OrganisationKind
from conventions.in_force import InForceQuerySet
from conventions.models import Commune, Convention, Organisation, slug_validator
from ctg.dates import YEAR_VALIDATORS
from ctg.errors import DomainError, check_same_convention
from ctg.keys import unique_slug

from .enums import Nature, Theme, UpdateStatus

period_validator = RegexValidator(r"^\d{4}-T[1-4]$", "Période au format AAAA-Tn, par exemple 2026-T1.")


class Axis(models.Model):
    """An axe stratégique (orientation) of the plan d'actions."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="axes")
    number = models.PositiveIntegerField("numéro", validators=[MinValueValidator(1)])
    title = models.CharField("intitulé", max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "axe stratégique"
        verbose_name_plural = "axes stratégiques"
        ordering = ["convention", "number"]
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="axis_unique_number")]

    def __str__(self):
        return f"Axe {self.number} — {self.title}"


class Objective(models.Model):
    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="objectives", verbose_name="axe")
    number = models.PositiveIntegerField(
        "numéro", help_text="Rang de l'objectif dans l'axe, à partir de 1.", validators=[MinValueValidator(1)]
    )
    title = models.CharField("intitulé", max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "objectif"
        ordering = ["axis", "number"]
        constraints = [models.UniqueConstraint(fields=["axis", "number"], name="objective_unique_number")]

    def __str__(self):
        return f"{self.axis.number}.{self.number} — {self.title}"


class FicheQuerySet(InForceQuerySet):
    superseded_by = "targeting_operations"

    def with_details(self):
        """Everything the plan, fiche and PDF pages show, in a fixed number of queries; the latest
        quarterly status is annotated as `latest_status` for filtering, and the latest update is
        `latest_updates[0]` (only that one: a plan of 60 actions has a thousand updates)."""
        latest = Update.objects.filter(fiche=OuterRef("pk")).order_by("-period")
        return (
            self.select_related("axis", "objective", "commune", "avenant", "previous_version")
            .prefetch_related(
                "theme_links", "lead_organisations",
                Prefetch("updates", queryset=Update.objects.order_by("-period")[:1], to_attr="latest_updates"),
            )
            .annotate(latest_status=Subquery(latest.values("status")[:1]))
        )


def refresh_current_flags(convention):
    """Recompute `Fiche.is_current` for a convention after an import or a signature."""
    fiches = Fiche.objects.filter(convention=convention)
    # Two statements so the partial unique index never sees two heads with one number mid-update.
    fiches.update(is_current=False)
    fiches.current().update(is_current=True)


# Path segments of the fiche URLs that a key must not shadow.
RESERVED_KEYS = {"nouvelle", "ligne-indicateur"}


def next_fiche_number(convention):
    """The number a new action of the convention's plan takes: the one after the highest in use
    (by any version, proposed or replaced, so that a number never designates two actions)."""
    highest = Fiche.objects.filter(convention=convention).aggregate(number=models.Max("number"))["number"]
    return (highest or 0) + 1


def pilot_organisations(convention):
    """The organisations that may lead an action of the convention: its parties and its Caf."""
    return (
        Organisation.objects.filter(Q(signatures__convention=convention) | Q(pk=convention.caf_id))
        .exclude(kind=OrganisationKind.AUTRE).distinct()
    )


def fiche_key(convention, text):
    """A new fiche's key, from its title: unique in its convention."""
    return unique_slug(text, set(convention.fiches.values_list("key", flat=True)) | RESERVED_KEYS, fallback="fiche")


class FicheHistorySnapshots(models.Model):
    """What a fiche's history record keeps of its related rows, as the user reads them: its
    thématiques and its indicators live in other tables. Null when the record was written outside
    the fiche form (import, avenant, administration): nothing to compare then."""

    themes_snapshot = models.TextField("thématiques", null=True, blank=True)  # noqa: DJ001 — null: not recorded
    indicators_snapshot = models.TextField("indicateurs chiffrés", null=True, blank=True)  # noqa: DJ001

    class Meta:
        abstract = True


class Fiche(models.Model):
    """A fiche action: one action of the plan, in the canonical boxes of the seeds."""

    # The canonical boxes, written in Markdown.
    BOX_FIELDS = (
        "initial_diagnosis", "target_public", "operational_objectives", "implementation", "expected_results",
        "evaluation_indicators", "funding", "lead", "partners", "referents",
    )
    # What a version of the fiche says: its place in the plan and every box (thématiques,
    # indicators and lead organisations live in their own tables). A new version copies these;
    # a concurrent edit and the history compare them.
    CONTENT_FIELDS = (
        "number", "axis", "objective", "title", "nature", "commune", "coordination_between_collectivities",
        "initial_diagnosis", "target_public", "operational_objectives", "implementation", "schedule", "start_year",
        "end_year", "lead", "partners", "expected_results", "evaluation_indicators", "funding", "referents",
    )

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="fiches")
    avenant = models.ForeignKey(
        "conventions.Avenant", on_delete=models.CASCADE, null=True, blank=True, related_name="added_fiches",
        verbose_name="introduite par l'avenant", help_text="Vide : plan d'actions initial.",
    )
    previous_version = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_versions",
        verbose_name="version précédente",
    )
    # The action of the previous CTG this one continues (« reconduite de l'action n°4 … »).
    renewed_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renewals",
        verbose_name="reconduite de l'action",
    )
    key = models.CharField("clé", max_length=100, validators=[slug_validator])
    number = models.PositiveIntegerField("numéro", validators=[MinValueValidator(1)])
    axis = models.ForeignKey(Axis, on_delete=models.PROTECT, related_name="fiches", verbose_name="axe")
    objective = models.ForeignKey(
        Objective, on_delete=models.SET_NULL, null=True, blank=True, related_name="fiches", verbose_name="objectif"
    )
    title = models.CharField("intitulé", max_length=300, help_text="Commence par un verbe : « Développer… », « Créer… ».")
    nature = models.JSONField("nature", default=list, blank=True, help_text="phare, experimentale, nouvelle, existante")
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="fiches",
        verbose_name="plan communal", help_text="Vide : plan intercommunal.",
    )
    coordination_between_collectivities = models.BooleanField("enjeu de coordination entre collectivités", default=False)
    initial_diagnosis = models.TextField("diagnostic initial", blank=True)
    target_public = models.TextField("public cible", blank=True)
    operational_objectives = models.TextField("objectifs opérationnels", blank=True)
    implementation = models.TextField("modalités de mise en œuvre", blank=True)
    schedule = models.CharField("échéances de réalisation", max_length=100, blank=True)
    start_year = models.PositiveIntegerField("année de début", null=True, blank=True, validators=YEAR_VALIDATORS)
    end_year = models.PositiveIntegerField("année de fin", null=True, blank=True, validators=YEAR_VALIDATORS)
    lead = models.TextField("services mobilisés et responsable de l'action", blank=True)
    lead_organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="led_fiches", verbose_name="organisations pilotes"
    )
    partners = models.TextField("partenaires sollicités", blank=True)
    expected_results = models.TextField("résultats attendus", blank=True)
    evaluation_indicators = models.TextField("indicateurs d'évaluation", blank=True)
    funding = models.TextField("financements mobilisables", blank=True)
    referents = models.TextField("référents", blank=True)
    # True for the head of each action's lineage: base or signed-avenant fiches no signed avenant
    # has replaced or abrogated. Kept by `refresh_current_flags`; lets the database guarantee that
    # the current plan never numbers two actions alike.
    is_current = models.BooleanField("version courante", default=False, editable=False)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = FicheQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], bases=[FicheHistorySnapshots])

    class Meta:
        verbose_name = "fiche action"
        verbose_name_plural = "fiches actions"
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "key"], name="fiche_unique_key"),
            models.UniqueConstraint(
                fields=["convention", "number"], condition=Q(is_current=True), name="fiche_unique_number_in_plan"
            ),
            models.UniqueConstraint(fields=["avenant", "number"], name="fiche_unique_number_in_avenant"),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True) | Q(end_year__isnull=True) | Q(end_year__gte=models.F("start_year")),
                name="fiche_end_year_after_start",
            ),
        ]

    def __str__(self):
        return f"Action {self.number} — {self.title}"

    def get_absolute_url(self):
        return reverse("actions:fiche", args=[self.convention.slug, self.key])

    def clean(self):
        check_same_convention(
            self.convention_id, axis=self.axis if self.axis_id else None, avenant=self.avenant,
            previous_version=self.previous_version, commune=self.commune,
        )
        if self.axis_id and self.objective and self.objective.axis_id != self.axis_id:
            raise ValidationError({
                "objective": f"Cet objectif appartient à l'axe {self.objective.axis.number}, pas à l'axe {self.axis.number}."
            })

    def edit_refusal(self):
        """Why this version of the fiche cannot be rewritten in place, in French; "" when it can:
        the version a draft avenant proposes (not signed yet), or a fiche of the current plan while
        the convention is in préparation (`Convention.contract_refusal`)."""
        if self.avenant_id and not self.avenant.is_signed:
            return ""
        if self.pk and not self.is_current:
            return "Cette version de la fiche n'est plus en vigueur : elle fait partie de l'historique."
        return self.convention.contract_refusal()

    def require_editable(self):
        if refusal := self.edit_refusal():
            raise DomainError(refusal)

    @property
    def theme_slugs(self):
        return [link.theme for link in self.theme_links.all()]

    @property
    def theme_labels(self):
        return [Theme(t).label for t in self.theme_slugs]

    @property
    def nature_labels(self):
        return [Nature(n).label for n in self.nature if n in Nature.values]

    def lineage(self):
        """Every version of this action, oldest first."""
        versions = [self]
        seen = {self.pk}
        current = self
        while current.previous_version_id and current.previous_version_id not in seen:
            current = current.previous_version
            seen.add(current.pk)
            versions.insert(0, current)
        return versions


class FicheTheme(models.Model):
    """A thématique of a fiche; `position` keeps the order the user gave."""

    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="theme_links")
    theme = models.CharField("thématique", max_length=30, choices=Theme.choices)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "thématique"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["fiche", "theme"], name="fiche_theme_unique")]

    def __str__(self):
        return self.get_theme_display()


class Indicator(models.Model):
    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="indicators")
    key = models.CharField("clé", max_length=100, validators=[slug_validator])
    name = models.CharField("indicateur", max_length=300)
    unit = models.CharField("unité", max_length=30, blank=True)
    baseline = models.FloatField("valeur de départ", null=True, blank=True)
    target = models.FloatField("cible", null=True, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "indicateur"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["fiche", "key"], name="indicator_unique_key")]

    def __str__(self):
        return self.name


class Update(models.Model):
    """One quarter of the shared tracking table for one fiche."""

    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="updates")
    period = models.CharField("période", max_length=7, validators=[period_validator], help_text="AAAA-Tn")
    status = models.CharField("statut", max_length=20, choices=UpdateStatus.choices)
    progress = models.PositiveSmallIntegerField(
        "avancement (%)", null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    comment = models.TextField("commentaire", blank=True)
    difficulties = models.TextField("difficultés", blank=True)
    author = models.CharField("auteur", max_length=150, blank=True)
    updated_on = models.DateField("mis à jour le", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="enregistré par",
    )
    saved_at = models.DateTimeField("enregistré le", null=True, blank=True)
    # Set when the row was copied from the previous quarter and nobody has confirmed it since.
    copied_from = models.CharField("repris de la période", max_length=7, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "point de suivi trimestriel"
        verbose_name_plural = "points de suivi trimestriels"
        ordering = ["fiche", "period"]
        constraints = [
            models.UniqueConstraint(fields=["fiche", "period"], name="update_unique_period"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="update_progress_max_100"),
            models.CheckConstraint(condition=Q(period__regex=r"^[0-9]{4}-T[1-4]$"), name="update_period_format"),
        ]

    def __str__(self):
        return f"{self.fiche} — {self.period}"


class IndicatorValue(models.Model):
    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values", verbose_name="indicateur")
    value = models.FloatField("valeur")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "valeur d'indicateur"
        verbose_name_plural = "valeurs d'indicateurs"
        constraints = [models.UniqueConstraint(fields=["update", "indicator"], name="indicator_value_unique")]

    def __str__(self):
        return f"{self.indicator} = {self.value}"
