"""The PDFs laid out outside the request: a queue of documents, each followed by its progress page."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from conventions.models import Convention

from .enums import DocumentStatus

# A waiting document nobody took after this long is given up (its requester has left).
DOCUMENT_WAIT_LIMIT = datetime.timedelta(minutes=30)
# A document being laid out whose worker gave no sign of life for this long lost it (a crash, a
# restart): the worker beats at least every few seconds while it lays out pages.
DOCUMENT_SILENCE_LIMIT = datetime.timedelta(minutes=5)
# A worker stops its own layout at settings.DOCUMENT_TIME_LIMIT; one still at it this much later is
# stuck where its alarm cannot reach it.
DOCUMENT_OVERRUN_GRACE = datetime.timedelta(seconds=30)


def running_since(now):
    """(last heartbeat, start) no older than these: a document "en cours" is still followed by a
    worker that beats and is within its time limit (one rule for the queryset and the instance)."""
    overrun = datetime.timedelta(seconds=settings.DOCUMENT_TIME_LIMIT) + DOCUMENT_OVERRUN_GRACE
    return now - DOCUMENT_SILENCE_LIMIT, now - overrun


def still_running(now):
    beat, start = running_since(now)
    return Q(status=DocumentStatus.EN_COURS, heartbeat_at__gte=beat, started_at__gte=start)


class GeneratedDocumentQuerySet(models.QuerySet):
    def running(self):
        """Documents a live worker is laying out."""
        return self.filter(still_running(timezone.now()))

    def lost(self):
        """Documents still marked "en cours" whose worker fell silent or overran its time limit."""
        return self.filter(status=DocumentStatus.EN_COURS).exclude(still_running(timezone.now()))

    def waiting(self):
        """Documents waiting for a worker, oldest first."""
        return self.filter(
            status=DocumentStatus.EN_ATTENTE, created_at__gte=timezone.now() - DOCUMENT_WAIT_LIMIT
        ).order_by("created_at", "pk")

    def alive(self):
        """Waiting or running: a new request for the same content follows one of these."""
        now = timezone.now()
        return self.filter(
            still_running(now) | Q(status=DocumentStatus.EN_ATTENTE, created_at__gte=now - DOCUMENT_WAIT_LIMIT)
        )


class GeneratedDocument(models.Model):
    """A PDF produced outside the request (`documents.queue`): the page that asked for it
    follows its progress, then downloads it. `key` is the hash of the document's HTML, which is
    also the name of the kept file: a second request for the same content is served at once."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("document", max_length=300)
    filename = models.CharField("nom du fichier", max_length=200)
    key = models.CharField("empreinte du contenu", max_length=64, db_index=True)
    status = models.CharField("état", max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.EN_ATTENTE)
    html_bytes = models.PositiveIntegerField("taille du HTML", default=0)
    page_breaks = models.PositiveIntegerField("sauts de page imposés", default=0)
    pages = models.PositiveIntegerField("pages", null=True, blank=True)
    pages_done = models.PositiveIntegerField("pages mises en page", default=0)
    error = models.TextField("erreur", blank=True)
    back_url = models.CharField("page d'origine", max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="demandé par",
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    heartbeat_at = models.DateTimeField("dernier signe du processus", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # The process laying it out (`documents.workers.token`), kept when that process lost it: a lost
    # worker that could not be stopped still takes a place among the running ones.
    worker = models.CharField("processus", max_length=100, blank=True)

    objects = GeneratedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "document généré"
        verbose_name_plural = "documents générés"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} ({self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse("documents:progress", args=[self.convention.slug, self.pk])

    @property
    def is_lost(self):
        """Not ready and no longer followed by any worker: the page says it failed."""
        now = timezone.now()
        if self.status == DocumentStatus.EN_ATTENTE:
            return self.created_at < now - DOCUMENT_WAIT_LIMIT
        if self.status == DocumentStatus.EN_COURS:
            beat, start = running_since(now)
            return (self.heartbeat_at or self.created_at) < beat or (self.started_at or self.created_at) < start
        return False

