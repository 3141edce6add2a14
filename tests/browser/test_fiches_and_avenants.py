import pytest
from playwright.sync_api import expect

from conventions.enums import ConventionStatus
from tests.browser import log_in
from tests.factories import ConventionFactory, FicheFactory, users_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_open_a_convention_and_read_a_fiche(live_server, page):
    convention = ConventionFactory(title="CTG Roumois Seine")
    FicheFactory(axis__convention=convention, number=1, title="Développer les passerelles",
                 target_public="Les enfants fréquentant l'accueil périscolaire 3-11 ans")
    user = users_for(convention)["coordinateur"]

    log_in(page, live_server, user.username)
    expect(page.get_by_role("heading", name="Portefeuille des CTG")).to_be_visible()
    page.get_by_role("link", name="CTG Roumois Seine").click()
    page.get_by_role("link", name="Plan d'actions").click()
    page.get_by_role("link", name="Développer les passerelles").click()
    expect(page.get_by_role("heading", name="Action 1 — Développer les passerelles")).to_be_visible()
    expect(page.get_by_text("Les enfants fréquentant l'accueil périscolaire 3-11 ans")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Diagnostic initial")).to_be_visible()


def test_wrong_password_shows_a_french_error(live_server, page):
    convention = ConventionFactory()
    user = users_for(convention)["elu"]
    log_in(page, live_server, user.username, password="mauvais")
    expect(page.get_by_role("alert")).to_contain_text("mot de passe")


def test_filter_the_plan_edit_a_fiche_add_an_indicator_and_see_the_history(live_server, page):
    # A plan in préparation: once signed, a fiche changes only through an avenant.
    convention = ConventionFactory(title="CTG Roumois Seine", status=ConventionStatus.PREPARATION, signed_on=None)
    fiche = FicheFactory(axis__convention=convention, number=1, title="Développer les passerelles", themes=["enfance"])
    FicheFactory(axis=fiche.axis, number=2, title="Créer un LAEP", themes=["parentalite"])
    user = users_for(convention)["caf"]
    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/conventions/{convention.slug}/plan/")

    # Filtering updates the list in place and the URL, so the filtered plan can be shared.
    page.get_by_label("Thématique", exact=True).select_option("parentalite")
    expect(page.locator("#plan-results")).not_to_contain_text("Développer les passerelles")
    expect(page.locator("#plan-results")).to_contain_text("Créer un LAEP")
    assert "theme=parentalite" in page.url
    page.go_back()
    expect(page.locator("#plan-results")).to_contain_text("Développer les passerelles")

    page.goto(f"{live_server.url}/conventions/{convention.slug}/fiches/{fiche.key}/modifier/")
    page.get_by_label("Public cible").fill("Les enfants de 3 à 11 ans des Monts-du-Roumois")
    page.get_by_role("button", name="Ajouter un indicateur").click()
    page.locator('[name="indicators-0-name"]').fill("Nombre de formations organisées")
    page.locator('[name="indicators-0-target"]').fill("4")
    page.get_by_role("button", name="Ajouter un indicateur").click()
    expect(page.locator('[name="indicators-1-name"]')).to_be_visible()
    page.get_by_role("button", name="Enregistrer la fiche").click()

    expect(page.get_by_role("heading", name="Action 1 — Développer les passerelles")).to_be_visible()
    expect(page.locator("#indicateurs ~ table")).to_contain_text("Nombre de formations organisées")
    history = page.locator(".history")
    expect(history).to_contain_text("Public cible")
    expect(history).to_contain_text("Les enfants de 3 à 11 ans des Monts-du-Roumois")
    expect(history).to_contain_text(user.username)


def test_write_an_avenant_with_one_operation_and_sign_it(live_server, page):
    import datetime

    convention = ConventionFactory(title="CTG Roumois Seine", start=datetime.date(2022, 11, 29),
                                   end=datetime.date(2026, 12, 31))
    FicheFactory(axis__convention=convention, number=5, title="Aller vers les familles éloignées des services")
    user = users_for(convention)["caf"]  # coordinators draft avenants; only the Caf signs them
    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/conventions/{convention.slug}/texte/")
    page.get_by_role("link", name="Rédiger un avenant").click()
    page.get_by_label("Prend effet le").fill("2025-12-15")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("heading", name="Avenant numéro 1 à la Convention territoriale globale")).to_be_visible()

    page.get_by_text("Abroger une fiche action").click()
    page.locator("#id_abroger-fiche-fiche").select_option(label="Action 5 — Aller vers les familles éloignées des services")
    page.locator("form[action$='/operations/abroger-fiche/']").get_by_role("button", name="Ajouter à l'avenant").click()
    expect(page.locator(".operation")).to_contain_text("Abroger la fiche action « Aller vers les familles éloignées des services ».")

    page.get_by_label("Signé le").fill("2025-12-15")
    page.get_by_label("ID de l'acte").fill("027-200066405-20251215-CC_201_2025-DE")
    page.get_by_role("button", name="Signer l'avenant").click()
    expect(page.get_by_text("est signé ; il s'applique à compter du 15/12/2025")).to_be_visible()
    expect(page.get_by_role("button", name="Signer l'avenant")).to_have_count(0)

    page.goto(f"{live_server.url}/conventions/{convention.slug}/plan/?date=2025-12-16")
    expect(page.locator("#plan-results")).not_to_contain_text("Aller vers les familles")
    page.goto(f"{live_server.url}/conventions/{convention.slug}/plan/?date=2025-12-14")
    expect(page.locator("#plan-results")).to_contain_text("Aller vers les familles")
