from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from conventions.models import Convention

from .enums import MilestoneKind, MilestoneStatus


class MilestoneQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))

    def late(self, today=None):
        return self.filter(status=MilestoneStatus.PREVU, end__lt=today or timezone.localdate())


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

    def is_late(self, today=None):
        return self.status == MilestoneStatus.PREVU and self.end < (today or timezone.localdate())

    def meetings(self):
        """The séances whose ordre du jour presents this milestone, in date order."""
        from governance.models import Meeting

        return Meeting.objects.filter(agenda_items__milestones=self).select_related("body").distinct()

    def mark_done(self, *, by):
        self.status = MilestoneStatus.FAIT
        self.done_at = timezone.now()
        self.done_by = by
        self.save(update_fields=["status", "done_at", "done_by"])
