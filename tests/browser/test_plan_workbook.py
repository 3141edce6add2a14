import os

import openpyxl
import pytest
from playwright.sync_api import expect

from actions.models import Fiche
from conventions.enums import ConventionStatus
from tests.browser import log_in
from tests.factories import ConventionFactory, FicheFactory, users_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_edit_preview_and_confirm_the_plan(live_server, page, tmp_path):
    convention = ConventionFactory(status=ConventionStatus.PREPARATION, signed_on=None)
    FicheFactory(axis__convention=convention, axis__number=1, axis__title="Petite enfance", number=1,
                 key="accueil", title="Développer l'accueil")
    log_in(page, live_server, users_for(convention)["caf"].username)
    page.goto(f"{live_server.url}/conventions/{convention.slug}/plan/")
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "plan-page.png"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter le plan").click()
    assert download.value.suggested_filename.startswith(f"plan-{convention.slug}-")
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    workbook = openpyxl.load_workbook(exported)
    workbook["Plan"]["D2"] = "Développer l'accueil du jeune enfant"
    workbook["Plan"].append(["Axe 2 — Jeunesse", None, None, "Créer un conseil de jeunes", "Jeunesse"])
    edited = tmp_path / "plan.xlsx"
    workbook.save(edited)

    page.get_by_role("link", name="Importer un classeur").click()
    page.get_by_label("Classeur Excel (.xlsx)").set_input_files(str(edited))
    page.get_by_role("button", name="Voir ce que l'import va modifier").click()
    expect(page.get_by_role("heading", name="Aperçu : 1 axe créé, 1 action créée, 1 action modifiée")).to_be_visible()
    expect(page.get_by_text("Action 2 — Créer un conseil de jeunes : créée (axe 2)")).to_be_visible()
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "plan-import-preview.png"), full_page=True)
    assert not Fiche.objects.filter(title="Créer un conseil de jeunes").exists()

    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text("Classeur importé : 1 axe créé, 1 action créée, 1 action modifiée.")).to_be_visible()
    expect(page.get_by_role("link", name="Créer un conseil de jeunes")).to_be_visible()
    assert Fiche.objects.get(key="accueil").title == "Développer l'accueil du jeune enfant"
