"""Instances: how often each must meet (the frequency text, overdue instances), creating and
editing them with their members, formset rows with and without JavaScript."""

import datetime

import pytest
from django.urls import reverse

from conventions.enums import ConventionStatus
from governance.frequency import expected_per_year
from governance.models import Body
from governance.services import overdue_bodies
from tests.factories import BodyFactory, ConventionFactory, MeetingFactory
from tests.governance.helpers import TODAY, body_data
from tests.helpers import login, management, page_form, text, two_writers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text, kind, expected", [
    ("Une à deux fois par an", "copil", 1),
    ("Annuel", "seminaire_partenarial", 1),
    ("Deux fois par an (préparation des COPIL)", "cotech", 2),
    ("Régularité : 2 fois par an", "cotech", 2),
    ("Trois fois par an", "commission", 3),
    ("Trimestrielle", "comite_suivi", 4),
    ("Mensuelle", "commission", 12),
    ("1 session annuelle regroupant l'ensemble des acteurs", "seminaire_partenarial", 1),
    ("Ponctuelle (élaboration de la CTG)", "autre", 0),
    ("Selon le calendrier des séances", "conseil", None),
    ("", "copil", 1),
    ("", "groupe_travail", None),
])
def test_frequency_text_reads_as_meetings_per_year(text, kind, expected):
    assert expected_per_year(text, kind) == expected


def test_a_new_instance_deduces_its_rhythm_unless_given(convention):
    assert BodyFactory(convention=convention, frequency="Deux fois par an").expected_per_year == 2
    assert BodyFactory(convention=convention, frequency="Deux fois par an", expected_per_year=3).expected_per_year == 3


def test_copil_without_meeting_for_twelve_months_is_overdue(convention, copil):
    MeetingFactory(body=copil, date=TODAY - datetime.timedelta(days=400))
    MeetingFactory(body=copil, date=TODAY + datetime.timedelta(days=30))
    [body] = overdue_bodies(convention, TODAY)
    assert body == copil
    assert body.last_meeting == TODAY - datetime.timedelta(days=400)
    assert body.next_meeting == TODAY + datetime.timedelta(days=30)


def test_a_meeting_in_the_last_twelve_months_clears_the_flag(convention, copil):
    MeetingFactory(body=copil, date=TODAY - datetime.timedelta(days=300))
    assert overdue_bodies(convention, TODAY) == []
    # A year later, the same meeting is too old.
    assert overdue_bodies(convention, TODAY + datetime.timedelta(days=100)) == [copil]


def test_an_instance_that_met_less_often_than_expected_is_overdue(client, convention, users, copil):
    MeetingFactory(body=copil, date=TODAY - datetime.timedelta(days=20))
    commission = BodyFactory(convention=convention, kind="commission", name="Commission enfance-jeunesse",
                             frequency="Trois fois par an")
    MeetingFactory(body=commission, date=TODAY - datetime.timedelta(days=400))
    MeetingFactory(body=commission, date=TODAY - datetime.timedelta(days=60))
    assert overdue_bodies(convention, TODAY) == [commission]
    login(client, users, "elu")
    page = text(client.get(reverse("conventions:detail", args=[convention.slug])))
    assert (f"Commission enfance-jeunesse</a> : 1 séance sur les 12 derniers mois (dernière le "
            f"{TODAY - datetime.timedelta(days=60):%d/%m/%Y}), alors qu'elle doit se réunir au moins 3 fois par an.") in page
    page = text(client.get(reverse("governance:index", args=[convention.slug])))
    assert "<strong>1 séance sur les 12 derniers mois</strong>" in page
    MeetingFactory(body=commission, date=TODAY - datetime.timedelta(days=30))
    MeetingFactory(body=commission, date=TODAY)
    assert overdue_bodies(convention, TODAY) == []


def test_no_flag_without_a_yearly_rhythm_or_a_full_year_of_convention(convention, copil):
    BodyFactory(convention=convention, kind="autre", frequency="Ponctuelle")
    BodyFactory(convention=convention, kind="conseil", frequency="Selon le calendrier des séances")
    assert overdue_bodies(convention, TODAY) == [copil]
    young = ConventionFactory(start=TODAY - datetime.timedelta(days=200), end=TODAY + datetime.timedelta(days=1000))
    BodyFactory(convention=young)
    assert overdue_bodies(young, TODAY) == []
    draft = ConventionFactory(status=ConventionStatus.PREPARATION, start=datetime.date(2020, 1, 1))
    BodyFactory(convention=draft)
    assert overdue_bodies(draft, TODAY) == []


def test_convention_page_flags_the_copil_that_has_not_met(client, convention, users, copil):
    login(client, users, "elu")
    page = text(client.get(reverse("conventions:detail", args=[convention.slug])))
    assert "Instances à réunir" in page and "Comité de pilotage CTG" in page
    assert "au moins 1 fois par an" in page and "Aucune séance planifiée" in page
    MeetingFactory(body=copil, date=TODAY - datetime.timedelta(days=10))
    page = text(client.get(reverse("conventions:detail", args=[convention.slug])))
    assert "Instances à réunir" not in page


def test_governance_page_shows_each_instance_rhythm(client, convention, users, copil):
    MeetingFactory(body=copil, date=TODAY - datetime.timedelta(days=500))
    login(client, users, "caf")
    page = text(client.get(reverse("governance:index", args=[convention.slug])))
    assert "Aucune séance depuis plus de 12 mois" in page
    assert "Aucune séance sur les 12 derniers mois" in page


