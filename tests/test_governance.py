"""Governance: instances and their rhythm, séances (plan, minutes), chargés de coopération,
calendar, iCalendar files and feed, reminders."""

import datetime
import html

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from actions.periods import Period
from conventions.enums import ConventionStatus
from governance.frequency import expected_per_year
from governance.models import (
    AgendaItem,
    Body,
    CalendarToken,
    CooperationOfficer,
    Decision,
    Meeting,
    Member,
    Participant,
    Reminder,
)
from governance.services import overdue_bodies
from governance.templatetags.governance_tags import meetings_by_milestone
from tests.factories import (
    AvenantFactory,
    BodyFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    MilestoneFactory,
    UpdateFactory,
    collectivite_of,
    users_for,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def convention():
    return ConventionFactory(title="CTG Roumois Seine", start=TODAY.replace(year=TODAY.year - 3),
                             end=TODAY.replace(year=TODAY.year + 2))


@pytest.fixture
def users(convention):
    return users_for(convention)


@pytest.fixture
def copil(convention):
    body = BodyFactory(convention=convention, key="copil", name="Comité de pilotage CTG",
                       frequency="Une à deux fois par an")
    Member.objects.create(body=body, name="Mme Martin", organisation="Caf de l'Eure", email="martin@example.org", position=0)
    Member.objects.create(body=body, name="M. Leroy", organisation="CC Roumois Seine", role="Vice-président", position=1)
    return body


@pytest.fixture
def fiche(convention):
    return FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles")


@pytest.fixture
def milestone(convention):
    return MilestoneFactory(convention=convention, title="Bilan intermédiaire", kind="bilan_intermediaire",
                            start=None, end=TODAY + datetime.timedelta(days=40))


@pytest.fixture
def meeting(copil):
    return MeetingFactory(body=copil, title="COPIL de printemps", date=TODAY + datetime.timedelta(days=20),
                          time=datetime.time(14, 0), place="Bourg-Achard")


def text(response):
    """The page as the user reads it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def login(client, users, role):
    client.force_login(users[role])
    return client


def management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


# ---------------------------------------------------------------------------------------------
# Frequency rule


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


# ---------------------------------------------------------------------------------------------
# Permissions on every new view


def read_urls(convention, meeting):
    return {
        "index": reverse("governance:index", args=[convention.slug]),
        "calendar": reverse("agenda:calendar", args=[convention.slug]),
        "calendar_list": reverse("agenda:calendar", args=[convention.slug]) + "?vue=liste",
        "meeting": reverse("governance:meeting", args=[convention.slug, meeting.pk]),
        "ics": reverse("governance:meeting_ics", args=[convention.slug, meeting.pk]),
    }


def edit_urls(convention, meeting):
    return {
        "body_create": reverse("governance:body_create", args=[convention.slug]),
        "body_edit": reverse("governance:body_edit", args=[convention.slug, meeting.body.key]),
        "meeting_create": reverse("governance:meeting_create", args=[convention.slug]),
        "meeting_edit": reverse("governance:meeting_edit", args=[convention.slug, meeting.pk]),
        "meeting_minutes": reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]),
        "officers": reverse("governance:officers", args=[convention.slug]),
        "row": reverse("governance:row", args=[convention.slug, "agenda"]),
    }


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 200), ("outsider", 404)])
def test_reading_pages_per_role(client, convention, users, meeting, role, status):
    login(client, users, role)
    for name, url in read_urls(convention, meeting).items():
        assert client.get(url).status_code == status, name


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 403), ("outsider", 404)])
def test_editing_pages_per_role(client, convention, users, meeting, role, status):
    login(client, users, role)
    for name, url in edit_urls(convention, meeting).items():
        assert client.get(url).status_code == status, name


@pytest.mark.parametrize("role, status", [("elu", 403), ("outsider", 404)])
def test_readers_and_outsiders_cannot_write(client, convention, users, meeting, role, status):
    login(client, users, role)
    posts = [
        reverse("governance:body_delete", args=[convention.slug, meeting.body.key]),
        reverse("governance:meeting_delete", args=[convention.slug, meeting.pk]),
        *[url for name, url in edit_urls(convention, meeting).items() if name != "row"],  # row: GET only
    ]
    bodies = list(Body.objects.values_list("pk", "name"))
    for url in posts:
        assert client.post(url, {"name": "Instance réécrite", "title": "Séance réécrite"}).status_code == status, url
    assert Meeting.objects.filter(pk=meeting.pk, title=meeting.title).exists()
    assert list(Body.objects.values_list("pk", "name")) == bodies


def test_edit_controls_only_for_editors(client, convention, users, meeting):
    url = reverse("governance:meeting", args=[convention.slug, meeting.pk])
    assert "Rédiger le compte-rendu" in text(login(client, users, "coordinateur").get(url))
    assert "Rédiger le compte-rendu" not in text(login(client, users, "elu").get(url))
    index = reverse("governance:index", args=[convention.slug])
    assert "Planifier une séance" not in text(client.get(index))


def test_anonymous_is_sent_to_login(client, convention, meeting):
    for url in [*read_urls(convention, meeting).values(), reverse("agenda:subscription")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    response = client.post(reverse("agenda:reset"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not CalendarToken.objects.exists()


def test_another_conventions_meeting_is_not_found_here(client, convention, users, meeting):
    other = MeetingFactory(title="COPIL voisin")
    login(client, users, "caf")
    assert client.get(reverse("governance:meeting", args=[convention.slug, other.pk])).status_code == 404
    assert client.get(reverse("governance:meeting_edit", args=[convention.slug, other.pk])).status_code == 404


def test_posts_need_the_csrf_token(convention, users, meeting):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["caf"])
    response = client.post(reverse("governance:meeting_delete", args=[convention.slug, meeting.pk]))
    assert response.status_code == 403
    assert Meeting.objects.filter(pk=meeting.pk).exists()


# ---------------------------------------------------------------------------------------------
# Instances


def body_data(**extra):
    return {"kind": "cotech", "name": "Comité technique CTG", "frequency": "Deux fois par an",
            "expected_per_year": "", "animators": "Chargé de coopération / Caf",
            "composition": "- Services de la CC\n- Caf", **management("members"), **extra}


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


# ---------------------------------------------------------------------------------------------
# Séances


def meeting_data(body, **extra):
    return {"body": body.pk, "date": (TODAY + datetime.timedelta(days=15)).isoformat(), "time": "09:30",
            "end_time": "12:00", "title": "", "place": "Salle du conseil", **management("agenda"),
            **management("participants"), **extra}


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


def test_record_presence_decisions_and_minutes(client, convention, users, meeting, fiche):
    martin = Participant.objects.create(meeting=meeting, name="Mme Martin", position=0)
    leroy = Participant.objects.create(meeting=meeting, name="M. Leroy", position=1)
    avenant = AvenantFactory(convention=convention, number=2, status="brouillon")
    login(client, users, "caf")
    response = client.post(reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]), {
        "minutes": "## Échanges\r\n\r\nLe COPIL valide **le bilan**.<script>alert(1)</script>",
        **management("presence", total=3, initial=2),
        "presence-0-id": martin.pk, "presence-0-meeting": meeting.pk, "presence-0-name": "Mme Martin", "presence-0-present": "True",
        "presence-1-id": leroy.pk, "presence-1-meeting": meeting.pk, "presence-1-name": "M. Leroy", "presence-1-present": "False",
        "presence-2-name": "Invité surprise", "presence-2-present": "True",
        **management("decisions", total=2),
        "decisions-0-text": "Le plan d'actions est validé.",
        "decisions-1-text": "Élargir la passerelle aux 2-3 ans.", "decisions-1-fiche": fiche.pk, "decisions-1-avenant": avenant.pk,
    })
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes.startswith("## Échanges\n\nLe COPIL")
    widen = Decision.objects.get(fiche=fiche)
    assert widen.requires_avenant and widen.avenant == avenant and widen.position == 1

    response = client.get(meeting.get_absolute_url())
    page = text(response)
    assert "Présents (2)" in page and "Excusés ou absents (1)" in page
    assert "Mise en œuvre par l'avenant n°2" in page and "<strong>le bilan</strong>" in page
    assert "<script>alert(1)" not in response.content.decode()
    fiche_page = text(client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])))
    assert "Élargir la passerelle aux 2-3 ans." in fiche_page and "avenant n°2" in fiche_page


def test_decision_cannot_point_to_another_conventions_avenant(client, convention, users, meeting):
    login(client, users, "caf")
    response = client.post(reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]), {
        "minutes": "", **management("presence"), **management("decisions", total=1),
        "decisions-0-text": "Décision", "decisions-0-avenant": AvenantFactory().pk,
    })
    assert response.status_code == 200 and not Decision.objects.exists()


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


# ---------------------------------------------------------------------------------------------
# Chargés de coopération


def test_officers_with_fte_totals(client, convention, users):
    local = collectivite_of(convention)
    login(client, users, "coordinateur")
    response = client.post(reverse("governance:officers", args=[convention.slug]), {
        **management("officers", total=2),
        "officers-0-name": "Claire Petit", "officers-0-organisation": local.pk, "officers-0-scope": "territorial",
        "officers-0-fte": "1", "officers-0-caf_funded": "on", "officers-0-themes": ["enfance", "jeunesse"],
        "officers-0-missions": "Animation et pilotage de la CTG.",
        "officers-1-name": "Paul Roy", "officers-1-scope": "thematique", "officers-1-fte": "0.5",
        "officers-1-themes": ["parentalite"],
    })
    assert response.status_code == 302
    assert [(o.name, o.position, o.themes) for o in CooperationOfficer.objects.order_by("position")] == [
        ("Claire Petit", 0, ["enfance", "jeunesse"]), ("Paul Roy", 1, ["parentalite"])]
    page = text(client.get(reverse("governance:index", args=[convention.slug])))
    assert "1,5" in page and "dont 1 ETP financés par la Caf" in page and "Enfance, Jeunesse" in page


def test_officer_cannot_be_employed_by_a_stranger(client, convention, users):
    login(client, users, "caf")
    stranger = collectivite_of(ConventionFactory())
    response = client.post(reverse("governance:officers", args=[convention.slug]), {
        **management("officers", total=1), "officers-0-name": "X", "officers-0-organisation": stranger.pk,
        "officers-0-scope": "territorial", "officers-0-fte": "1",
    })
    assert response.status_code == 200 and not CooperationOfficer.objects.exists()


# ---------------------------------------------------------------------------------------------
# Calendar


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


def subscribe(client, user):
    client.force_login(user)
    client.post(reverse("agenda:reset"))
    client.logout()
    return CalendarToken.objects.get(user=user).token


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


# ---------------------------------------------------------------------------------------------
# Reminders


def test_quarter_helpers():
    assert str(Period.containing(datetime.date(2026, 8, 14))) == "2026-T3"
    assert Period.containing(datetime.date(2026, 8, 14)).end == datetime.date(2026, 9, 30)
    assert Period.containing(datetime.date(2026, 11, 2)).end == datetime.date(2026, 12, 31)
    assert Period.containing(datetime.date(2026, 1, 2)).end == datetime.date(2026, 3, 31)


def test_participants_are_reminded_once_before_the_meeting(convention, copil):
    soon = MeetingFactory(body=copil, title="COPIL de juin", date=datetime.date(2026, 6, 10), time=datetime.time(14, 0))
    member = copil.members.get(name="Mme Martin")
    Participant.objects.create(meeting=soon, member=member, name=member.name)
    Participant.objects.create(meeting=soon, name="Invité", email="invite@example.org")
    Participant.objects.create(meeting=soon, name="Sans courriel")
    later = MeetingFactory(body=copil, date=datetime.date(2026, 6, 30))
    Participant.objects.create(meeting=later, name="Plus tard", email="tard@example.org")

    call_command("send_reminders", "--today", "2026-06-05", "--update-days", "0", stdout=open("/dev/null", "w"))
    assert sorted(m.to[0] for m in mail.outbox) == ["invite@example.org", "martin@example.org"]
    message = mail.outbox[0]
    assert message.subject == "Rappel : COPIL de juin le 10/06/2026 à 14:00"
    assert "mercredi 10 juin 2026 à 14h00" in message.body
    assert message.attachments[0][2] == "text/calendar"

    call_command("send_reminders", "--today", "2026-06-06", "--update-days", "0", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2


def test_a_moved_meeting_is_reminded_again(convention, copil):
    meeting = MeetingFactory(body=copil, date=datetime.date(2026, 6, 10))
    Participant.objects.create(meeting=meeting, name="Invité", email="invite@example.org")
    call_command("send_reminders", "--today", "2026-06-05", "--update-days", "0", stdout=open("/dev/null", "w"))
    meeting.date = datetime.date(2026, 6, 12)
    meeting.save()
    call_command("send_reminders", "--today", "2026-06-06", "--update-days", "0", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 2


def test_coordinators_are_reminded_of_missing_quarterly_updates_once(convention, users, fiche):
    done = FicheFactory(axis=fiche.axis, number=2, title="Créer un LAEP")
    UpdateFactory(fiche=done, period="2026-T2")
    coordinator = users["coordinateur"]
    coordinator.email = "coordination@example.org"
    coordinator.save()
    users["caf"].email = "caf@example.org"
    users["caf"].save()

    call_command("send_reminders", "--today", "2026-05-10", stdout=open("/dev/null", "w"))
    assert mail.outbox == []  # more than 30 days before the end of the quarter

    call_command("send_reminders", "--today", "2026-06-10", stdout=open("/dev/null", "w"))
    [message] = mail.outbox
    assert message.to == ["coordination@example.org"]
    assert message.subject == "Suivi trimestriel 2026-T2 : 1 fiche action à mettre à jour"
    assert "Action 1 — Développer les passerelles" in message.body and "Créer un LAEP" not in message.body

    call_command("send_reminders", "--today", "2026-06-20", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1


def test_a_copied_row_not_yet_confirmed_still_needs_its_update(convention, users, fiche):
    UpdateFactory(fiche=fiche, period="2026-T2", copied_from="2026-T1")
    users["coordinateur"].email = "coordination@example.org"
    users["coordinateur"].save()
    call_command("send_reminders", "--today", "2026-06-10", stdout=open("/dev/null", "w"))
    [message] = mail.outbox
    assert "Action 1 — Développer les passerelles" in message.body


def test_dry_run_sends_and_records_nothing(convention, copil):
    meeting = MeetingFactory(body=copil, date=datetime.date(2026, 6, 10))
    Participant.objects.create(meeting=meeting, name="Invité", email="invite@example.org")
    call_command("send_reminders", "--today", "2026-06-05", "--dry-run", stdout=open("/dev/null", "w"))
    assert mail.outbox == [] and not Reminder.objects.exists()


# ---------------------------------------------------------------------------------------------
# Constant number of queries


def grow(convention, count):
    body = BodyFactory(convention=convention, key="copil")
    for i in range(count):
        Member.objects.create(body=body, name=f"Membre {i}", email=f"m{i}@example.org")
    fiches = [FicheFactory(axis__convention=convention) for _ in range(3)]
    milestones = [MilestoneFactory(convention=convention, end=TODAY + datetime.timedelta(days=i)) for i in range(3)]
    AvenantFactory(convention=convention)
    CooperationOfficer.objects.create(convention=convention, name="Claire", scope="territorial", themes=["enfance"])
    meetings = []
    for i in range(count):
        meeting = MeetingFactory(body=body, date=TODAY + datetime.timedelta(days=i % 28 - 14))
        meeting.fiches.add(fiches[0])
        for j in range(3):
            item = AgendaItem.objects.create(meeting=meeting, text=f"Point {j}", position=j)
            item.fiches.add(fiches[j])
            item.milestones.add(milestones[j])
            Participant.objects.create(meeting=meeting, name=f"Personne {j}", present=j % 2 == 0, position=j)
            Decision.objects.create(meeting=meeting, text=f"Décision {j}", fiche=fiches[j], position=j)
        meetings.append(meeting)
    return meetings[0]


def urls_of(convention, meeting):
    return [
        reverse("governance:index", args=[convention.slug]),
        reverse("agenda:calendar", args=[convention.slug]),
        reverse("agenda:calendar", args=[convention.slug]) + "?vue=liste",
        reverse("governance:meeting", args=[convention.slug, meeting.pk]),
        reverse("governance:meeting_edit", args=[convention.slug, meeting.pk]),
        reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]),
        reverse("governance:meeting_ics", args=[convention.slug, meeting.pk]),
        reverse("governance:body_edit", args=[convention.slug, "copil"]),
        reverse("governance:officers", args=[convention.slug]),
        reverse("governance:meeting_create", args=[convention.slug]) + "?instance=copil",
        reverse("conventions:detail", args=[convention.slug]),
        reverse("actions:fiche", args=[convention.slug, convention.fiches.order_by("id").first().key]),
    ]


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def test_pages_do_not_grow_with_meetings_and_members(client):
    small, large = ConventionFactory(), ConventionFactory()
    small_meeting, large_meeting = grow(small, 2), grow(large, 25)
    user = users_for(small)["caf"]
    user.memberships.create(organisation=large.caf, role="caf")
    client.force_login(user)
    for small_url, large_url in zip(urls_of(small, small_meeting), urls_of(large, large_meeting), strict=True):
        assert count(client, small_url) == count(client, large_url), small_url


def test_feed_does_not_grow_with_conventions(client):
    conventions = [ConventionFactory() for _ in range(3)]
    user = users_for(conventions[0])["caf"]
    token = subscribe(client, user)
    grow(conventions[0], 2)
    few = count(client, reverse("agenda:feed", args=[token]))
    for c in conventions[1:]:
        user.memberships.create(organisation=c.caf, role="caf")
        grow(c, 10)
    assert count(client, reverse("agenda:feed", args=[token])) == few
