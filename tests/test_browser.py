import pytest
from playwright.sync_api import expect

from tests.browser import browser, log_in, page  # noqa: F401 - fixtures
from tests.factories import ConventionFactory, FicheFactory, users_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_open_a_convention_and_read_a_fiche(live_server, page):  # noqa: F811
    convention = ConventionFactory(title="CTG Roumois Seine")
    FicheFactory(axis__convention=convention, number=1, title="Développer les passerelles",
                 target_public="Les enfants fréquentant l'accueil périscolaire 3-11 ans")
    user = users_for(convention)["coordinateur"]

    log_in(page, live_server, user.username)
    expect(page.get_by_role("heading", name="Conventions")).to_be_visible()
    page.get_by_role("link", name="CTG Roumois Seine").click()
    page.get_by_role("link", name="Plan d'actions").click()
    page.get_by_role("link", name="Développer les passerelles").click()
    expect(page.get_by_role("heading", name="Action 1 — Développer les passerelles")).to_be_visible()
    expect(page.get_by_text("Les enfants fréquentant l'accueil périscolaire 3-11 ans")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Diagnostic initial")).to_be_visible()


def test_wrong_password_shows_a_french_error(live_server, page):  # noqa: F811
    convention = ConventionFactory()
    user = users_for(convention)["elu"]
    log_in(page, live_server, user.username, password="mauvais")
    expect(page.get_by_role("alert")).to_contain_text("mot de passe")
