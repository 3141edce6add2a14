"""iCalendar (RFC 5545) as Outlook, Thunderbird and Google Calendar read it: a calendar with the
Europe/Paris time zone. Each event (a séance in `governance.ical`, a jalon in `evaluation.ical`)
has a stable UID (its kind and primary key), a DTSTAMP, and either a time in Europe/Paris (with
its VTIMEZONE) or, without a time, an all-day date. Text goes in through `add_text`: a line
break in a title (written before forms cleaned it, or by the admin) cannot break the file."""

import datetime

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

from .text import multiline, one_line

PRODID = "-//CTG//Conventions territoriales globales//FR"
UID_DOMAIN = "ctg.conventions"


def add_text(component, name, value, *, lines=False):
    """A text property: on one line (a title, a place), or with its `lines` (a description),
    which icalendar escapes; no control character either way."""
    component.add(name, multiline(value) if lines else one_line(value))


def uid(kind, pk):
    return f"{kind}-{pk}@{UID_DOMAIN}"


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


def new_calendar(name):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    add_text(calendar, "x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_component(paris_timezone())
    return calendar
