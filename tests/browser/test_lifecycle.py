"""In a real browser, a CTG's whole lifecycle as its Caf officer lives it: created from nothing,
its text edited, its plan written, its signature refused then granted, its PDF downloaded. Every
field is found by its French label, as a screen reader or a keyboard user finds it, and each page
of the way passes axe."""

import pytest
from playwright.sync_api import expect

from conventions.enums import OrganisationKind, Role
from conventions.models import Organisation
from tests.browser import log_in
from tests.factories import CafFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Convention territoriale globale Roumois Seine 2027-2031"
EPCI = "Communauté de communes Roumois Seine"
COMMUNE = "Commune de Bourg-Achard"
# What the model text says, and what the officer writes instead.
MODEL_VISA = "Vu les articles L. 263-1, L. 223-1 et L. 227-1 à 3 du Code de la sécurité sociale ;"
EDITED_VISA = "Vu les articles L. 263-1 et suivants du Code de la sécurité sociale ;"
MODEL_ARTICLE = "La Ctg matérialise également l'engagement conjoint de la Caf"
EDITED_ARTICLE = "Les signataires s'engagent à mettre en œuvre le plan d'actions et à en rendre compte chaque année au comité de pilotage."
FICHES = {
    "Développer l'accueil du jeune enfant et les passerelles vers l'école": ["Petite enfance", "Enfance"],
    "Soutenir les parents et l'engagement des jeunes": ["Jeunesse", "Parentalité"],
}


def create_convention(page):
    page.get_by_role("link", name="Nouvelle convention").click()
    page.get_by_label("Titre").fill(TITLE)
    page.get_by_label("Début").fill("2027-01-01")
    page.get_by_label("Fin").fill("2031-12-31")
    page.get_by_label("Lieu de signature").fill("Bourg-Achard")
    caf = page.get_by_role("group", name="Pour la Caf, signent")
    caf.get_by_label("Représentant(e) (représentant de la caf 1)").fill("M. Philippe CHARPIN")
    caf.get_by_label("Qualité (représentant de la caf 1)").fill("Président du conseil d'administration")
    caf.get_by_label("Représentant(e) (représentant de la caf 2)").fill("Mme Aurore VERNIEUWE")
    caf.get_by_label("Qualité (représentant de la caf 2)").fill("Directrice")
    first = page.get_by_role("group", name="Collectivité 1")
    first.get_by_label("Organisation").select_option(label=f"{EPCI} (EPCI, 200066405)")
    first.get_by_label("Représentant(e)").fill("M. Sylvain BONENFANT")
    first.get_by_label("Qualité").fill("Président")
    page.get_by_role("button", name="Ajouter une collectivité").click()
    second = page.get_by_role("group", name="Collectivité 2")
    second.get_by_label("Nom").fill(COMMUNE)
    second.get_by_label("Type").select_option(label="Commune")
    second.get_by_label("SIREN ou code").fill("27103")
    second.get_by_label("Représentant(e)").fill("Mme Claire DUVAL")
    second.get_by_label("Qualité").fill("Maire")
    page.get_by_label("Communes couvertes").fill(
        "27103;Bourg-Achard;4 500\n27005;Amfreville-Saint-Amand;1200\n27008;Appeville-Annebault;1050"
    )


def test_a_caf_officer_creates_prepares_signs_a_ctg_and_downloads_its_pdf(live_server, page, assert_accessible,
                                                                         settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    caf = CafFactory(name="Caisse d'allocations familiales de l'Eure")
    Organisation.objects.create(name=EPCI, kind=OrganisationKind.EPCI, code="200066405")
    user = user_with_role(Role.CAF, caf)
    log_in(page, live_server, user.username)

    create_convention(page)
    assert_accessible(page)
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator("section[aria-labelledby=territoire]")).to_contain_text("Appeville-Annebault")
    assert_accessible(page)

    # The text: one visa and one article of the model rewritten.
    page.get_by_role("link", name="Texte de la convention").click()
    visa = page.get_by_label("Visa 1", exact=True)
    expect(visa).to_have_value(MODEL_VISA)
    visa.fill(EDITED_VISA)
    article = page.get_by_role("group", name="Article 2", exact=True)
    expect(article.get_by_label("Titre")).to_have_value("Engagements des partenaires")
    article.get_by_label("Texte").fill(EDITED_ARTICLE)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Texte de la convention : modifications enregistrées.")).to_be_visible()
    expect(page.locator("#article-2")).to_contain_text(EDITED_ARTICLE)
