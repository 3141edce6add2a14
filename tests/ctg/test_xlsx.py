"""Reading an uploaded workbook (ctg/xlsx.py): what openpyxl would parse whole is checked first
(shared strings, parts), rows and cells are read within limits, and a cell openpyxl cannot convert
becomes a French error for that cell instead of an exception."""

import datetime
import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from ctg import xlsx
from ctg.xlsx import SheetRows, UnreadableWorkbook, XlsxLimits, open_workbook
from ctg.zips import ZipRefused
from tests.helpers import edited_zip

SHARED_OVERRIDE = ('<Override PartName="/xl/sharedStrings.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def base_workbook():
    """A workbook whose style 1 is a date, as openpyxl writes it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Suivi"
    sheet.append(["Clé", "Nombre", "Date"])
    sheet.append(["a", 1, datetime.date(2024, 1, 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def crafted(sheet_data, shared=None, replace=None):
    """The base workbook with its sheet's rows replaced by `sheet_data` (XML), and shared strings
    (a list of `<si>` XML, or raw bytes) when given."""
    content = base_workbook()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        types = archive.read("[Content_Types].xml").decode()
    sheet = re.sub(r"<sheetData>.*</sheetData>", f"<sheetData>{sheet_data}</sheetData>", sheet)
    sheet = re.sub(r'<dimension ref="[^"]*"/>', "", sheet)
    members = {"xl/worksheets/sheet1.xml": sheet, **(replace or {})}
    if shared is not None:
        members["[Content_Types].xml"] = types.replace("</Types>", SHARED_OVERRIDE + "</Types>")
        members["xl/sharedStrings.xml"] = shared if isinstance(shared, bytes) else (
            f'<sst xmlns="{MAIN}">' + "".join(shared) + "</sst>"
        )
    return edited_zip(content, members)


def read(content, limits=None):
    limits = limits or XlsxLimits()
    workbook = open_workbook(content, limits)
    try:
        rows = SheetRows(workbook["Suivi"], limits)
        return list(rows), rows.errors
    finally:
        workbook.close()


def test_rows_are_read_with_their_numbers_and_values():
    rows, errors = read(crafted(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>c</t></is></c></row>'
        '<row r="4"><c r="B4"><v>2.5</v></c><c r="C4" s="1"><v>45292</v></c></row>',
        shared=["<si><t>Clé</t></si>"],
    ))
    assert rows == [(1, ("Clé", None, "c")), (4, (None, 2.5, datetime.datetime(2024, 1, 1)))]
    assert errors == []


@pytest.mark.parametrize("cell, message", [
    ('<c r="B2"><v>abc</v></c>', "valeur « abc » illisible : la cellule est de type nombre"),
    ('<c r="B2" t="n"><v>1,5</v></c>', "valeur « 1,5 » illisible : la cellule est de type nombre"),
    ('<c r="B2" s="1"><v>1e20</v></c>', "date illisible : « 1e20 » n'est pas un jour du calendrier d'Excel"),
    ('<c r="B2" s="1"><v>3000000</v></c>', "date illisible : « 3000000 » n'est pas un jour du calendrier d'Excel"),
    ('<c r="B2" t="d"><v>hier</v></c>', "date « hier » illisible : la cellule est de type date"),
    ('<c r="B2" t="b"><v>oui</v></c>', "valeur « oui » illisible : la cellule est de type vrai/faux"),
    ('<c r="B2" t="s"><v>7</v></c>', "texte n°7 absent du classeur : le classeur est abîmé"),
    ('<c r="B2" t="s"><v>x</v></c>', "texte n°x absent du classeur : le classeur est abîmé"),
])
def test_a_wrongly_typed_cell_is_an_error_at_that_cell(cell, message):
    rows, errors = read(crafted(
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>Clé</t></is></c></row><row r="2">{cell}<c r="C2"><v>3</v></c></row>'
        '<row r="3"><c r="B3" t="b"><v>1</v></c></row>',
        shared=["<si><t>x</t></si>"],
    ))
    assert errors == [("B2", message)]
    # The cell reads empty; the rest of its row and of the sheet is read.
    assert rows[1:] == [(2, (None, None, 3)), (3, (None, True))]


def test_a_cell_without_reference_is_named_by_its_place():
    rows, errors = read(crafted('<row r="1"><c><v>1</v></c><c><v>abc</v></c></row>'))
    assert errors == [("B1", "valeur « abc » illisible : la cellule est de type nombre")]
    assert rows == [(1, (1, None))]


def test_a_text_over_the_cell_limit_is_an_error():
    rows, errors = read(crafted(f'<row r="1"><c r="A1" t="inlineStr"><is><t>{"x" * 101}</t></is></c></row>'),
                        XlsxLimits(max_cell_chars=100))
    assert errors == [("A1", "texte de 101 caractères : 100 au plus")] and rows == [(1, (None,))]


def test_a_value_past_the_row_limit_refuses_the_sheet():
    limits = XlsxLimits(max_rows=100)
    # Rows Excel writes for their height only, past the limit, are no data.
    assert read(crafted('<row r="1"><c r="A1"><v>1</v></c></row><row r="5000" ht="20"/>'
                        '<row r="6000"><c r="A6000" s="1"/></row>'), limits)[0] == [
        (1, (1,)), (5000, ()), (6000, (None,))]
    with pytest.raises(ZipRefused, match="La feuille « Suivi » a des valeurs au-delà de la ligne 100"):
        read(crafted('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'),
             limits)


def test_too_many_cells_refuse_the_sheet():
    cells = "".join(f'<c r="A{n}"><v>{n}</v></c>' for n in range(1, 12))
    with pytest.raises(ZipRefused, match="La feuille « Suivi » a plus de 10 cellules"):
        read(crafted(f'<row r="1">{cells}</row>'), XlsxLimits(max_cells=10))


def test_too_many_shared_strings_are_refused_before_openpyxl_reads_them(monkeypatch):
    monkeypatch.setattr(xlsx, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the workbook"))
    content = crafted("", shared=["<si><t>x</t></si>"] * 11)
    with pytest.raises(ZipRefused, match="Le classeur contient plus de 10 textes différents"):
        open_workbook(content, XlsxLimits(max_shared_strings=10))
    # Whatever part name the manifest gives them.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        strings, types = archive.read("xl/sharedStrings.xml"), archive.read("[Content_Types].xml").decode()
    renamed = edited_zip(content, {"xl/autre.xml": strings,
                                   "[Content_Types].xml": types.replace("/xl/sharedStrings.xml", "/xl/autre.xml")},
                         drop=["xl/sharedStrings.xml"])
    with pytest.raises(ZipRefused, match="plus de 10 textes différents"):
        open_workbook(renamed, XlsxLimits(max_shared_strings=10))


def test_parts_openpyxl_parses_whole_have_a_smaller_limit():
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 10007}</v></c></row>' for n in range(1, 3000))
    content = crafted(rows)
    # The sheet (streamed) may pass the part limit; the theme (read whole) may not.
    with pytest.raises(ZipRefused, match="« xl/theme/theme1.xml » dépasse"):
        open_workbook(content, XlsxLimits(max_part=10_000))
    assert len(read(content, XlsxLimits(max_part=20_000))[0]) == 2999


def test_xml_entities_are_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
              b'<sst xmlns="' + MAIN.encode() + b'"><si><t>&b;</t></si></sst>')
    with pytest.raises(UnreadableWorkbook, match="déclare des entités XML"):
        open_workbook(crafted("", shared=laughs))
    # In a sheet, openpyxl's parser (defusedxml) refuses them.
    with pytest.raises(UnreadableWorkbook, match="n'est pas un classeur Excel"):
        sheet = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "x">]>'
                 f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c>'
                 '</row></sheetData></worksheet>')
        read(crafted("", replace={"xl/worksheets/sheet1.xml": sheet}))


def test_a_broken_sheet_is_refused_with_the_last_row_read():
    with pytest.raises(UnreadableWorkbook, match="La feuille « Suivi » est abîmée après la ligne 1"):
        read(crafted('<row r="1"><c r="A1"><v>1</v></c></row><row r="deux"><c><v>2</v></c></row>'))


def test_an_archive_that_is_no_workbook_is_refused():
    with pytest.raises(UnreadableWorkbook, match="n'est pas un classeur Excel"):
        open_workbook(edited_zip(base_workbook(), drop=["xl/workbook.xml"]))
    with pytest.raises(UnreadableWorkbook, match="n'est pas un classeur Excel"):
        open_workbook(edited_zip(base_workbook(), drop=["[Content_Types].xml"]))
