"""A séance as an iCalendar event (`ctg.ical`): its own .ics file, the reminder's attachment, and
the subscription feed (`agenda`)."""

import datetime

from django.utils import timezone
from icalendar import Event

from ctg.ical import add_text, new_calendar, uid


def meeting_uid(meeting):
    return uid("seance", meeting.pk)


def meeting_event(meeting, *, base_url="", stamp=None, prefix=""):
    """A VEVENT for a séance; `meeting` needs `body` and its `agenda_items` (prefetched for a feed)."""
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", stamp or timezone.now())
    if meeting.time is None:
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
    add_text(event, "summary", f"{prefix}{meeting.title}")
    if meeting.place:
        add_text(event, "location", meeting.place)
    lines = [f"Instance : {meeting.body.name}"]
    items = list(meeting.agenda_items.all())
    if items:
        lines += ["", "Ordre du jour :"] + [f"{n}. {item.text}" for n, item in enumerate(items, 1)]
    url = f"{base_url}{meeting.get_absolute_url()}" if base_url else ""
    if url:
        lines += ["", url]
        event.add("url", url)
    add_text(event, "description", "\n".join(lines), lines=True)
    event.add("categories", ["CTG", meeting.body.get_kind_display()])
    event.add("status", "CONFIRMED")
    return event


def meeting_calendar(meeting, *, base_url=""):
    calendar = new_calendar(meeting.title)
    calendar.add_component(meeting_event(meeting, base_url=base_url))
    return calendar.to_ical()
