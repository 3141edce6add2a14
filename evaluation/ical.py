"""A jalon as an all-day iCalendar event on its échéance (`ctg.ical`), for the subscription feed."""

import datetime

from django.urls import reverse
from django.utils import timezone
from icalendar import Event

from ctg.ical import add_text, uid

from .enums import MilestoneStatus


def milestone_uid(milestone):
    return uid("jalon", milestone.pk)


def milestone_event(milestone, *, base_url="", stamp=None, prefix=""):
    """An all-day VEVENT on the milestone's échéance."""
    event = Event()
    event.add("uid", milestone_uid(milestone))
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", milestone.end)
    event.add("dtend", milestone.end + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    add_text(event, "summary", f"{prefix}Échéance : {milestone.title}")
    lines = [f"{milestone.get_kind_display()} — {milestone.get_status_display()}"]
    if milestone.start:
        lines.append(f"Du {milestone.start:%d/%m/%Y} au {milestone.end:%d/%m/%Y}")
    if base_url:
        url = base_url + reverse("evaluation:milestones", args=[milestone.convention.slug])
        lines += ["", url]
        event.add("url", url)
    add_text(event, "description", "\n".join(lines), lines=True)
    event.add("categories", ["CTG", "Jalon"])
    event.add("status", "CANCELLED" if milestone.status == MilestoneStatus.ANNULE else "CONFIRMED")
    return event
