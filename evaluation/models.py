from django.conf import settings
from django.db import models
from django.db.models import F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from conventions.models import Convention
from ctg.errors import check_same_convention

from .enums import BilanKind, MilestoneKind, MilestoneStatus


class MilestoneQuerySet(models.QuerySet):
    def late(self, today):
        """Planned and past due: `Milestone.is_late`, in the database."""
        return self.filter(status=MilestoneStatus.PREVU, end__lt=today)


class Milestone(models.Model):
    """An evaluation or renewal step: point d'étape, bilan intermédiaire, bilan final, diagnostic…"""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField("type", max_length=30, choices=MilestoneKind.choices)
    title = models.CharField("intitulé", max_length=300)
    start = models.DateField("début", null=True, blank=True)
    end = models.DateField("échéance")
    status = models.CharField("statut", max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PREVU)
    body = models.ForeignKey(
        "governance.Body", on_delete=models.SET_NULL, null=True, blank=True, related_name="milestones",
        verbose_name="présenté en",
    )
    notes = models.TextField("notes", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    done_at = models.DateTimeField("fait le", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="marqué fait par",
    )
    generated_key = models.CharField(
        "clé de génération", max_length=60, blank=True, editable=False,
        help_text="Renseignée pour un jalon créé par « Générer les jalons » (« point_etape:2023 », "
        "« bilan_final », « renouvellement:diagnostic »…) : une nouvelle génération ne le recrée pas.",
    )

    history = HistoricalRecords()

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = "jalon"
        ordering = ["end", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__gte=F("start")), name="milestone_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["convention", "generated_key"], condition=~Q(generated_key=""),
                name="milestone_unique_generated_key",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        check_same_convention(self.convention_id, body=self.body)

    def is_late(self, today=None):
        # The same rule as `MilestoneQuerySet.late`.
        return self.status == MilestoneStatus.PREVU and self.end < (today or timezone.localdate())

    def mark_done(self, *, by):
        self.status = MilestoneStatus.FAIT
        self.done_at = timezone.now()
        self.done_by = by
        self.save(update_fields=["status", "done_at", "done_by"])


# The steps of a renewal (`003_…`, `000_…`): the first of them, begun after the signature, puts a
# signed convention « en renouvellement » (`conventions.phase`).
RENEWAL_KINDS = (
    MilestoneKind.EVALUATION, MilestoneKind.DIAGNOSTIC, MilestoneKind.ENJEUX, MilestoneKind.PLAN_ACTION,
    MilestoneKind.ECRITURE, MilestoneKind.VALIDATION_CAF, MilestoneKind.VALIDATION_CONSEILS,
)


def renewal_start():
    """The start of the first renewal milestone of the convention `OuterRef("pk")`: of a renewal
    kind, not cancelled, begun after the signature (a diagnostic made before it prepared this
    convention, not the next one). A milestone without start begins on its due date."""
    begins = Coalesce("start", "end")
    milestones = (
        Milestone.objects.filter(convention=OuterRef("pk"), kind__in=RENEWAL_KINDS)
        .exclude(status=MilestoneStatus.ANNULE)
        .annotate(begins=begins)
        .filter(begins__gt=Coalesce(OuterRef("signed_on"), OuterRef("start")))
        .order_by()
        .values("convention")
    )
    return Subquery(milestones.annotate(first=Min("begins")).values("first"))


class Bilan(models.Model):
    """The written bilan intermédiaire or final (`002_…` Article 4, `000_…`): its figures are
    computed from the tracking table for its period; only the written parts are stored."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="bilans")
    kind = models.CharField("bilan", max_length=20, choices=BilanKind.choices)
    start = models.DateField("période du")
    end = models.DateField("au")
    realisations = models.TextField(
        "réalisations", blank=True, help_text="Ce qui a été fait : actions conduites, publics touchés, moyens mobilisés."
    )
    territorial_changes = models.TextField(
        "changements territoriaux", blank=True, help_text="Ce qui a changé pour les habitants du territoire."
    )
    approach = models.TextField(
        "la démarche : pilotage, partenariat, transversalité", blank=True,
        help_text="Comment la CTG a été pilotée et animée, avec quels partenaires, quelle transversalité entre services.",
    )
    early_childhood = models.TextField(
        "partie petite enfance (pour la CDSF)", blank=True,
        help_text="Le volet petite enfance transmis à la commission départementale des services aux familles "
        "lorsque la CTG tient lieu de schéma pluriannuel SPPE.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="modifié par",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "bilan"
        ordering = ["convention", "end"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "kind"], name="bilan_unique_kind"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="bilan_end_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.convention}"

    @property
    def parts(self):
        """The written parts, titled as the seeds ask for them."""
        return [
            ("Réalisations", self.realisations),
            ("Changements territoriaux : ce qui a changé pour les habitants", self.territorial_changes),
            ("La démarche : pilotage, partenariat, transversalité", self.approach),
            ("Volet petite enfance (transmis à la CDSF)", self.early_childhood),
        ]

    def reference_date(self, today=None):
        """The figures stop at the end of the period, or today while the period runs."""
        return min(self.end, today or timezone.localdate())
