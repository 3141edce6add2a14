"""Every reading page of a convention, per role: allowed roles read it, outsiders get a 404,
anonymous users log in first. The login page, the date selector, Markdown and the CSP, shared
by every page."""

import pytest
from django.urls import reverse

from actions.pdf import FichePdf
from tests.factories import (
    ArticleFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    MeetingFactory,
    MilestoneFactory,
    UpdateFactory,
)
from tests.helpers import pdf_lines

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


def test_login_page_is_french_and_logs_in(client, users):
    page = client.get(reverse("login")).content.decode()
    assert "Connexion" in page and "Mot de passe" in page
    response = client.post(reverse("login"), {"username": users["caf"].username, "password": "demo"})
    assert response.status_code == 302 and response.url == reverse("portfolio:home")
    bad = client.post(reverse("login"), {"username": users["caf"].username, "password": "faux"})
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in bad.content.decode()


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


def test_a_single_line_break_typed_is_kept_on_the_page_and_in_the_pdf(client, convention, users):
    fiche = convention.fiches.get()
    fiche.partners = "Caf de l'Eure\nMSA Haute-Normandie\n\n- Francas\n- CEMEA"
    fiche.save()
    client.force_login(users["caf"])
    content = client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])).content.decode()
    assert "<p>Caf de l'Eure<br>\nMSA Haute-Normandie</p>" in content
    assert "<li>Francas</li>" in content
    _, text = pdf_lines(FichePdf().generate(fiche)[2])
    assert "Caf de l'Eure MSA" not in text  # two lines in the box, not one
    assert "Caf de l'Eure" in text and "MSA Haute-Normandie" in text


def test_pages_send_a_strict_content_security_policy(client, convention, users):
    client.force_login(users["caf"])
    policy = client.get(reverse("conventions:detail", args=[convention.slug]))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_no_template_comment_leaks_into_a_page(client, convention, users):
    # A Django comment `{# … #}` holds on one line; one spread over two shows as text on every page.
    client.force_login(users["caf"])
    for url in ("/", reverse("conventions:detail", args=[convention.slug]), reverse("login")):
        assert "{#" not in client.get(url, follow=True).content.decode(), url
