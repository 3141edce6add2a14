"""Every reading page, per role: allowed roles read it, outsiders get a 404."""

import datetime

import pytest
from django.urls import reverse

from conventions.enums import OperationKind
from conventions.models import Operation
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    MeetingFactory,
    MilestoneFactory,
    UpdateFactory,
    users_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    convention = ConventionFactory(title="CTG de la Communauté de communes Roumois Seine")
    ArticleFactory(convention=convention, number="9", title="Suivi, bilan et évaluation", body="Texte initial.")
    fiche = FicheFactory(axis__convention=convention, title="Développer les passerelles", key="passerelles")
    IndicatorFactory(fiche=fiche, name="Nombre de formations organisées")
    UpdateFactory(fiche=fiche, period="2026-T1", comment="Structure pilote retenue.")
    MeetingFactory(body__convention=convention, title="COPIL de mars")
    MilestoneFactory(convention=convention, title="Bilan final de la CTG")
    return convention


@pytest.fixture
def users(convention):
    return users_for(convention)


def pages(convention):
    return {
        "convention": reverse("conventions:detail", args=[convention.slug]),
        "plan": reverse("actions:plan", args=[convention.slug]),
        "fiche": reverse("actions:fiche", args=[convention.slug, "passerelles"]),
        "gouvernance": reverse("governance:index", args=[convention.slug]),
        "evaluation": reverse("evaluation:milestones", args=[convention.slug]),
        "annexes": reverse("conventions:annexes", args=[convention.slug]),
    }


EXPECTED_TEXT = {
    "convention": "Suivi, bilan et évaluation",
    "plan": "Développer les passerelles",
    "fiche": "Nombre de formations organisées",
    "gouvernance": "COPIL de mars",
    "evaluation": "Bilan final de la CTG",
    "annexes": "Annexe 7",
}


@pytest.mark.parametrize("role", ["caf", "coordinateur", "elu"])
@pytest.mark.parametrize("page", list(EXPECTED_TEXT))
def test_roles_on_the_convention_read_every_page(client, convention, users, role, page):
    client.force_login(users[role])
    response = client.get(pages(convention)[page])
    assert response.status_code == 200
    assert EXPECTED_TEXT[page] in response.content.decode()


@pytest.mark.parametrize("page", list(EXPECTED_TEXT))
def test_outsider_gets_404_on_every_page(client, convention, users, page):
    client.force_login(users["outsider"])
    assert client.get(pages(convention)[page]).status_code == 404


@pytest.mark.parametrize("page", list(EXPECTED_TEXT))
def test_anonymous_is_sent_to_login(client, convention, page):
    response = client.get(pages(convention)[page])
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_list_shows_only_the_users_conventions(client, convention, users):
    other = ConventionFactory(title="CTG du territoire voisin")
    client.force_login(users["elu"])
    content = client.get(reverse("conventions:list")).content.decode()
    assert convention.title in content and other.title not in content


def test_superuser_sees_every_convention(client, convention, django_user_model):
    other = ConventionFactory(title="CTG du territoire voisin")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    content = client.get(reverse("conventions:list")).content.decode()
    assert convention.title in content and other.title in content
    assert client.get(reverse("actions:plan", args=[other.slug])).status_code == 200


def test_login_page_is_french_and_logs_in(client, users):
    page = client.get(reverse("login")).content.decode()
    assert "Connexion" in page and "Mot de passe" in page
    response = client.post(reverse("login"), {"username": users["caf"].username, "password": "demo"})
    assert response.status_code == 302 and response.url == reverse("conventions:list")
    bad = client.post(reverse("login"), {"username": users["caf"].username, "password": "faux"})
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in bad.content.decode()


def test_plan_follows_the_chosen_date(client, convention, users):
    old = convention.fiches.get(key="passerelles")
    avenant = AvenantFactory(convention=convention, number=2, effective_from=datetime.date(2025, 12, 15))
    new = FicheFactory(axis=old.axis, number=old.number, key="passerelles-2026", avenant=avenant,
                       previous_version=old, title="Développer les passerelles entre structures")
    Operation.objects.create(avenant=avenant, op=OperationKind.REPLACE_FICHE, target_fiche=old, fiche=new)
    client.force_login(users["elu"])
    plan = reverse("actions:plan", args=[convention.slug])
    before = client.get(plan, {"date": "2025-12-14"}).content.decode()
    after = client.get(plan, {"date": "2025-12-16"}).content.decode()
    assert "entre structures" not in before and "entre structures" in after
    fiche_page = client.get(reverse("actions:fiche", args=[convention.slug, "passerelles"]), {"date": "2025-12-16"})
    assert "Remplacée par l'avenant n°2" in fiche_page.content.decode()


def test_bad_date_falls_back_to_today_with_a_message(client, convention, users):
    client.force_login(users["caf"])
    response = client.get(reverse("actions:plan", args=[convention.slug]), {"date": "31/02/2026"})
    assert response.status_code == 200
    assert "Date « 31/02/2026 » invalide" in response.content.decode()


def test_markdown_fields_never_run_scripts(client, convention, users):
    fiche = convention.fiches.get()
    fiche.initial_diagnosis = "<script>alert('x')</script> <img src=x onerror=alert(1)> **gras**"
    fiche.save()
    client.force_login(users["caf"])
    content = client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])).content.decode()
    assert "<script>alert" not in content and "<img src=x" not in content
    assert "<strong>gras</strong>" in content


def test_pages_send_a_strict_content_security_policy(client, convention, users):
    client.force_login(users["caf"])
    policy = client.get(reverse("conventions:detail", args=[convention.slug]))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
