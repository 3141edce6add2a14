"""Reminder e-mails: participants before a séance, coordinators whose fiches lack this quarter's
update. Each reminder is recorded under a unique key before it leaves, in the same transaction,
so running the command again sends nothing twice, and a failed sending records nothing. Each
séance, each convention and each e-mail is prepared and sent on its own: one that fails is
logged, and the others still leave."""

import datetime
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from actions.periods import Period
from actions.tracking import fiches_to_update
from conventions.enums import ConventionStatus, Role
from conventions.models import Convention
from ctg.text import one_line

from . import ical
from .enums import ReminderKind
from .models import Meeting, Participant, Reminder

logger = logging.getLogger(__name__)


@dataclass
class Outgoing:
    keys: list
    kind: str
    recipient: str
    subject: str
    body: str
    attachments: list = field(default_factory=list)


def send_once(outgoing, *, dry_run=False):
    """Send the e-mail unless every one of its keys was already sent; True when sent."""
    with transaction.atomic():
        done = set(Reminder.objects.filter(key__in=outgoing.keys).values_list("key", flat=True))
        new = [key for key in outgoing.keys if key not in done]
        if not new:
            return False
        if dry_run:
            return True
        Reminder.objects.bulk_create([
            Reminder(key=key, kind=outgoing.kind, recipient=outgoing.recipient, subject=outgoing.subject[:300])
            for key in new
        ])
        message = EmailMessage(one_line(outgoing.subject), outgoing.body, to=[outgoing.recipient])
        for attachment in outgoing.attachments:
            message.attach(*attachment)
        message.send()
    return True


class Failures:
    """What could not be prepared or sent: each logged with its traceback, and counted."""

    def __init__(self):
        self.count = 0

    @contextmanager
    def guard(self, what):
        try:
            yield
        except Exception:  # one bad row (a séance, a convention, an address) must not stop the others
            logger.exception("Rappel non envoyé : %s", what)
            self.count += 1


def meeting_reminders(today, days, site_url, failures):
    """One e-mail per participant (with an address) of each séance in the next `days` days."""
    meetings = (
        Meeting.objects.filter(date__gte=today, date__lte=today + datetime.timedelta(days=days))
        .select_related("body", "convention")
        .prefetch_related("agenda_items", Prefetch("participants", queryset=Participant.objects.select_related("member")))
        .order_by("date", "time")
    )
    for meeting in meetings:
        batch = []
        with failures.guard(f"séance {meeting.pk} de la convention {meeting.convention.slug}"):
            batch = list(_meeting_outgoing(meeting, site_url))
        yield from batch


def _meeting_outgoing(meeting, site_url):
    calendar = ical.meeting_calendar(meeting, base_url=site_url)
    seen = set()
    for participant in meeting.participants.all():
        address = participant.reminder_email.strip()
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        when = f"{meeting.date:%d/%m/%Y}" + (f" à {meeting.time:%H:%M}" if meeting.time else "")
        yield Outgoing(
            keys=[f"seance:{meeting.pk}:{meeting.date:%Y-%m-%d}:{address.lower()}"],
            kind=ReminderKind.MEETING,
            recipient=address,
            subject=f"Rappel : {meeting.title} le {when}",
            body=render_to_string("governance/email/meeting_reminder.txt", {
                "meeting": meeting, "participant": participant, "site_url": site_url,
                "url": f"{site_url}{meeting.get_absolute_url()}" if site_url else "",
            }),
            attachments=[(f"seance-{meeting.date:%Y-%m-%d}.ics", calendar, "text/calendar")],
        )


def running_conventions(today):
    candidates = Convention.objects.filter(
        status__in=[ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT], start__lte=today
    ).order_by("title")
    return [c for c in candidates if c.is_running_on(today)]


def update_reminders(today, window_days, site_url, failures):
    """One e-mail per coordinator listing, per convention, the fiches in force with no update for
    the current quarter (a row copied from the previous quarter and not confirmed counts as none,
    as on the tracking page: `actions.tracking.fiches_to_update`), once the quarter ends within
    `window_days` days."""
    period = Period.containing(today)
    if (period.end - today).days >= window_days:
        return
    users = get_user_model().objects
    todo = {}
    for convention in running_conventions(today):
        with failures.guard(f"suivi de la convention {convention.slug}"):
            missing = list(fiches_to_update(convention, period).order_by("number", "id"))
            coordinators = users.filter(
                is_active=True, memberships__role=Role.COORDINATEUR,
                memberships__organisation__in=convention.signatories.values("organisation"),
            ).exclude(email="").distinct()
            for user in coordinators if missing else []:
                todo.setdefault(user, []).append((convention, missing))
    for user, items in todo.items():
        with failures.guard(f"suivi pour {user.email}"):
            yield _update_outgoing(user, items, period, site_url)


def _update_outgoing(user, items, period, site_url):
    count = sum(len(fiches) for _, fiches in items)
    return Outgoing(
        keys=[f"suivi:{period}:{convention.pk}:{user.pk}" for convention, _ in items],
        kind=ReminderKind.UPDATE,
        recipient=user.email,
        subject=f"Suivi trimestriel {period} : {count} fiche{'s' if count > 1 else ''} action{'s' if count > 1 else ''} à mettre à jour",
        body=render_to_string("governance/email/update_reminder.txt", {
            "user": user, "period": period, "end": period.end, "site_url": site_url,
            "items": [
                {"convention": c, "fiches": fiches,
                 "url": f"{site_url}{reverse('actions:plan', args=[c.slug])}" if site_url else ""}
                for c, fiches in items
            ],
        }),
    )


def send_reminders(today, *, days=7, update_days=30, site_url="", dry_run=False):
    """Send what is due and not yet sent; returns {"seance": n, "suivi": n, "echecs": n}, each
    failure being logged."""
    sent = {ReminderKind.MEETING: 0, ReminderKind.UPDATE: 0}
    failures = Failures()
    with translation.override("fr"):
        due = [*meeting_reminders(today, days, site_url, failures), *update_reminders(today, update_days, site_url, failures)]
        for outgoing in due:
            with failures.guard(f"« {outgoing.subject} » pour {outgoing.recipient}"):
                if send_once(outgoing, dry_run=dry_run):
                    sent[outgoing.kind] += 1
    return {**sent, "echecs": failures.count}
