"""In a real browser: a Caf officer creates a CTG from nothing (two collectivités, three pasted
communes), then edits a visa and an article of the model text and moves an article."""

import pytest
from playwright.sync_api import expect

from conventions.enums import OrganisationKind, Role
from conventions.models import Convention, Organisation
from tests.browser import log_in
from tests.factories import CafFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_ctg_then_edit_a_visa_and_an_article(live_server, page):
    caf = CafFactory(name="Caisse d'allocations familiales de l'Eure")
    Organisation.objects.create(name="Communauté de communes Roumois Seine", kind=OrganisationKind.EPCI, code="200066405")
    user = user_with_role(Role.CAF, caf)
    log_in(page, live_server, user.username)

    page.get_by_role("link", name="Nouvelle convention").click()
    page.get_by_label("Titre").fill("Convention territoriale globale Roumois Seine 2027-2031")
    page.get_by_label("Début").fill("2027-01-01")
    page.locator('[name="end"]').fill("2031-12-31")
    page.get_by_label("Lieu de signature").fill("Bourg-Achard")
    page.locator('[name="caf-0-representative"]').fill("M. Philippe CHARPIN")
    page.locator('[name="caf-0-capacity"]').fill("Président du conseil d'administration")
    page.locator('[name="caf-1-representative"]').fill("Mme Aurore VERNIEUWE")
    page.locator('[name="caf-1-capacity"]').fill("Directrice")
    # The first collectivité is known to the application, the second one is new.
    page.locator('[name="collectivites-0-organisation"]').select_option(label="Communauté de communes Roumois Seine (EPCI, 200066405)")
    page.locator('[name="collectivites-0-representative"]').fill("M. Sylvain BONENFANT")
    page.locator('[name="collectivites-0-capacity"]').fill("Président")
    page.get_by_role("button", name="Ajouter une collectivité").click()
    expect(page.get_by_role("group", name="Collectivité 2")).to_be_visible()
    assert page.locator('[name="collectivites-0-representative"]').input_value() == "M. Sylvain BONENFANT"
    page.locator('[name="collectivites-1-new_name"]').fill("Commune de Bourg-Achard")
    page.locator('[name="collectivites-1-new_kind"]').select_option(label="Commune")
    page.locator('[name="collectivites-1-new_code"]').fill("27103")
    page.locator('[name="collectivites-1-representative"]').fill("Mme Claire DUVAL")
    page.locator('[name="collectivites-1-capacity"]').fill("Maire")
    page.get_by_label("Communes couvertes").fill(
        "27103;Bourg-Achard;4 500\n27005;Amfreville-Saint-Amand;1200\n27008;Appeville-Annebault;1050"
    )
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
    page.locator('[name="articles-1-body"]').fill("Les signataires s'engagent à mettre en œuvre le plan d'actions.")
    page.get_by_role("button", name="Monter article 6").click()
    expect(page.get_by_role("group", name="Article 5")).to_contain_text("La présente convention prend effet à compter du 01/01/2027")
    assert page.locator('[name="articles-1-body"]').input_value() == "Les signataires s'engagent à mettre en œuvre le plan d'actions."
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_text("Texte de la convention : modifications enregistrées.")).to_be_visible()
    expect(page.locator("section[aria-labelledby=visas]")).to_contain_text("Vu les articles L. 263-1 et suivants du Code de la sécurité sociale ;")
    expect(page.locator("#article-2")).to_contain_text("Les signataires s'engagent à mettre en œuvre le plan d'actions.")
    expect(page.locator("#article-5")).to_contain_text("Effet et durée de la convention")
    assert list(convention.articles.values_list("number", "title"))[4] == ("5", "Effet et durée de la convention")
