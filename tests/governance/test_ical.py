"""The iCalendar file of one séance: a stable UID, Paris time, all-day without a time."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from governance.models import AgendaItem
from tests.factories import MeetingFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db


def test_meeting_ics_parses_with_a_stable_uid_and_paris_time(client, convention, users, meeting):
    AgendaItem.objects.create(meeting=meeting, text="Bilan de l'année", position=0)
    login(client, users, "elu")
    url = reverse("governance:meeting_ics", args=[convention.slug, meeting.pk])
    response = client.get(url)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    [event] = Calendar.from_ical(response.content).events
    assert str(event["uid"]) == f"seance-{meeting.pk}@ctg.conventions"
    assert event.start == datetime.datetime.combine(meeting.date, datetime.time(14, 0), tzinfo=timezone.get_default_timezone())
    assert event.end - event.start == datetime.timedelta(hours=2)
    assert "DTSTAMP" in event and "Bilan de l'année" in str(event["description"])
    assert b"TZID=Europe/Paris" in response.content and b"BEGIN:VTIMEZONE" in response.content
    assert str(Calendar.from_ical(client.get(url).content).events[0]["uid"]) == str(event["uid"])


def test_meeting_without_time_is_an_all_day_event(client, convention, users, copil):
    meeting = MeetingFactory(body=copil, date=datetime.date(2026, 3, 12), time=None)
    login(client, users, "caf")
    [event] = Calendar.from_ical(client.get(reverse("governance:meeting_ics", args=[convention.slug, meeting.pk])).content).events
    assert event.start == datetime.date(2026, 3, 12) and event.end == datetime.date(2026, 3, 13)
    assert b"DTSTART;VALUE=DATE:20260312" in event.to_ical()


def test_a_seance_dated_9999_by_other_means_has_no_ics_but_its_page_works(client, convention, users, meeting):
    # 31/12/9999 at 23:30: its end (two hours later) overflowed the calendar and answered 500.
    type(meeting).objects.filter(pk=meeting.pk).update(date=datetime.date(9999, 12, 31), time=datetime.time(23, 30))
    login(client, users, "caf")
    assert client.get(reverse("governance:meeting_ics", args=[convention.slug, meeting.pk])).status_code == 404
    assert client.get(reverse("governance:meeting", args=[convention.slug, meeting.pk])).status_code == 200


def test_a_title_with_a_line_break_stored_by_other_means_stays_one_line(client, convention, users, meeting):
    # Written by the admin or an import before they cleaned text: the .ics answered 500.
    type(meeting).objects.filter(pk=meeting.pk).update(title="COPIL\r\nde juin\x0b", place="Salle\ndu conseil")
    login(client, users, "caf")
    response = client.get(reverse("governance:meeting_ics", args=[convention.slug, meeting.pk]))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.events
    assert str(event["summary"]) == "COPIL de juin" and str(event["location"]) == "Salle du conseil"
    assert str(calendar["x-wr-calname"]) == "COPIL de juin"
