"""The header's search box in a real browser, with and without JavaScript; axe on the pages."""

import pytest
from playwright.sync_api import expect

from tests.browser import log_in
from tests.factories import ConventionFactory, FicheFactory, users_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False])
def test_an_elu_searches_from_the_header_and_opens_a_fiche(live_server, browser, assert_accessible, javascript):
    convention = ConventionFactory(title="CTG Roumois Seine")
    FicheFactory(axis__convention=convention, number=4, title="Développer la parentalité",
                 partners="Les ludothèques du territoire")
    other = ConventionFactory(title="CTG d'une autre Caf")
    FicheFactory(axis__convention=other, title="Ouvrir une ludothèque")
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                  java_script_enabled=javascript)
    page = context.new_page()

    log_in(page, live_server, users_for(convention)["elu"].username)
    box = page.get_by_role("search").get_by_role("searchbox", name="Rechercher dans vos conventions")
    box.fill("LUDOTHEQUE")
    box.press("Enter")

    expect(page.get_by_role("heading", name="Recherche", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("1 résultat pour « LUDOTHEQUE »")
    hits = page.get_by_role("region", name="Fiches actions").get_by_role("listitem")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("Trouvé dans : Partenaires sollicités")
    expect(hits.first.locator("mark")).to_have_text("ludothèques")
    if javascript:  # axe runs in the page's JavaScript
        assert_accessible(page)

    hits.first.get_by_role("link", name="Développer la parentalité").click()
    expect(page.get_by_role("heading", name="Développer la parentalité")).to_be_visible()

    page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("Saisissez un ou plusieurs mots.")).to_be_visible()
    if javascript:
        assert_accessible(page)
    context.close()
