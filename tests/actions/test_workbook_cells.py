"""The tracking workbook import facing cells openpyxl cannot convert, crafted in the file's XML as
another program (or a hostile user) could write them: a French error at the cell, never a 500,
and nothing written."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tests.actions.helpers import snapshot, upload, with_cells, workbook_bytes
from tests.factories import users_for
from tests.helpers import text

pytestmark = pytest.mark.django_db


def a_date_out_of_range(workbook):
    """F2 as Excel writes a date (a day number with a date style), then a day no calendar has."""
    workbook["Suivi"]["F2"] = datetime.date(2026, 1, 1)
    workbook["Suivi"]["J2"] = "Une difficulté"


@pytest.mark.parametrize("sheet, cells, error", [
    (1, {"H2": '<c r="H2" t="n"><v>abc</v></c>'}, "Suivi!H2 : valeur « abc » illisible : la cellule est de type nombre"),
    (2, {"H2": '<c r="H2"><v>12,5</v></c>'},
     "Indicateurs!H2 : valeur « 12,5 » illisible : la cellule est de type nombre"),
    (1, {"F3": '<c r="F3" t="d"><v>2026-13-45</v></c>'},
     "Suivi!F3 : date « 2026-13-45 » illisible : la cellule est de type date"),
    (1, {"A3": '<c r="A3" t="s"><v>99</v></c>'}, "Suivi!A3 : texte n°99 absent du classeur : le classeur est abîmé"),
    (1, {"G2": '<c r="G2" t="b"><v>fini</v></c>'},
     "Suivi!G2 : valeur « fini » illisible : la cellule est de type vrai/faux"),
    (1, "date", "Suivi!F2 : date illisible : « 1e20 » n'est pas un jour du calendrier d'Excel"),
])
def test_a_wrongly_typed_cell_is_reported_at_its_cell(tracking_plan, client, sheet, cells, error):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    if cells == "date":
        content = workbook_bytes(convention, edit=a_date_out_of_range)
        xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
        style = re.search(r'<c r="F2" s="(\d+)"', xml).group(1)
        content = with_cells(content, 1, {"F2": f'<c r="F2" s="{style}" t="n"><v>1e20</v></c>'})
    else:
        # With a good change on another row, which must not be written either.
        content = with_cells(workbook_bytes(convention, edit=lambda wb: wb["Suivi"].__setitem__("J2", "Une difficulté")),
                             sheet, cells)
    before = snapshot()
    response = upload(client, convention, content)
    page = text(response)
    assert response.status_code == 200
    assert error in page and "aucune donnée n'a été modifiée" in page
    # The unreadable cell is reported once, as unreadable (not also as empty).
    cell = error.split(" : ")[0]
    assert page.count(f"{cell} :") == 1
    assert snapshot() == before


def test_unreadable_cells_are_listed_with_the_other_errors(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])

    def edit(workbook):
        workbook["Suivi"]["G3"] = "fini"

    content = with_cells(workbook_bytes(convention, edit=edit), 1, {
        "H2": '<c r="H2" t="n"><v>beaucoup</v></c>', "H4": '<c r="H4" t="n"><v>1.2.3</v></c>',
    })
    page = text(upload(client, convention, content))
    assert "Suivi!H2 : valeur « beaucoup » illisible" in page
    assert "Suivi!G3 : statut inconnu « fini »" in page
    assert "Suivi!H4 : valeur « 1.2.3 » illisible" in page
    assert "3 erreurs à corriger" in page


def test_the_command_reports_an_unreadable_cell(tracking_plan, tmp_path):
    convention, *_ = tracking_plan
    path = tmp_path / "suivi.xlsx"
    path.write_bytes(with_cells(workbook_bytes(convention), 1, {"H2": '<c r="H2"><v>abc</v></c>'}))
    with pytest.raises(CommandError, match="Suivi!H2 : valeur « abc » illisible : la cellule est de type nombre"):
        call_command("import_suivi", "roumois", str(path))


def test_a_far_period_or_a_value_that_is_no_number_is_refused(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])

    def edit(workbook):
        workbook["Suivi"]["F2"] = "9999-T4"
        workbook["Indicateurs"]["H2"] = "nan"

    before = snapshot()
    page = text(upload(client, convention, workbook_bytes(convention, edit=edit)))
    assert "Suivi!F2 : période « 9999-T4 » hors limites : années 1900 à 2200" in page
    assert "Indicateurs!H2 : valeur « nan » invalide : nombre attendu" in page
    assert snapshot() == before


def test_a_comment_longer_than_the_form_takes_is_refused_at_its_cell(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    content = workbook_bytes(convention, edit=lambda wb: wb["Suivi"].__setitem__("I2", "x" * 20_001))
    page = text(upload(client, convention, content))
    assert "Suivi!I2 : texte de 20\N{NO-BREAK SPACE}001 caractères : 20\N{NO-BREAK SPACE}000 au plus" in page
    assert snapshot() == before
