"""The tracking workbook: the Excel export, the all-or-nothing import with every error by cell,
the export_suivi and import_suivi commands."""

import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from actions.models import Update
from actions.periods import Period
from actions.workbook import MAX_BYTES
from tests.actions.helpers import T1, snapshot, upload, workbook_bytes
from tests.factories import AxisFactory, ConventionFactory, FicheFactory, users_for

pytestmark = pytest.mark.django_db


# Excel export


def test_export_follows_the_spec(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["elu"])
    response = client.get(reverse("actions:tracking_export", args=[convention.slug, "2026-T1"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    suivi = workbook["Suivi"]
    assert [c.value for c in suivi[1]] == ["Clé", "N°", "Axe", "Action", "Pilote", "Période", "Statut", "Avancement (%)",
                                           "Commentaire", "Difficultés"]
    assert suivi.freeze_panes == "A2" and suivi["A1"].font.b
    assert [c.value for c in suivi[2]][:8] == ["accueil", 1, "1 — Petite enfance", "Développer l'accueil",
                                               "Service enfance/jeunesse", "2026-T1", "En cours", 40]
    assert suivi.max_row == 4
    validations = {str(v.sqref): v for v in suivi.data_validations.dataValidation}
    assert "Réalisée" in validations["G2:G4"].formula1 and validations["H2:H4"].type == "whole"
    # Excel shows the alert and refuses a status typed off the list, a progress out of 0–100.
    assert [(v.showErrorMessage, v.errorStyle, v.errorTitle, v.error) for v in validations.values()] == [
        (True, "stop", "Statut inconnu", "Choisissez un statut de la liste."),
        (True, "stop", "Avancement invalide", "Un nombre entier de 0 à 100."),
    ]
    indicateurs = workbook["Indicateurs"]
    assert [c.value for c in indicateurs[2]] == ["accueil", "Développer l'accueil", "places", "Places ouvertes", "nombre",
                                                 30, "2026-T1", 12]


def test_text_starting_with_equals_is_exported_as_text(tracking_plan):
    convention, accueil, *_ = tracking_plan
    Update.objects.filter(fiche=accueil).update(comment="=HYPERLINK(\"http://evil\")")
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes(convention)))
    assert workbook["Suivi"]["I2"].data_type == "s"


# Excel import


def test_round_trip_changes_nothing(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    response = upload(client, convention, workbook_bytes(convention))
    assert response.status_code == 200
    assert "Aucune modification" in response.content.decode()
    assert snapshot() == before


def test_good_workbook_reports_what_changed(tracking_plan, client):
    convention, *_ = tracking_plan
    user = users_for(convention)["coordinateur"]
    client.force_login(user)

    def edit(workbook):
        suivi = workbook["Suivi"]
        suivi["G2"], suivi["H2"] = "Réalisée", 100
        suivi["G3"], suivi["J3"] = "reportee", "Manque de locaux"  # a slug is accepted too
        workbook["Indicateurs"]["H2"] = 28

    response = upload(client, convention, workbook_bytes(convention, edit=edit))
    html = response.content.decode()
    assert "2 actions modifiées, 0 inchangée" in html
    assert "statut : En cours → Réalisée" in html and "Places ouvertes : 12 → 28" in html
    accueil = Update.objects.get(fiche__key="accueil", period="2026-T1")
    parents = Update.objects.get(fiche__key="parents", period="2026-T1")
    assert (accueil.status, accueil.progress, accueil.indicator_values.get().value) == ("realisee", 100, 28)
    assert (parents.status, parents.difficulties, parents.updated_by) == ("reportee", "Manque de locaux", user)
    assert accueil.history.first().history_user == user


@pytest.mark.parametrize("edit, error", [
    (lambda wb: wb["Suivi"].__setitem__("G2", "fini"), "Suivi!G2 : statut inconnu « fini »"),
    (lambda wb: wb["Suivi"].__setitem__("H2", 140), "Suivi!H2 : avancement 140 hors de l'intervalle 0 à 100"),
    (lambda wb: wb["Suivi"].__setitem__("H2", "beaucoup"), "Suivi!H2 : avancement « beaucoup » invalide"),
    (lambda wb: wb["Suivi"].__setitem__("A3", "inconnue"), "Suivi!A3 : aucune action de cette convention n'a la clé « inconnue »"),
    (lambda wb: wb["Suivi"].__setitem__("F3", "2026-T2"), "Suivi!F3 : période 2026-T2 différente de celle des autres lignes"),
    (lambda wb: wb["Indicateurs"].__setitem__("H2", "douze"), "Indicateurs!H2 : valeur « douze » invalide : nombre attendu"),
    (lambda wb: wb["Indicateurs"].__setitem__("C2", "autre"), "Indicateurs!C2 : indicateur « autre » inconnu"),
    (lambda wb: wb["Suivi"].__setitem__("I4", "Sans statut"), "Suivi!G4 : statut manquant"),
])
def test_each_bad_cell_is_reported_and_nothing_changes(tracking_plan, client, edit, error):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])

    def edit_and_change_another_row(workbook):
        workbook["Suivi"]["G2" if "G2" not in error and "H2" not in error else "J2"] = "Réalisée"
        edit(workbook)

    before = snapshot()
    response = upload(client, convention, workbook_bytes(convention, edit=edit_and_change_another_row))
    html = response.content.decode()
    assert response.status_code == 200
    assert escape(error) in html and "aucune donnée n&#x27;a été modifiée" in html
    assert snapshot() == before