def test_create_an_instance_with_members(client, convention, users):
    login(client, users, "coordinateur")
    response = client.post(reverse("governance:body_create", args=[convention.slug]), body_data(**{
        **management("members", total=2),
        "members-0-name": "Claire Petit", "members-0-organisation": "CC Roumois Seine", "members-0-email": "claire@example.org",
        "members-1-name": "Paul Roy", "members-1-role": "Conseiller Caf",
    }))
    body = Body.objects.get(convention=convention)
    assert response.status_code == 302 and response.url == body.get_absolute_url()
    assert body.key == "comite-technique-ctg" and body.expected_per_year == 2
    assert [(m.name, m.position) for m in body.members.all()] == [("Claire Petit", 0), ("Paul Roy", 1)]
    page = text(client.get(reverse("governance:index", args=[convention.slug])))
    assert "Comité technique CTG" in page and "2 séances par an au moins" in page


def test_instance_errors_keep_the_typing(client, convention, users):
    login(client, users, "caf")
    response = client.post(reverse("governance:body_create", args=[convention.slug]), body_data(**{
        "name": "", **management("members", total=1), "members-0-name": "", "members-0-email": "pas-un-courriel",
    }))
    page = text(response)
    assert response.status_code == 200 and not Body.objects.exists()
    assert "L'instance n'est pas enregistrée" in page
    assert "Chargé de coopération / Caf" in page and "pas-un-courriel" in page
    assert "Saisissez une adresse de courriel valide" in page


def test_editing_the_frequency_text_recomputes_the_rhythm(client, convention, users, copil):
    login(client, users, "caf")
    url = reverse("governance:body_edit", args=[convention.slug, copil.key])
    members = list(copil.members.all())
    data = body_data(kind="copil", name=copil.name, frequency="Trois fois par an", expected_per_year="1",
                     **management("members", total=2, initial=2))
    for i, m in enumerate(members):
        data.update({f"members-{i}-id": m.pk, f"members-{i}-body": copil.pk, f"members-{i}-name": m.name})
    data["members-1-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    copil.refresh_from_db()
    assert copil.frequency == "Trois fois par an" and copil.expected_per_year == 3
    assert [m.name for m in copil.members.all()] == ["Mme Martin"]


def test_add_member_row_without_javascript_keeps_the_typing(client, convention, users):
    login(client, users, "caf")
    response = client.post(reverse("governance:body_create", args=[convention.slug]), body_data(**{
        **management("members", total=1), "members-0-name": "Claire Petit", "add_row": "members",
    }))
    page = text(response)
    assert not Body.objects.exists()
    assert 'name="members-1-name"' in page and 'value="Claire Petit"' in page
    assert "n'est pas enregistrée" not in page


@pytest.mark.parametrize("prefix, field", [
    ("members", "name"), ("agenda", "text"), ("participants", "name"), ("presence", "present"),
    ("decisions", "fiche"), ("officers", "fte"),
])
def test_htmx_row_carries_the_new_total(client, convention, users, copil, fiche, prefix, field):
    login(client, users, "caf")
    url = reverse("governance:row", args=[convention.slug, prefix])
    page = text(client.get(url, {f"{prefix}-TOTAL_FORMS": "2"}, headers={"HX-Request": "true"}))
    assert f'name="{prefix}-2-{field}"' in page
    assert f'name="{prefix}-TOTAL_FORMS" value="3"' in page and 'hx-swap-oob="true"' in page
    if prefix == "decisions":
        assert "Action 1 — Développer les passerelles" in page


def test_unknown_row_list_is_not_found(client, convention, users):
    login(client, users, "caf")
    assert client.get(reverse("governance:row", args=[convention.slug, "inconnue"])).status_code == 404


def test_an_instance_with_meetings_cannot_be_deleted(client, convention, users, meeting):
    login(client, users, "caf")
    response = client.post(reverse("governance:body_delete", args=[convention.slug, meeting.body.key]), follow=True)
    assert "a des séances enregistrées" in text(response)
    assert Body.objects.filter(pk=meeting.body.pk).exists()
    empty = BodyFactory(convention=convention)
    client.post(reverse("governance:body_delete", args=[convention.slug, empty.key]))
    assert not Body.objects.filter(pk=empty.pk).exists()


def test_two_people_editing_an_instance(client, convention, users, copil):
    """The first save wins; the second sees it with its own typing kept, merges what it did not touch, and confirms."""
    second = client.__class__()
    login(client, users, "caf")
    second.force_login(users["coordinateur"])
    url = reverse("governance:body_edit", args=[convention.slug, copil.key])
    response = two_writers(client, second, url, "name", {"composition": "Élus et directions.", "members-1-role": "Président"},
                           {"composition": "Élus, Caf et partenaires.", "name": "COPIL CTG Roumois Seine"})
    page = text(response)
    assert response.status_code == 409
    assert "Modifié entre-temps par" in page and "Élus et directions." in page and "Élus, Caf et partenaires." in page
    copil.refresh_from_db()
    assert (copil.name, copil.composition) == ("Comité de pilotage CTG", "Élus et directions.")
    assert second.post(url, page_form(response, "name")).status_code == 302
    copil.refresh_from_db()
    assert (copil.name, copil.composition) == ("COPIL CTG Roumois Seine", "Élus, Caf et partenaires.")
    assert copil.members.get(name="M. Leroy").role == "Président"
