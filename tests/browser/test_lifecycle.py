"""In a real browser, a CTG's whole lifecycle as its Caf officer lives it: created from nothing,
its text edited, its plan written, its signature refused then granted, its PDF downloaded. Every
field is found by its French label, as a screen reader or a keyboard user finds it, and the pages
it fills in or reads (creation form, convention, text, plan, fiche, annexe 7, signing) pass axe."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conventions.enums import OrganisationKind, Role
from conventions.models import Organisation
from tests.browser import COMMUNE, EPCI, fill_new_convention, log_in
from tests.factories import CafFactory, user_with_role
from tests.helpers import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the model text says, and what the officer writes instead.
MODEL_VISA = "Vu les articles L. 263-1, L. 223-1 et L. 227-1 à 3 du Code de la sécurité sociale ;"
EDITED_VISA = "Vu les articles L. 263-1 et suivants du Code de la sécurité sociale ;"
MODEL_ARTICLE = "La Ctg matérialise également l'engagement conjoint de la Caf"
EDITED_ARTICLE = "Les signataires s'engagent à mettre en œuvre le plan d'actions et à en rendre compte chaque année au comité de pilotage."
# The next period; the deliberations, the Caf's validation and the signature in the days before today.
TODAY = datetime.date.today()
START, END = datetime.date(TODAY.year + 1, 1, 1), datetime.date(TODAY.year + 5, 12, 31)
SIGNED, VALIDATED = TODAY - datetime.timedelta(days=1), TODAY - datetime.timedelta(days=8)
DELIBERATED = TODAY - datetime.timedelta(days=12)
TITLE = f"Convention territoriale globale Roumois Seine {START.year}-{END.year}"
FICHES = {
    "Développer l'accueil du jeune enfant et les passerelles vers l'école": ["Petite enfance", "Enfance"],
    "Soutenir les parents et l'engagement des jeunes": ["Jeunesse", "Parentalité"],
}


def tab(page, name):
    page.get_by_role("navigation", name="Sections de la convention").get_by_role("link", name=name, exact=True).click()


def test_a_caf_officer_creates_prepares_signs_a_ctg_and_downloads_its_pdf(live_server, page, assert_accessible,
                                                                         settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    caf = CafFactory(name="Caisse d'allocations familiales de l'Eure")
    Organisation.objects.create(name=EPCI, kind=OrganisationKind.EPCI, code="200066405")
    user = user_with_role(Role.CAF, caf)
    log_in(page, live_server, user.username)

    fill_new_convention(page, TITLE, START, END)
    assert_accessible(page)
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_role("region", name="Territoire")).to_contain_text("Appeville-Annebault")
    assert_accessible(page)

    # The text: one visa and one article of the model rewritten.
    page.get_by_role("link", name="Texte de la convention").click()
    visa = page.get_by_label("Visa 1", exact=True)
    assert_accessible(page)
    expect(visa).to_have_value(MODEL_VISA)
    visa.fill(EDITED_VISA)
    article = page.get_by_role("group", name="Article 2", exact=True)
    expect(article.get_by_label("Titre")).to_have_value("Engagements des partenaires")
    article.get_by_label("Texte").fill(EDITED_ARTICLE)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Texte de la convention : modifications enregistrées.")).to_be_visible()
    expect(page.locator("#article-2")).to_contain_text(EDITED_ARTICLE)

    # The plan: an axis, then two fiches that between them cover the four mandatory themes.
    tab(page, "Plan d'actions")
    page.get_by_role("link", name="Nouvelle fiche action").click()
    expect(page.get_by_text("Créez d'abord un axe stratégique")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nouvel axe").fill("Accompagner les familles à chaque âge")
    page.get_by_role("button", name="Ajouter l'axe").click()
    for number, (title, themes) in enumerate(FICHES.items(), start=1):
        tab(page, "Plan d'actions")
        page.get_by_role("link", name="Nouvelle fiche action").click()
        expect(page.get_by_label("Numéro")).to_have_value(str(number))
        page.get_by_label("Intitulé").fill(title)
        page.get_by_label("Axe").select_option(label="Axe 1 — Accompagner les familles à chaque âge")
        for theme in themes:
            page.get_by_role("group", name="Thématiques").get_by_role("checkbox", name=theme, exact=True).check()
        page.get_by_label("Public cible").fill("Les familles du Roumois")
        assert_accessible(page)
        page.get_by_role("button", name="Enregistrer la fiche").click()
        expect(page.get_by_role("heading", name=f"Action {number} — {title}")).to_be_visible()
        assert_accessible(page)

    # The signature, refused: each collectivité's deliberation and the Caf's validation are missing.
    tab(page, "Texte")
    page.get_by_role("link", name="Signer la convention…").click()
    expect(page.get_by_role("heading", name="Signer la convention")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Signée le").fill(SIGNED.isoformat())
    page.get_by_label("Signée à").fill("Bourg-Achard")
    page.get_by_role("button", name="Signer la convention").click()
    refusal = page.get_by_role("alert").filter(has_text="La convention ne peut pas être signée")
    expect(refusal).to_contain_text(f"Délibération manquante (annexe 7) : {EPCI}.")
    expect(refusal).to_contain_text(f"Délibération manquante (annexe 7) : {COMMUNE}.")
    expect(refusal).to_contain_text("Indiquez l'instance de la Caf qui a validé la convention")
    expect(refusal).not_to_contain_text("thématique")
    assert_accessible(page)

    # Annexe 7: the two deliberations.
    page.get_by_role("link", name="annexe 7", exact=True).click()
    page.get_by_role("link", name="Modifier l'annexe 7").click()
    deliberations = [(EPCI, "Conseil communautaire", "DE-112"), (COMMUNE, "Conseil municipal", "045")]
    for row, (organisation, body, number) in enumerate(deliberations, start=1):
        page.get_by_role("button", name="Ajouter une délibération").click()
        page.get_by_label(f"Collectivité (délibération {row})").select_option(label=organisation)
        page.get_by_label(f"Instance (délibération {row})").fill(body)
        page.get_by_label(f"Date (délibération {row})").fill(DELIBERATED.isoformat())
        page.get_by_label(f"Numéro (délibération {row})").fill(number)
        page.get_by_label(f"Objet (délibération {row})").fill(f"Approbation de la {TITLE.lower()}")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("region", name="Annexe 7", exact=False)).to_contain_text("Conseil municipal")
    assert_accessible(page)

    # The Caf's validation, on the signing page, then the signature.
    tab(page, "Texte")
    page.get_by_role("link", name="Signer la convention…").click()
    page.get_by_label("Validée par (instance de la Caf)").fill("Commission d'action sociale")
    page.get_by_label("Validée par la Caf le").fill(VALIDATED.isoformat())
    page.get_by_role("button", name="Enregistrer la validation par la Caf").click()
    expect(page.get_by_text("La validation par la Caf est enregistrée.")).to_be_visible()
    expect(page.locator("#deliberations")).to_contain_text(f"{COMMUNE} : Conseil municipal du {DELIBERATED:%d/%m/%Y}")
    page.get_by_label("Signée le").fill(SIGNED.isoformat())
    page.get_by_label("Signée à").fill("Bourg-Achard")
    page.get_by_role("button", name="Signer la convention").click()
    expect(page.get_by_text("La convention est signée.")).to_be_visible()
    expect(page.locator(".convention-header")).to_contain_text("Signée")
    assert_accessible(page)

    # The PDF of the signed CTG holds what was written, not the model it replaced.
    with page.expect_download() as download:
        page.get_by_role("link", name="Document PDF complet").click()
    _, text = pdf_text(Path(download.value.path()).read_bytes())
    assert EDITED_ARTICLE in text and EDITED_VISA in text
    assert MODEL_ARTICLE not in text and MODEL_VISA not in text
    for title in FICHES:
        assert title in text