def test_a_fiche_not_in_force_in_the_quarter_is_refused(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    # The T2 workbook, with a good change on its first row and the abrogated action added back.

    def edit(workbook):
        workbook["Suivi"]["G2"] = "Réalisée"
        workbook["Suivi"].append(["parents", 2, "", "", "", "2026-T2", "En cours"])

    response = upload(client, convention, workbook_bytes(convention, Period(2026, 2), edit=edit))
    assert "l&#x27;action « parents » n&#x27;est pas en vigueur au 2026-T2" in response.content.decode()
    assert snapshot() == before


def test_several_errors_are_all_listed(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])

    def edit(workbook):
        workbook["Suivi"]["G2"], workbook["Suivi"]["H3"] = "fini", -5

    html = upload(client, convention, workbook_bytes(convention, edit=edit)).content.decode()
    assert "Suivi!G2 : statut inconnu « fini »" in html and "Suivi!H3 : avancement -5 hors de l&#x27;intervalle" in html
    assert "2 erreurs à corriger" in html


def make_workbook(sheets):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def word_document():
    """A .docx: a zip archive like an .xlsx, but with no workbook inside."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("content, name, message", [
    (lambda: make_workbook({"Feuil1": [["Clé"]]}), "suivi.xlsx", "Le classeur n&#x27;a pas de feuille « Suivi »."),
    (lambda: make_workbook({"Suivi": [["Clé", "Période"]]}), "suivi.xlsx", "n&#x27;a pas de colonne « Statut » en ligne 1"),
    (lambda: b"Cle;Statut\naccueil;fini\n", "suivi.csv", "Ce fichier n&#x27;est pas un classeur Excel (.xlsx)."),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "suivi.xlsx", "protégé par mot de passe"),
    (lambda: b"PK\x03\x04" + bytes(MAX_BYTES), "suivi.xlsx", "5 Mo au plus"),
    (lambda: make_workbook({"Suivi": [["Clé", "Période", "Statut"]]}), "suivi.xlsx", "ne contient aucune ligne"),
    (lambda: word_document(), "suivi.xlsx", "un document Word ou un classeur abîmé renommé en .xlsx"),
])
def test_unreadable_workbooks_are_refused_with_one_message(tracking_plan, client, content, name, message):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    response = upload(client, convention, content(), name)
    assert response.status_code == 200 and message in response.content.decode()
    assert snapshot() == before


def test_headers_are_found_by_text_in_any_order_and_case(tracking_plan):
    convention, accueil, *_ = tracking_plan
    content = make_workbook({"Suivi": [[" statut ", "CLÉ", "Période", "Autre"], ["Réalisée", "accueil", "2026-T1", "x"]]})
    path = io.BytesIO(content)
    from actions.workbook import read_tracking_workbook

    period, rows = read_tracking_workbook(convention, path)
    assert period == T1 and rows[0][0] == accueil and rows[0][1].status == "realisee"
    # Columns left out of the workbook keep their stored values.
    assert rows[0][1].comment is None and not rows[0][1].progress_given


# Commands


def test_commands_export_then_import(tracking_plan, tmp_path, capsys):
    convention, *_ = tracking_plan
    path = tmp_path / "suivi.xlsx"
    call_command("export_suivi", "roumois", "--period", "2026-T1", "--output", str(path))
    call_command("import_suivi", "roumois", str(path))
    assert "Suivi 2026-T1 : aucune modification." in capsys.readouterr().out
    workbook = openpyxl.load_workbook(path)
    workbook["Suivi"]["G2"] = "Abandonnée"
    workbook.save(path)
    call_command("import_suivi", "roumois", str(path))
    assert "statut : En cours → Abandonnée" in capsys.readouterr().out
    workbook["Suivi"]["G2"] = "fini"
    workbook.save(path)
    with pytest.raises(CommandError, match="Suivi!G2 : statut inconnu « fini »"):
        call_command("import_suivi", "roumois", str(path))
    assert Update.objects.get(fiche__key="accueil", period="2026-T1").status == "abandonnee"
    with pytest.raises(CommandError, match="attendu AAAA-Tn"):
        call_command("export_suivi", "roumois", "--period", "T1", "--output", str(path))
    with pytest.raises(CommandError, match="Le trimestre 2040-T1 est hors de la convention « roumois »"):
        call_command("export_suivi", "roumois", "--period", "2040-T1", "--output", str(path))


def test_import_of_200_rows_in_one_go():
    convention = ConventionFactory()
    axis = AxisFactory(convention=convention)
    for number in range(1, 201):
        FicheFactory(axis=axis, number=number, key=f"action-{number}")

    def edit(workbook):
        for row in range(2, 202):
            workbook["Suivi"][f"G{row}"] = "En cours"
            workbook["Suivi"][f"H{row}"] = row % 100

    content = workbook_bytes(convention, edit=edit)
    from actions import services
    from actions.workbook import read_tracking_workbook

    period, rows = read_tracking_workbook(convention, io.BytesIO(content))
    report = services.tracking_import(convention, rows, period, by=None)
    assert len(report.changes) == 200 and Update.objects.filter(period="2026-T1", status="en_cours").count() == 200
