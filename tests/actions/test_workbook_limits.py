"""The tracking workbook import facing files small on disk and huge inside (issue 14): each is
refused in French, fast, with little memory, before openpyxl parses it, and nothing is written."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tests.actions.helpers import snapshot, upload, with_cells, with_shared_strings, workbook_bytes
from tests.factories import users_for
from tests.helpers import edited_zip, repeated, text

pytestmark = pytest.mark.django_db


def refused_fast(client, convention, content, message):
    before = snapshot()
    started = time.perf_counter()
    response = upload(client, convention, content)
    elapsed = time.perf_counter() - started
    page = text(response)
    assert response.status_code == 200
    assert message in page and "aucune donnée n'a été modifiée" in page
    assert snapshot() == before
    assert elapsed < 5, elapsed


def peak_memory(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_sixty_million_shared_strings_are_refused(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    bomb = with_shared_strings(workbook_bytes(convention), repeated(b"<si/>" * 200_000, 300))
    assert len(bomb) < 1024 * 1024  # 300 Mo once unzipped
    refused_fast(client, convention, bomb, "Le fichier est trop volumineux une fois décompressé")
    assert peak_memory(lambda: upload(client, convention, bomb)) < 20 * 1024 * 1024


def test_a_directory_lying_about_the_shared_strings_size_is_refused(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    data, crc, size = repeated(b"<si/>" * 200_000, 300)
    bomb = with_shared_strings(workbook_bytes(convention), (data, crc, size, 4096))
    refused_fast(client, convention, bomb, "L'archive est abîmée")
    assert peak_memory(lambda: upload(client, convention, bomb)) < 20 * 1024 * 1024


def test_too_many_shared_strings_are_refused(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    strings = "".join(f"<si><t>{n * 7919 % 1000003}</t></si>" for n in range(50_001))
    xml = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>'.encode()
    content = with_shared_strings(workbook_bytes(convention), xml)
    refused_fast(client, convention, content, "Le classeur contient plus de 50\N{NO-BREAK SPACE}000 textes différents")


def test_a_value_a_million_rows_down_is_refused(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    content = workbook_bytes(convention, edit=lambda wb: wb["Suivi"].__setitem__("A1000000", "x"))
    refused_fast(client, convention, content,
                 "La feuille « Suivi » a des valeurs au-delà de la ligne 10\N{NO-BREAK SPACE}000")


def test_a_sheet_of_too_many_cells_is_refused(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    content = workbook_bytes(convention)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    rows = "".join(
        f'<row r="{row}">' + "".join(f"<c><v>{(row * 101 + column) * 7919 % 1000003}</v></c>" for column in range(101))
        + "</row>"
        for row in range(10, 510)
    )
    content = edited_zip(content, {"xl/worksheets/sheet1.xml": xml.replace("</sheetData>", rows + "</sheetData>")})
    refused_fast(client, convention, content, "La feuille « Suivi » a plus de 50\N{NO-BREAK SPACE}000 cellules")


def test_a_cell_longer_than_excel_allows_is_an_error_at_the_cell(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    # openpyxl cuts a text at Excel's limit when it writes one: another program may not.
    content = with_cells(workbook_bytes(convention), 1,
                         {"I2": f'<c r="I2" t="inlineStr"><is><t>{"mot " * 10_000}</t></is></c>'})
    refused_fast(client, convention, content,
                 "Suivi!I2 : texte de 40\N{NO-BREAK SPACE}000 caractères : 32\N{NO-BREAK SPACE}767 au plus")


def test_the_command_refuses_a_bomb_too(tracking_plan, tmp_path):
    convention, *_ = tracking_plan
    path = tmp_path / "suivi.xlsx"
    path.write_bytes(with_shared_strings(workbook_bytes(convention), repeated(b"<si/>" * 200_000, 300)))
    with pytest.raises(CommandError, match="Le fichier est trop volumineux une fois décompressé"):
        call_command("import_suivi", "roumois", str(path))
