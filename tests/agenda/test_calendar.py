"""A convention's calendar: séances and milestones by month (with htmx navigation) or as a list."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MeetingFactory
from tests.governance.helpers import TODAY
from tests.helpers import login, text

pytestmark = pytest.mark.django_db


def test_month_view_shows_meetings_and_milestones_with_navigation(client, convention, users, meeting, milestone):
    login(client, users, "elu")
    url = reverse("agenda:calendar", args=[convention.slug])
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
    response = client.get(reverse("agenda:calendar", args=[convention.slug]),
                          {"mois": meeting.date.strftime("%Y-%m")}, headers={"HX-Request": "true"})
    page = text(response)
    assert page.lstrip().startswith('<div id="calendrier">') and meeting.title in page and "<html" not in page


def test_list_view_in_date_order(client, convention, users, meeting, milestone):
    MeetingFactory(body=meeting.body, title="COPIL d'automne", date=TODAY + datetime.timedelta(days=60))
    login(client, users, "elu")
    page = text(client.get(reverse("agenda:calendar", args=[convention.slug]), {"vue": "liste"}))
    assert page.index("COPIL de printemps") < page.index("Bilan intermédiaire") < page.index("COPIL d'automne")


