"""Séances: planning one (agenda linked to fiches and milestones, participants convoked from
the instance), what the form refuses, the milestones presented, deleting one."""

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import AgendaItem, Meeting
from governance.templatetags.governance_tags import meetings_by_milestone
from tests.factories import BodyFactory, FicheFactory, MeetingFactory, MilestoneFactory
from tests.governance.helpers import TODAY, meeting_data
from tests.helpers import login, management, page_form, text, two_writers

pytestmark = pytest.mark.django_db


def test_plan_a_meeting_with_an_agenda_linked_to_a_fiche_and_a_milestone(client, convention, users, copil, fiche, milestone):
    login(client, users, "coordinateur")
    response = client.post(reverse("governance:meeting_create", args=[convention.slug]), meeting_data(copil, **{
        **management("agenda", total=2),
        "agenda-0-text": "Point d'étape du plan d'actions", "agenda-0-fiches": [fiche.pk], "agenda-0-ORDER": "2",
        "agenda-1-text": "Présentation du bilan intermédiaire", "agenda-1-milestones": [milestone.pk], "agenda-1-ORDER": "1",
        **management("participants", total=2),
        "participants-0-name": "Mme Martin", "participants-0-email": "martin@example.org",
        "participants-0-member": copil.members.first().pk,
        "participants-1-name": "Invitée de la MSA", "participants-1-organisation": "MSA",
    }))
    meeting = Meeting.objects.get(convention=convention)
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    assert meeting.title == f"Comité de pilotage CTG du {TODAY + datetime.timedelta(days=15):%d/%m/%Y}"
    assert [i.text for i in meeting.agenda_items.all()] == ["Présentation du bilan intermédiaire", "Point d'étape du plan d'actions"]
    assert [p.is_guest for p in meeting.participants.all()] == [False, True]
    assert meetings_by_milestone([milestone])[milestone.pk] == [meeting]

    page = text(client.get(meeting.get_absolute_url()))
    assert page.index("Présentation du bilan intermédiaire") < page.index("Point d'étape du plan d'actions")
    assert "Action 1" in page and "Jalon : Bilan intermédiaire" in page and "09h30 – 12h00" in page
    fiche_page = text(client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])))
    assert meeting.title in fiche_page
    calendar = text(client.get(reverse("agenda:calendar", args=[convention.slug]), {"vue": "liste"}))
    assert "présenté en séance" in calendar


def test_planning_from_an_instance_convokes_its_members(client, convention, users, copil):
    login(client, users, "caf")
    page = text(client.get(reverse("governance:meeting_create", args=[convention.slug]), {"instance": "copil"}))
    assert 'value="Mme Martin"' in page and 'value="M. Leroy"' in page and 'value="martin@example.org"' in page


def test_convoke_members_button_adds_the_missing_ones(client, convention, users, copil):
    login(client, users, "caf")
    first = copil.members.first()
    response = client.post(reverse("governance:meeting_create", args=[convention.slug]), meeting_data(copil, **{
        **management("participants", total=1), "participants-0-name": "Mme Martin", "participants-0-member": first.pk,
        "add_members": "1",
    }))
    page = text(response)
    assert not Meeting.objects.exists()
    assert 'value="M. Leroy"' in page and page.count('value="Mme Martin"') == 1
    assert 'name="participants-TOTAL_FORMS" value="2"' in page


def test_meeting_form_refuses_what_belongs_to_another_convention(client, convention, users, copil):
    foreign_body = BodyFactory()
    foreign_fiche = FicheFactory()
    login(client, users, "caf")
    response = client.post(reverse("governance:meeting_create", args=[convention.slug]), meeting_data(foreign_body, **{
        **management("agenda", total=1), "agenda-0-text": "Point", "agenda-0-fiches": [foreign_fiche.pk],
    }))
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert "Sélectionnez un choix valide" in text(response)


def test_end_time_must_follow_start(client, convention, users, copil):
    login(client, users, "caf")
    response = client.post(reverse("governance:meeting_create", args=[convention.slug]),
                           meeting_data(copil, time="14:00", end_time="10:00", place="Mairie de Bourgtheroulde"))
    page = text(response)
    assert "L'heure de fin doit suivre l'heure de début." in page and "Mairie de Bourgtheroulde" in page


def test_a_milestone_lists_the_meetings_that_present_it(convention, copil, milestone):
    other = MilestoneFactory(convention=convention, title="Bilan final")
    first = MeetingFactory(body=copil, title="COTECH de préparation", date=TODAY - datetime.timedelta(days=30))
    second = MeetingFactory(body=copil, title="COPIL de restitution", date=TODAY - datetime.timedelta(days=10))
    for meeting in (second, first):
        AgendaItem.objects.create(meeting=meeting, text="Bilan intermédiaire").milestones.add(milestone)
    presented = meetings_by_milestone([milestone, other])
    assert presented[milestone.pk] == [first, second] and other.pk not in presented
    template = Template(
        "{% load governance_tags %}{% meetings_by_milestone milestones as presented %}"
        "{% for j in milestones %}<li>{{ j.title }} {% milestone_meetings presented j %}</li>{% endfor %}"
    )
    with CaptureQueriesContext(connection) as ctx:
        rendered = template.render(Context({"milestones": [milestone, other]}))
    assert len(ctx.captured_queries) == 1
    assert rendered.count("Présenté en séance") == 1
    assert rendered.index("COTECH de préparation") < rendered.index("COPIL de restitution") < rendered.index("Bilan final")


def test_delete_a_meeting(client, convention, users, meeting):
    login(client, users, "coordinateur")
    response = client.post(reverse("governance:meeting_delete", args=[convention.slug, meeting.pk]))
    assert response.status_code == 302 and not Meeting.objects.exists()


def test_two_people_editing_a_meeting(client, convention, users, meeting):
    """The first save wins; the second sees it with its own typing kept, merges what it did not touch, and confirms."""
    AgendaItem.objects.create(meeting=meeting, text="Bilan de l'année", position=0)
    second = client.__class__()
    login(client, users, "caf")
    second.force_login(users["coordinateur"])
    url = reverse("governance:meeting_edit", args=[convention.slug, meeting.pk])
    response = two_writers(client, second, url, "place", {"place": "Mairie de Bourg-Achard", "agenda-0-text": "Bilan 2025"},
                           {"place": "Salle des fêtes", "time": "15:00"})
    page = text(response)
    assert response.status_code == 409
    assert "Modifié entre-temps par" in page and "Mairie de Bourg-Achard" in page and 'value="Salle des fêtes"' in page
    meeting.refresh_from_db()
    assert (meeting.place, meeting.time) == ("Mairie de Bourg-Achard", datetime.time(14, 0))
    assert second.post(url, page_form(response, "place")).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.place, meeting.time) == ("Salle des fêtes", datetime.time(15, 0))
    assert meeting.agenda_items.get().text == "Bilan 2025"
