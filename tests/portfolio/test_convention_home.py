"""A convention's home: what matters first; élus land on the dashboard; the text has its own tab."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions.enums import ConventionStatus
from tests.factories import BodyFactory, ConventionFactory, MilestoneFactory, users_for
from tests.helpers import assert_constant_queries, text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def convention():
    convention = ConventionFactory(title="CTG Roumois Seine", start=TODAY.replace(year=TODAY.year - 2),
                                   end=TODAY + datetime.timedelta(days=29))
    MilestoneFactory(convention=convention, title="Bilan intermédiaire", start=None,
                     end=TODAY - datetime.timedelta(days=10))
    MilestoneFactory(convention=convention, title="Bilan final", start=None, end=TODAY + datetime.timedelta(days=20))
    BodyFactory(convention=convention, name="COPIL CTG", expected_per_year=1)
    return convention


def home(client, user, convention):
    client.force_login(user)
    return client.get(reverse("portfolio:convention_home", args=[convention.slug]))


@pytest.mark.parametrize("role", ["caf", "coordinateur"])
def test_the_home_shows_days_left_late_milestones_and_bodies_to_convene(client, convention, role):
    body = text(home(client, users_for(convention)[role], convention))
    assert "encore 29 jours" in body
    assert "Bilan intermédiaire" in body and "En retard" in body
    assert "Bilan final" in body
    assert "COPIL CTG" in body and "aucune séance" in body
    assert "Taux de réalisation" in body
    assert 'aria-current="page">Accueil' in body and ">Texte</a>" in body


def test_an_elu_lands_on_the_dashboard(client, convention):
    response = home(client, users_for(convention)["elu"], convention)
    assert response.status_code == 302
    assert response.url == reverse("evaluation:dashboard", args=[convention.slug])


def test_an_outsider_gets_a_404(client, convention):
    assert home(client, users_for(convention)["outsider"], convention).status_code == 404


def test_in_preparation_the_home_lists_what_signing_needs(client):
    preparing = ConventionFactory(status=ConventionStatus.PREPARATION, signed_on=None)
    body = text(home(client, users_for(preparing)["caf"], preparing))
    assert "Avant la signature" in body and "Délibération manquante (annexe 7)" in body
    assert "Préparer la signature" in body
    body = text(home(client, users_for(preparing)["coordinateur"], preparing))
    assert "Délibération manquante (annexe 7)" in body and "Préparer la signature" not in body


def test_the_legal_text_has_its_own_tab(client, convention):
    client.force_login(users_for(convention)["caf"])
    page = text(client.get(reverse("conventions:detail", args=[convention.slug])))
    assert 'aria-current="page">Texte<' in page and "Préambule" in page


def test_the_home_keeps_its_queries_as_the_plan_grows(client, two_sizes):
    assert_constant_queries(client, two_sizes, "portfolio:convention_home", 24)
