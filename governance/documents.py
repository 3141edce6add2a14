"""A séance's documents in Word, to send to its participants: the ordre du jour (the
convocation) and the compte-rendu (who came, the points, the decisions, the written minutes)."""

from django.db.models import Prefetch

from actions.models import Fiche
from ctg.docx import WordVersion
from ctg.pdf import PdfDocument

from .models import AgendaItem, Decision, Meeting


class MeetingDocument(PdfDocument):
    """templates/pdf/meeting.html, as the ordre du jour or (`minutes`) as the compte-rendu."""

    template_name = "pdf/meeting.html"
    minutes = False
    label = "Ordre du jour"

    def context(self, meeting):
        fiches = Fiche.objects.only("pk", "key", "number", "title")
        meeting = (
            Meeting.objects.select_related("convention__caf", "body")
            .prefetch_related(
                Prefetch("agenda_items", queryset=AgendaItem.objects.prefetch_related(
                    Prefetch("fiches", queryset=fiches), "milestones")),
                "participants",
                Prefetch("decisions", queryset=Decision.objects.select_related("avenant").prefetch_related(
                    Prefetch("fiche", queryset=fiches))),
            )
            .get(pk=meeting.pk)
        )
        participants = list(meeting.participants.all())
        return {
            "convention": meeting.convention,
            "meeting": meeting,
            "minutes": self.minutes,
            "label": self.label,
            "participants": participants,
            "present": [p for p in participants if p.present is True],
            "excused": [p for p in participants if p.present is False],
            "unknown": [p for p in participants if p.present is None],
        }

    def title(self, meeting):
        return self.label

    def filename(self, meeting):
        kind = "compte-rendu" if self.minutes else "ordre-du-jour"
        return f"{meeting.convention.slug}-{meeting.body.key}-{meeting.date:%Y-%m-%d}-{kind}.pdf"


class MeetingAgendaWord(WordVersion, MeetingDocument):
    """The ordre du jour: when, where, who is convened, the points."""


class MeetingMinutesWord(WordVersion, MeetingDocument):
    """The compte-rendu: who came or was excused, the points, the decisions, the minutes."""

    minutes = True
    label = "Compte-rendu"
