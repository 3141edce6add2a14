import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from actions.models import Update
from tests.browser import log_in
from tests.factories import (
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
    users_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("CTG_SCREENSHOTS", tempfile.gettempdir()))


def test_edit_a_tracking_row_in_place(live_server, page):
    convention = ConventionFactory()
    fiche = FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles")
    IndicatorFactory(fiche=fiche, name="Enfants accueillis", unit="enfants", target=40)
    other = FicheFactory(axis=fiche.axis, number=2, key="parents", title="Soutenir les parents")
    UpdateFactory(fiche=other, period="2026-T1", status="en_cours", comment="Inchangé")
    user = users_for(convention)["coordinateur"]
    user.first_name, user.last_name = "Claire", "Durand"
    user.save()

    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/conventions/{convention.slug}/suivi/2026-T1/")
    row = page.locator("#suivi-passerelles")
    expect(row).to_contain_text("Sans suivi ce trimestre")
    row.get_by_role("link", name="Mettre à jour le suivi de l'action 1").click()

    # The row turns into a form in place; a mistake keeps the typed values on the row.
    page.get_by_label("Statut").select_option(label="En cours")
    page.get_by_label("Avancement (%)").fill("60")
    page.get_by_label("Commentaire").fill("Deux passerelles ouvertes")
    page.get_by_label("Enfants accueillis (enfants)").fill("dix-huit")
    page.get_by_role("button", name="Enregistrer la ligne").click()
    expect(row).to_contain_text("La ligne n'est pas enregistrée")
    expect(row).to_contain_text("Saisissez un nombre")
    expect(page.get_by_label("Commentaire")).to_have_value("Deux passerelles ouvertes")
    expect(page.get_by_label("Avancement (%)")).to_have_value("60")
    assert not Update.objects.filter(fiche=fiche).exists()

    page.get_by_label("Enfants accueillis (enfants)").fill("18")
    page.get_by_role("button", name="Enregistrer la ligne").click()
    expect(row).to_contain_text("Enregistré : statut : — → En cours")
    expect(row).to_contain_text("Claire Durand")
    expect(row).to_contain_text("60 %")
    expect(row).not_to_contain_text("Sans suivi ce trimestre")
    # Only that row changed: the page was not reloaded and the other row is as it was.
    expect(page.locator("#suivi-parents")).to_contain_text("Inchangé")
    update = Update.objects.get(fiche=fiche, period="2026-T1")
    assert (update.status, update.progress, update.indicator_values.get().value) == ("en_cours", 60, 18)


def test_two_people_saving_one_row(live_server, browser):
    """Two browsers on one row: the second sees the first's values on the row, keeps its typing
    (several lines), and confirms."""
    convention = ConventionFactory()
    fiche = FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles")
    UpdateFactory(fiche=fiche, period="2026-T1", status="en_cours", comment="Premier trimestre.\nRAS.")
    users = users_for(convention)
    users["caf"].first_name, users["caf"].last_name = "Anne", "Martin"
    users["caf"].save()
    pages = []
    for role in ("caf", "coordinateur"):
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, live_server, users[role].username)
        page.goto(f"{live_server.url}/conventions/{convention.slug}/suivi/2026-T1/")
        page.get_by_role("link", name="Mettre à jour le suivi de l'action 1").click()
        expect(page.get_by_label("Commentaire")).to_be_visible()
        pages.append(page)
    first, second = pages

    first.get_by_label("Statut").select_option(label="Réalisée")
    first.get_by_role("button", name="Enregistrer la ligne").click()
    expect(first.locator("#suivi-passerelles")).to_contain_text("Enregistré : statut : En cours → Réalisée")

    second.get_by_label("Statut").select_option(label="Reportée")
    second.get_by_label("Commentaire").fill("Report à l'automne.\nFaute de locaux.")
    second.get_by_role("button", name="Enregistrer la ligne").click()
    row = second.locator("#suivi-passerelles")
    expect(row).to_contain_text("Modifié entre-temps par Anne Martin : Statut « Réalisée » (votre saisie : « Reportée »)")
    expect(row).not_to_contain_text("Commentaire « Premier trimestre.")  # only the status clashed, line breaks and all
    expect(second.get_by_label("Commentaire")).to_have_value("Report à l'automne.\nFaute de locaux.")
    assert Update.objects.get(fiche=fiche).status == "realisee"

    second.get_by_role("button", name="Enregistrer la ligne").click()
    expect(row).to_contain_text("Enregistré : statut : Réalisée → Reportée")
    update = Update.objects.get(fiche=fiche)
    assert (update.status, update.comment) == ("reportee", "Report à l'automne.\nFaute de locaux.")
    for page in pages:
        page.context.close()


def test_at_768_px_the_save_button_of_a_row_stays_reachable(live_server, browser):
    """A tablet held upright: the table scrolls sideways to reach « Mettre à jour » (its last
    column); the row form then opens on the visible part, its « Enregistrer » button on screen."""
    convention = ConventionFactory()
    fiche = FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles")
    for name in ("Enfants accueillis", "Structures engagées"):
        IndicatorFactory(fiche=fiche, name=name, unit="nombre", target=40)
    UpdateFactory(fiche=fiche, period="2025-T4", status="en_cours", progress=40, comment="Deux passerelles ouvertes.")
    other = FicheFactory(axis=fiche.axis, number=2, key="parents", title="Soutenir les parents")
    UpdateFactory(fiche=other, period="2026-T1", status="en_cours", progress=30,
                  comment="Ateliers en cours dans trois communes, bilan à venir.",
                  difficulties="Recrutement difficile d'un animateur.")
    context = browser.new_context(locale="fr-FR", viewport={"width": 768, "height": 1024})
    page = context.new_page()
    log_in(page, live_server, users_for(convention)["coordinateur"].username)
    page.goto(f"{live_server.url}/conventions/{convention.slug}/suivi/2026-T1/")
    assert page.evaluate("() => { const s = document.querySelector('.table-scroll'); return s.scrollWidth > s.clientWidth; }")
    page.get_by_role("link", name="Mettre à jour le suivi de l'action 1").click()  # scrolls the table sideways
    button = page.get_by_role("button", name="Enregistrer la ligne")
    expect(button).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "suivi-768.png"))
    box = button.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 768 and 0 <= box["y"] and box["y"] + box["height"] <= 1024, box
    expect(page.get_by_text("En 2025-T4 : 40 %")).to_be_visible()
    page.get_by_label("Statut").select_option(label="En cours")
    button.click()
    expect(page.locator("#suivi-passerelles")).to_contain_text("Enregistré")
    expect(page.locator("#suivi-resume")).to_contain_text("Toutes les actions sont suivies pour ce trimestre.")
    context.close()
