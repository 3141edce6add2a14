"""The plan workbook in the pages: download per role, upload → preview → confirm without
JavaScript, the kept file between the two, refusals."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from actions.models import Fiche
from conventions.enums import ConventionStatus
from tests.actions.helpers import plan_bytes
from tests.factories import users_for
from tests.helpers import text

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 1)


@pytest.fixture
def plan(preparation_plan):
    convention, accueil, parents = preparation_plan
    return convention, users_for(convention)


def renamed(workbook):
    workbook["Plan"]["D2"] = "Développer l'accueil du jeune enfant"


def post_workbook(client, convention, content):
    file = io.BytesIO(content)
    file.name = "plan.xlsx"
    return client.post(reverse("actions:plan_import", args=[convention.slug]), {"workbook": file})


def confirm_form(response):
    """The confirmation form of a preview: its address and its hidden digest."""
    page = response.content.decode()
    action = re.search(r'action="([^"]*/plan/import/[^"]+/)"', page).group(1)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    return action, digest


def kept_files():
    try:
        return default_storage.listdir("imports-plan")[1]
    except FileNotFoundError:
        return []


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 200), ("outsider", 404)])
def test_model_and_export_download_per_role(client, plan, role, status):
    convention, users = plan
    client.force_login(users[role])
    model = client.get(reverse("actions:plan_template", args=[convention.slug]))
    export = client.get(reverse("actions:plan_export", args=[convention.slug]) + "?date=2026-03-01")
    assert (model.status_code, export.status_code) == (status, status)
    if status == 200:
        assert model["Content-Disposition"] == 'attachment; filename="plan-vexin-modele.xlsx"'
        assert export["Content-Disposition"] == 'attachment; filename="plan-vexin-2026-03-01.xlsx"'
        rows = list(openpyxl.load_workbook(io.BytesIO(export.content))["Plan"].iter_rows(min_row=2, values_only=True))
        assert rows[0][3] == "Développer l'accueil"


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 403), ("outsider", 404)])
def test_import_page_per_role(client, plan, role, status):
    convention, users = plan
    client.force_login(users[role])
    assert client.get(reverse("actions:plan_import", args=[convention.slug])).status_code == status
    assert post_workbook(client, convention, plan_bytes(convention, ON, edit=renamed)).status_code == status
    assert kept_files() == [] or status == 200


@pytest.mark.parametrize("role, import_button", [("caf", True), ("coordinateur", True), ("elu", False)])
def test_plan_page_buttons(client, plan, role, import_button):
    convention, users = plan
    client.force_login(users[role])
    page = text(client.get(reverse("actions:plan", args=[convention.slug]) + "?date=2026-03-01"))
    assert "Télécharger le modèle" in page and "Exporter le plan (Excel, en vigueur au 01/03/2026)" in page
    assert "/plan/export.xlsx?date=2026-03-01" in page
    assert ("Importer un classeur" in page) is import_button


def test_upload_preview_then_confirm(client, plan):
    convention, users = plan
    client.force_login(users["coordinateur"])
    response = post_workbook(client, convention, plan_bytes(convention, ON, edit=renamed))
    page = text(response)
    assert response.status_code == 200
    assert "Aperçu : 1 action modifiée" in page
    assert "Action 1 — Développer l'accueil : intitulé : « Développer l'accueil » → « Développer l'accueil du jeune enfant »" in page
    assert not Fiche.objects.filter(title="Développer l'accueil du jeune enfant").exists()
    assert len(kept_files()) == 1
    action, digest = confirm_form(response)
    response = client.post(action, {"digest": digest}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("actions:plan", args=[convention.slug])
    assert "Classeur importé : 1 action modifiée." in text(response)
    fiche = Fiche.objects.get(title="Développer l'accueil du jeune enfant")
    assert fiche.history.latest().history_user == users["coordinateur"]
    assert kept_files() == []
    # The same confirmation again: the kept file is gone.
    response = client.post(action, {"digest": digest}, follow=True)
    assert "Cet aperçu a expiré ou a déjà servi" in text(response)


def test_export_then_import_says_no_change(client, plan):
    convention, users = plan
    client.force_login(users["caf"])
    response = post_workbook(client, convention, plan_bytes(convention, ON))
    page = text(response)
    assert response.status_code == 200 and "Aucune modification" in page
    assert "Confirmer l'import" not in page and kept_files() == []


def test_errors_are_listed_by_cell_and_nothing_is_kept(client, plan):
    convention, users = plan
    client.force_login(users["caf"])

    def broken(workbook):
        workbook["Plan"]["E3"] = "petite-enfance"

    response = post_workbook(client, convention, plan_bytes(convention, ON, edit=broken))
    page = text(response)
    assert response.status_code == 200
    assert "Import refusé : le plan d'actions n'est pas modifié" in page
    assert "Plan!E3 : thématique inconnue « petite-enfance »" in page
    assert kept_files() == []


def test_an_oversized_or_missing_file_is_refused(client, plan):
    convention, users = plan
    client.force_login(users["caf"])
    response = post_workbook(client, convention, b"x" * (5 * 1024 * 1024 + 1))
    assert response.status_code == 200 and "5 Mo au plus" in text(response)
    response = client.post(reverse("actions:plan_import", args=[convention.slug]), {})
    assert response.status_code == 200 and "Ce champ est obligatoire" in text(response)


def test_cancel_forgets_the_file(client, plan):
    convention, users = plan
    client.force_login(users["caf"])
    response = post_workbook(client, convention, plan_bytes(convention, edit=lambda w: w["Plan"].append(
        ["Axe 1", None, None, "Créer une ludothèque", "Parentalité"])))
    action, digest = confirm_form(response)
    response = client.post(action, {"digest": digest, "annuler": "1"}, follow=True)
    assert "Import annulé" in text(response) and kept_files() == []
    assert not Fiche.objects.filter(title="Créer une ludothèque").exists()


def test_the_token_opens_only_for_its_uploader(client, plan):
    convention, users = plan
    client.force_login(users["caf"])
    action, digest = confirm_form(post_workbook(client, convention, plan_bytes(convention, ON, edit=renamed)))
    client.force_login(users["coordinateur"])
    response = client.post(action, {"digest": digest}, follow=True)
    assert "Cet aperçu a expiré ou a déjà servi" in text(response)
    assert not Fiche.objects.filter(title="Développer l'accueil du jeune enfant").exists()
    assert client.post(action.replace(action.rsplit("/", 2)[1], "../../etc"), {"digest": digest}).status_code in (302, 404)


def test_a_plan_changed_since_the_preview_is_previewed_again(client, plan):
    convention, users = plan
    client.force_login(users["caf"])
    action, digest = confirm_form(post_workbook(client, convention, plan_bytes(convention, ON,
                                                                               edit=renamed)))
    Fiche.objects.filter(key="parents").update(title="Accompagner les parents")
    response = client.post(action, {"digest": digest})
    page = text(response)
    assert response.status_code == 409
    assert "Le plan d'actions a changé depuis l'aperçu" in page
    assert "Action 2 — Accompagner les parents : intitulé" in page
    assert not Fiche.objects.filter(title="Développer l'accueil du jeune enfant").exists()
    new_action, new_digest = confirm_form(response)
    assert new_action == action and new_digest != digest
    client.post(action, {"digest": new_digest})
    assert Fiche.objects.filter(title="Développer l'accueil du jeune enfant").exists()
    assert Fiche.objects.get(key="parents").title == "Soutenir les parents"


def test_a_signed_convention_refuses_the_import_with_its_reason(client, plan):
    convention, users = plan
    client.force_login(users["caf"])
    action, digest = confirm_form(post_workbook(client, convention, plan_bytes(convention, ON, edit=renamed)))
    convention.status = ConventionStatus.SIGNEE
    convention.save()
    for response in (client.get(reverse("actions:plan_import", args=[convention.slug])),
                     client.post(action, {"digest": digest})):
        assert response.status_code == 403
        assert "ne changent plus que par avenant" in text(response)
    page = text(client.get(reverse("actions:plan", args=[convention.slug])))
    assert "Importer un classeur" not in page and "Télécharger le modèle" in page
    assert not Fiche.objects.filter(title="Développer l'accueil du jeune enfant").exists()
