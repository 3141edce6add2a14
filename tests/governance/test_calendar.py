"""The calendar (month and list views) and the iCalendar file of one séance."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from governance.models import AgendaItem
from tests.factories import MeetingFactory
from tests.governance.helpers import TODAY
from tests.helpers import login, text

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Calendar


def test_month_view_shows_meetings_and_milestones_with_navigation(client, convention, users, meeting, milestone):
    login(client, users, "elu")
    url = reverse("governance:calendar", args=[convention.slug])
    page = text(client.get(url, {"mois": meeting.date.strftime("%Y-%m")}))
    assert meeting.title in page and meeting.get_absolute_url() in page
    following = (meeting.date.replace(day=1) + datetime.timedelta(days=32)).strftime("%Y-%m")
    assert f'href="?mois={following}"' in page
    milestone_page = text(client.get(url, {"mois": milestone.end.strftime("%Y-%m")}))
    assert "Échéance du jalon" in milestone_page and "Bilan intermédiaire" in milestone_page
    bad = text(client.get(url, {"mois": "2026-13"}))
    assert "Mois « 2026-13 » invalide" in bad
    assert "invalide" in text(client.get(url, {"mois": "9999-12"}))


def test_month_navigation_with_htmx_returns_only_the_calendar(client, convention, users, meeting):
    login(client, users, "elu")
    response = client.get(reverse("governance:calendar", args=[convention.slug]),
                          {"mois": meeting.date.strftime("%Y-%m")}, headers={"HX-Request": "true"})
    page = text(response)
    assert page.lstrip().startswith('<div id="calendrier">') and meeting.title in page and "<html" not in page


def test_list_view_in_date_order(client, convention, users, meeting, milestone):
    MeetingFactory(body=meeting.body, title="COPIL d'automne", date=TODAY + datetime.timedelta(days=60))
    login(client, users, "elu")
    page = text(client.get(reverse("governance:calendar", args=[convention.slug]), {"vue": "liste"}))
    assert page.index("COPIL de printemps") < page.index("Bilan intermédiaire") < page.index("COPIL d'automne")


# ---------------------------------------------------------------------------------------------
# iCalendar


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
