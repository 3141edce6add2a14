"""iCalendar (RFC 5545) for séances and jalons, as Outlook, Thunderbird and Google Calendar read it.

Each event has a stable UID (its kind and primary key), a DTSTAMP, and either a time in
Europe/Paris (with its VTIMEZONE) or, without a time, an all-day date.
"""

import datetime

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from evaluation.enums import MilestoneStatus

PRODID = "-//CTG//Conventions territoriales globales//FR"
UID_DOMAIN = "ctg.conventions"


def meeting_uid(meeting):
    return f"seance-{meeting.pk}@{UID_DOMAIN}"


def milestone_uid(milestone):
    return f"jalon-{milestone.pk}@{UID_DOMAIN}"


def paris_timezone():
    """Europe/Paris with the EU rules (last Sunday of March and of October), as calendar clients write it."""
    tz = Timezone()
    tz.add("tzid", "Europe/Paris")
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("dtstart", datetime.datetime(1970, 3, 29, 2, 0))
    summer.add("tzoffsetfrom", datetime.timedelta(hours=1))
    summer.add("tzoffsetto", datetime.timedelta(hours=2))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("dtstart", datetime.datetime(1970, 10, 25, 3, 0))
    winter.add("tzoffsetfrom", datetime.timedelta(hours=2))
    winter.add("tzoffsetto", datetime.timedelta(hours=1))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def short_title(title):
    """« Convention territoriale globale de la CC Roumois Seine » → « CTG de la CC Roumois Seine »."""
    prefix = "convention territoriale globale"
    return "CTG" + title[len(prefix):] if title.lower().startswith(prefix) else title


def new_calendar(name):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_component(paris_timezone())
    return calendar


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
    event.add("summary", f"{prefix}{meeting.title}")
    if meeting.place:
        event.add("location", meeting.place)
    lines = [f"Instance : {meeting.body.name}"]
    items = list(meeting.agenda_items.all())
    if items:
        lines += ["", "Ordre du jour :"] + [f"{n}. {item.text}" for n, item in enumerate(items, 1)]
    url = f"{base_url}{meeting.get_absolute_url()}" if base_url else ""
    if url:
        lines += ["", url]
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("categories", ["CTG", meeting.body.get_kind_display()])
    event.add("status", "CONFIRMED")
    return event


def milestone_event(milestone, *, base_url="", stamp=None, prefix=""):
    """An all-day VEVENT on the milestone's échéance."""
    event = Event()
    event.add("uid", milestone_uid(milestone))
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", milestone.end)
    event.add("dtend", milestone.end + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("summary", f"{prefix}Échéance : {milestone.title}")
    lines = [f"{milestone.get_kind_display()} — {milestone.get_status_display()}"]
    if milestone.start:
        lines.append(f"Du {milestone.start:%d/%m/%Y} au {milestone.end:%d/%m/%Y}")
    if base_url:
        url = base_url + reverse("evaluation:milestones", args=[milestone.convention.slug])
        lines += ["", url]
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("categories", ["CTG", "Jalon"])
    event.add("status", "CANCELLED" if milestone.status == MilestoneStatus.ANNULE else "CONFIRMED")
    return event


def meeting_calendar(meeting, *, base_url=""):
    calendar = new_calendar(meeting.title)
    calendar.add_component(meeting_event(meeting, base_url=base_url))
    return calendar.to_ical()


def feed_calendar(name, meetings, milestones, *, base_url=""):
    """The subscription feed: every séance and jalon given, prefixed with their convention's title."""
    calendar = new_calendar(name)
    stamp = timezone.now()
    for meeting in meetings:
        calendar.add_component(
            meeting_event(meeting, base_url=base_url, stamp=stamp, prefix=f"[{short_title(meeting.convention.title)}] ")
        )
    for milestone in milestones:
        calendar.add_component(
            milestone_event(milestone, base_url=base_url, stamp=stamp, prefix=f"[{short_title(milestone.convention.title)}] ")
        )
    return calendar.to_ical()
