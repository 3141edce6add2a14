"""The personal iCalendar feed: its secret address, what it holds, revoking it."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from governance.models import CalendarToken
from tests.agenda.helpers import subscribe
from tests.factories import ConventionFactory, MeetingFactory, MilestoneFactory, users_for
from tests.helpers import text

pytestmark = pytest.mark.django_db


def test_feed_works_without_a_session_and_never_leaks_another_territory(client, convention, users, meeting, milestone):
    neighbour = MeetingFactory(title="COPIL du territoire voisin")
    MilestoneFactory(convention=neighbour.convention, title="Bilan final voisin")
    # The same Caf's CTG with another collectivité: the Caf sees it, this coordinator does not.
    same_caf = ConventionFactory(caf=convention.caf, title="CTG voisine de la même Caf")
    MeetingFactory(body__convention=same_caf, title="COPIL de la CTG voisine")
    token = subscribe(client, users["coordinateur"])
    response = client.get(reverse("agenda:feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    summaries = [str(e["summary"]) for e in calendar.events]
    assert summaries == ["[CTG Roumois Seine] COPIL de printemps", "[CTG Roumois Seine] Échéance : Bilan intermédiaire"]
    assert {str(e["uid"]) for e in calendar.events} == {f"seance-{meeting.pk}@ctg.conventions", f"jalon-{milestone.pk}@ctg.conventions"}
    milestone_event = calendar.events[1]
    assert milestone_event.start == milestone.end and "DTSTAMP" in milestone_event
    assert "voisin" not in text(response)
    # The Caf's feed has both of its CTGs, and still nothing of the other Caf.
    caf_feed = text(client.get(reverse("agenda:feed", args=[subscribe(client, users["caf"])])))
    assert "COPIL de la CTG voisine" in caf_feed and "territoire voisin" not in caf_feed


def test_one_row_dated_9999_by_other_means_does_not_break_the_feed(client, users, convention, meeting, milestone):
    # A séance on 31/12/9999 at 23:30 or a jalon ending 31/12/9999 made the feed answer 500 for
    # every subscriber: such rows are left out, the others are served.
    far = MeetingFactory(body=meeting.body, title="Séance mal datée")
    type(far).objects.filter(pk=far.pk).update(date=datetime.date(9999, 12, 31), time=datetime.time(23, 30))
    MilestoneFactory(convention=convention, title="Jalon mal daté", start=None, end=datetime.date(9999, 12, 31))
    token = subscribe(client, users["coordinateur"])
    response = client.get(reverse("agenda:feed", args=[token]))
    assert response.status_code == 200
    summaries = [str(e["summary"]) for e in Calendar.from_ical(response.content).events]
    assert summaries == ["[CTG Roumois Seine] COPIL de printemps", "[CTG Roumois Seine] Échéance : Bilan intermédiaire"]


def test_feed_shortens_long_convention_titles(client, users):
    convention = ConventionFactory(title="Convention territoriale globale de la CC Roumois Seine")
    MeetingFactory(body__convention=convention, title="COPIL")
    token = subscribe(client, users_for(convention)["caf"])
    [event] = Calendar.from_ical(client.get(reverse("agenda:feed", args=[token])).content).events
    assert str(event["summary"]) == "[CTG de la CC Roumois Seine] COPIL"


def test_resetting_the_token_revokes_the_old_url(client, users, convention):
    old = subscribe(client, users["caf"])
    new = subscribe(client, users["caf"])
    assert old != new
    assert client.get(reverse("agenda:feed", args=[old])).status_code == 404
    assert client.get(reverse("agenda:feed", args=[new])).status_code == 200
    assert client.get(reverse("agenda:feed", args=["inconnu"])).status_code == 404
    assert client.head(reverse("agenda:feed", args=[new])).status_code == 200


def test_inactive_users_feed_stops(client, users, convention):
    token = subscribe(client, users["caf"])
    users["caf"].is_active = False
    users["caf"].save()
    assert client.get(reverse("agenda:feed", args=[token])).status_code == 404


def test_subscription_page_shows_the_secret_url_only_to_its_owner(client, users, convention):
    client.force_login(users["elu"])
    page = text(client.get(reverse("agenda:subscription")))
    assert "Créer mon adresse d'abonnement" in page and "CTG Roumois Seine" in page
    client.post(reverse("agenda:reset"))
    token = CalendarToken.objects.get(user=users["elu"]).token
    assert token in text(client.get(reverse("agenda:subscription")))
    client.force_login(users["caf"])
    assert token not in text(client.get(reverse("agenda:subscription")))
    assert client.get(reverse("agenda:reset")).status_code == 405
