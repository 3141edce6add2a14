"""The quarterly tracking table: page, in-place row edit, Excel export and all-or-nothing import."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from actions.models import IndicatorValue, Update
from actions.periods import Period, periods_between
from actions.workbook import MAX_BYTES
from conventions.enums import AvenantStatus, OperationKind
from conventions.models import Operation
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
    users_for,
)

pytestmark = pytest.mark.django_db
T1 = Period(2026, 1)


@pytest.fixture
def plan():
    """Three actions; "accueil" has an indicator and a T1 update; "parents" was abrogated on
    15/02/2026 (still in force during T1, not during T2); "passerelles" came on 15/02/2026."""
    convention = ConventionFactory(slug="roumois")
    axis = AxisFactory(convention=convention, number=1, title="Petite enfance")
    accueil = FicheFactory(axis=axis, number=1, key="accueil", title="Développer l'accueil")
    indicator = IndicatorFactory(fiche=accueil, key="places", name="Places ouvertes", target=30)
    update = UpdateFactory(fiche=accueil, period="2026-T1", status="en_cours", progress=40, comment="Avancement conforme.")
    IndicatorValue.objects.create(update=update, indicator=indicator, value=12)
    parents = FicheFactory(axis=axis, number=2, key="parents", title="Soutenir les parents")
    avenant = AvenantFactory(convention=convention, number=1, effective_from=datetime.date(2026, 2, 15))
    passerelles = FicheFactory(axis=axis, number=3, key="passerelles", title="Créer des passerelles", avenant=avenant)
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ABROGATE_FICHE, target_fiche=parents)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.ADD_FICHE, fiche=passerelles)
    return convention, accueil, parents, passerelles


def page_url(convention, period=T1):
    return reverse("actions:tracking_period", args=[convention.slug, str(period)])


def row_url(convention, key, period=T1):
    return reverse("actions:tracking_row", args=[convention.slug, str(period), key])


def workbook_bytes(convention, period=T1, edit=None):
    """The exported workbook, optionally edited by `edit(workbook)` as a user would in Excel."""
    from actions.workbook import TrackingWorkbook

    content = TrackingWorkbook(period).generate(convention)[2]
    if edit is None:
        return content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def snapshot():
    return sorted(Update.objects.values_list("fiche__key", "period", "status", "progress", "comment", "difficulties")), sorted(
        IndicatorValue.objects.values_list("indicator__key", "update__period", "value")
    )


def upload(client, convention, content, name="suivi.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("actions:tracking_import", args=[convention.slug, str(T1)]), {"workbook": file})


# Periods


def test_periods_parse_label_and_bounds():
    period = Period.parse(" 2026-T4 ")
    assert (period.start, period.end, period.label) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31), "4e trimestre 2026")
    assert str(period.next()) == "2027-T1" and str(Period(2026, 1).previous()) == "2025-T4"
    assert [str(p) for p in periods_between(datetime.date(2025, 11, 5), datetime.date(2026, 4, 1))] == [
        "2025-T4", "2026-T1", "2026-T2"
    ]
    with pytest.raises(ValueError, match="attendu AAAA-Tn"):
        Period.parse("2026-Q1")


def test_rows_are_the_fiches_in_force_during_the_quarter(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    t1 = client.get(page_url(convention)).content.decode()
    assert all(title in t1 for title in ["Développer l&#x27;accueil", "Soutenir les parents", "Créer des passerelles"])
    t2 = client.get(page_url(convention, Period(2026, 2))).content.decode()
    assert "Soutenir les parents" not in t2 and "Créer des passerelles" in t2
    t4 = client.get(page_url(convention, Period(2025, 4))).content.decode()
    assert "Créer des passerelles" not in t4


def test_rows_without_update_are_marked(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["elu"])
    html = client.get(page_url(convention)).content.decode()
    assert "2 actions sans suivi à jour" in html
    assert html.count("Sans suivi ce trimestre") == 2
    assert "12" in html and "cible 30" in html


def test_tracking_redirects_to_the_chosen_or_current_quarter(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    response = client.get(reverse("actions:tracking", args=[convention.slug]) + "?periode=2024-T3")
    assert response.url == page_url(convention, Period(2024, 3))
    # Outside the convention: the nearest quarter.
    response = client.get(reverse("actions:tracking", args=[convention.slug]) + "?periode=2031-T1")
    assert response.url == page_url(convention, Period(2026, 4))
    assert client.get(page_url(convention, Period(2030, 1))).status_code == 404
    assert client.get(reverse("actions:tracking_period", args=[convention.slug, "2026-T9"])).status_code == 404


# Roles


@pytest.mark.parametrize("role, page, edit", [
    ("caf", 200, 200), ("coordinateur", 200, 200), ("elu", 200, 403), ("outsider", 404, 404),
])
def test_roles(plan, client, role, page, edit):
    convention, *_ = plan
    client.force_login(users_for(convention)[role])
    response = client.get(page_url(convention))
    assert response.status_code == page
    if page == 200:
        assert ("Mettre à jour" in response.content.decode()) == (edit == 200)
        assert client.get(reverse("actions:tracking_export", args=[convention.slug, "2026-T1"])).status_code == 200
    before = snapshot()
    response = client.post(row_url(convention, "parents"), {"parents-status": "realisee"}, headers={"HX-Request": "true"})
    assert response.status_code == edit
    assert client.post(reverse("actions:tracking_copy", args=[convention.slug, "2026-T2"])).status_code in (
        (302,) if edit == 200 else (edit,)
    )
    if edit != 200:
        assert upload(client, convention, workbook_bytes(convention)).status_code == edit
        assert snapshot() == before


# In-place row edit


def test_htmx_row_save_returns_the_row_with_who_and_when(plan, client):
    convention, *_ = plan
    user = users_for(convention)["coordinateur"]
    user.first_name, user.last_name = "Claire", "Durand"
    user.save()
    client.force_login(user)
    form = client.get(row_url(convention, "accueil"), headers={"HX-Request": "true"}).content.decode()
    assert 'name="accueil-status"' in form and 'value="12"' in form and "<html" not in form
    response = client.post(row_url(convention, "accueil"), {
        "accueil-status": "realisee", "accueil-progress": "100", "accueil-comment": "Ouverture faite.",
        "accueil-difficulties": "", f"accueil-indicator_{convention.fiches.get(key='accueil').indicators.get().pk}": "30,5",
    }, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<tr id="suivi-accueil"')
    assert "Réalisée" in html and "Claire Durand" in html and "statut : En cours → Réalisée" in html
    update = Update.objects.get(fiche__key="accueil", period="2026-T1")
    assert (update.status, update.progress, update.updated_by, update.indicator_values.get().value) == ("realisee", 100, user, 30.5)
    # The history says who changed what.
    assert update.history.first().history_user == user
    assert update.history.count() == 2


def test_row_error_stays_on_the_row_with_typed_values(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    response = client.post(row_url(convention, "accueil"), {
        "accueil-status": "en_cours", "accueil-progress": "140", "accueil-comment": "Texte tapé à garder",
    }, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<tr id="suivi-accueil"')
    assert "inférieure ou égale à 100" in html and "Texte tapé à garder" in html and 'value="140"' in html
    assert snapshot() == before


def test_row_edit_without_htmx(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    response = client.get(row_url(convention, "parents"))
    assert response.status_code == 302 and "?modifier=parents" in response.url
    page = client.get(response.url).content.decode()
    assert 'name="parents-status"' in page
    response = client.post(row_url(convention, "parents"), {"parents-status": ""})
    assert response.status_code == 400 and "Ce champ est obligatoire" in response.content.decode()
    response = client.post(row_url(convention, "parents"), {"parents-status": "reportee", "parents-comment": "Reporté"})
    assert response.status_code == 302
    assert Update.objects.get(fiche__key="parents", period="2026-T1").status == "reportee"


def test_a_fiche_not_in_force_has_no_row(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    assert client.get(row_url(convention, "parents", Period(2026, 2)), headers={"HX-Request": "true"}).status_code == 404


def test_copy_previous_quarter_marks_rows_to_check(plan, client):
    convention, accueil, *_ = plan
    user = users_for(convention)["caf"]
    client.force_login(user)
    response = client.post(reverse("actions:tracking_copy", args=[convention.slug, "2026-T2"]), follow=True)
    assert "1 ligne reprise du trimestre 2026-T1" in response.content.decode()
    copy = Update.objects.get(fiche=accueil, period="2026-T2")
    assert (copy.status, copy.progress, copy.copied_from, copy.indicator_values.get().value) == ("en_cours", 40, "2026-T1", 12)
    html = client.get(page_url(convention, Period(2026, 2))).content.decode()
    assert "Repris de 2026-T1, à vérifier" in html
    # Saving the row unchanged confirms it.
    client.post(row_url(convention, "accueil", Period(2026, 2)), {"accueil-status": "en_cours", "accueil-progress": "40",
                                                                   "accueil-comment": "Avancement conforme.",
                                                                   f"accueil-indicator_{accueil.indicators.get().pk}": "12"})
    copy.refresh_from_db()
    assert copy.copied_from == ""
    # Nothing left to copy: a clear message, nothing written.
    response = client.post(reverse("actions:tracking_copy", args=[convention.slug, "2026-T2"]), follow=True)
    assert "Aucune ligne à reprendre" in response.content.decode()


# Excel export


def test_export_follows_the_spec(plan, client):
    convention, *_ = plan
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
    indicateurs = workbook["Indicateurs"]
    assert [c.value for c in indicateurs[2]] == ["accueil", "Développer l'accueil", "places", "Places ouvertes", "nombre",
                                                 30, "2026-T1", 12]


def test_text_starting_with_equals_is_exported_as_text(plan):
    convention, accueil, *_ = plan
    Update.objects.filter(fiche=accueil).update(comment="=HYPERLINK(\"http://evil\")")
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes(convention)))
    assert workbook["Suivi"]["I2"].data_type == "s"


# Excel import


def test_round_trip_changes_nothing(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    response = upload(client, convention, workbook_bytes(convention))
    assert response.status_code == 200
    assert "Aucune modification" in response.content.decode()
    assert snapshot() == before


def test_good_workbook_reports_what_changed(plan, client):
    convention, *_ = plan
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
def test_each_bad_cell_is_reported_and_nothing_changes(plan, client, edit, error):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])

    def edit_and_change_another_row(workbook):
        workbook["Suivi"]["G2" if "G2" not in error and "H2" not in error else "J2"] = "Réalisée"
        edit(workbook)

    before = snapshot()
    response = upload(client, convention, workbook_bytes(convention, edit=edit_and_change_another_row))
    html = response.content.decode()
    assert response.status_code == 400
    assert escape(error) in html and "aucune donnée n&#x27;a été modifiée" in html
    assert snapshot() == before


def test_a_fiche_not_in_force_in_the_quarter_is_refused(plan, client):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    # The T2 workbook, with a good change on its first row and the abrogated action added back.

    def edit(workbook):
        workbook["Suivi"]["G2"] = "Réalisée"
        workbook["Suivi"].append(["parents", 2, "", "", "", "2026-T2", "En cours"])

    response = upload(client, convention, workbook_bytes(convention, Period(2026, 2), edit=edit))
    assert "l&#x27;action « parents » n&#x27;est pas en vigueur au 2026-T2" in response.content.decode()
    assert snapshot() == before


def test_several_errors_are_all_listed(plan, client):
    convention, *_ = plan
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
def test_unreadable_workbooks_are_refused_with_one_message(plan, client, content, name, message):
    convention, *_ = plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    response = upload(client, convention, content(), name)
    assert response.status_code == 400 and message in response.content.decode()
    assert snapshot() == before


def test_headers_are_found_by_text_in_any_order_and_case(plan):
    convention, accueil, *_ = plan
    content = make_workbook({"Suivi": [[" statut ", "CLÉ", "Période", "Autre"], ["Réalisée", "accueil", "2026-T1", "x"]]})
    path = io.BytesIO(content)
    from actions.workbook import read_tracking_workbook

    period, rows = read_tracking_workbook(convention, path)
    assert period == T1 and rows[0][0] == accueil and rows[0][1].status == "realisee"
    # Columns left out of the workbook keep their stored values.
    assert rows[0][1].comment is None and not rows[0][1].progress_given


# Commands


def test_commands_export_then_import(plan, tmp_path, capsys):
    convention, *_ = plan
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


def test_avenant_draft_fiche_is_not_tracked(plan, client):
    convention, *_ = plan
    draft = AvenantFactory(convention=convention, number=2, status=AvenantStatus.BROUILLON, effective_from=datetime.date(2026, 1, 1))
    FicheFactory(axis=convention.axes.get(), number=9, key="brouillon", title="Proposer une action", avenant=draft)
    client.force_login(users_for(convention)["caf"])
    assert "Proposer une action" not in client.get(page_url(convention)).content.decode()


def test_fiche_page_shows_who_changed_the_tracking(plan, client):
    convention, accueil, *_ = plan
    user = users_for(convention)["coordinateur"]
    user.first_name, user.last_name = "Claire", "Durand"
    user.save()
    client.force_login(user)
    client.post(row_url(convention, "accueil"), {"accueil-status": "realisee", "accueil-progress": "100",
                                                 "accueil-comment": "Avancement conforme."})
    html = client.get(reverse("actions:fiche", args=[convention.slug, "accueil"])).content.decode()
    assert "Historique du suivi (2 modifications)" in html
    assert "Claire Durand, 2026-T1 : statut : En cours → Réalisée ; avancement : 40 % → 100 %" in html
