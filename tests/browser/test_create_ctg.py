"""In a real browser: a Caf officer creates a CTG from nothing (two collectivités, three pasted
communes), then edits a visa and an article of the model text and moves an article."""

import datetime

import pytest
from playwright.sync_api import expect

from conventions.enums import OrganisationKind, Role
from conventions.models import Convention, Organisation
from tests.browser import EPCI, fill_new_convention, log_in
from tests.factories import CafFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_ctg_then_edit_a_visa_and_an_article(live_server, page):
    caf = CafFactory(name="Caisse d'allocations familiales de l'Eure")
    Organisation.objects.create(name=EPCI, kind=OrganisationKind.EPCI, code="200066405")
    user = user_with_role(Role.CAF, caf)
    log_in(page, live_server, user.username)

    fill_new_convention(page, "Convention territoriale globale Roumois Seine 2027-2031",
                        datetime.date(2027, 1, 1), datetime.date(2031, 12, 31))
    # Adding the second collectivité (htmx) kept what was typed in the first one.
    expect(page.get_by_role("group", name="Collectivité 1").get_by_label("Représentant(e)")).to_have_value("M. Sylvain BONENFANT")
    page.get_by_role("button", name="Créer la convention").click()

    expect(page.get_by_role("heading", name="Convention territoriale globale Roumois Seine 2027-2031")).to_be_visible()
    expect(page.get_by_text("Convention en préparation.")).to_be_visible()
    parties = page.locator(".parties")
    expect(parties).to_contain_text("représentée par Mme Claire DUVAL, maire, dûment autorisée à signer la présente convention "
                                    "par délibération de son conseil municipal")
    expect(parties).to_contain_text("Communauté de communes Roumois Seine")
    expect(page.locator("section[aria-labelledby=territoire]")).to_contain_text("Appeville-Annebault")
    convention = Convention.objects.get()
    assert convention.communes.count() == 3 and convention.signatories.count() == 4

    page.get_by_role("link", name="Texte de la convention").click()
    page.get_by_label("Visa 1", exact=True).fill("Vu les articles L. 263-1 et suivants du Code de la sécurité sociale ;")
    page.get_by_role("group", name="Article 2", exact=True).get_by_label("Texte").fill("Les signataires s'engagent à mettre en œuvre le plan d'actions.")
    page.get_by_role("button", name="Monter article 6").click()
    expect(page.get_by_role("group", name="Article 5")).to_contain_text("La présente convention prend effet à compter du 01/01/2027")
    expect(page.get_by_role("group", name="Article 2", exact=True).get_by_label("Texte")).to_have_value(
        "Les signataires s'engagent à mettre en œuvre le plan d'actions.")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_text("Texte de la convention : modifications enregistrées.")).to_be_visible()
    expect(page.locator("section[aria-labelledby=visas]")).to_contain_text("Vu les articles L. 263-1 et suivants du Code de la sécurité sociale ;")
    expect(page.locator("#article-2")).to_contain_text("Les signataires s'engagent à mettre en œuvre le plan d'actions.")
    expect(page.locator("#article-5")).to_contain_text("Effet et durée de la convention")
    assert list(convention.articles.values_list("number", "title"))[4] == ("5", "Effet et durée de la convention")
