"""openpyxl helpers shared by the Excel exports and imports.

Exports (write-only): a bold frozen header and sized columns, and rows whose text is never read as
a formula. Imports (read-only): `open_workbook` opens an upload only once the guarded zip reader
(`ctg.zips`) and `XlsxLimits` have checked what it holds, and `SheetRows` reads a sheet's rows
within limits, turning a cell openpyxl cannot convert into a French error for that cell."""

import io
from dataclasses import dataclass
from xml.parsers import expat

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser, _cast_number
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.constants import (
    ARC_CONTENT_TYPES,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_SHARED_STRINGS,
    ARC_STYLE,
    ARC_THEME,
    ARC_WORKBOOK,
    SHARED_STRINGS,
    WORKSHEET_TYPE,
)

from ctg.zips import CHUNK, MIB, TOO_LARGE, ZipLimits, ZipRefused, megabytes, open_zip

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_workbook():
    return Workbook(write_only=True)


def add_sheet(workbook, title, columns):
    """A sheet whose row 1 holds `columns` [(header, width)], bold and frozen."""
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    return sheet


def append_row(sheet, values):
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            # Text typed by users is never a formula, even when it starts with "=".
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    sheet.append(cells)


def add_validation(sheet, cells, *, title, message, **rule):
    """A data validation on `cells` ("G2:G40", or several ranges separated by spaces), empty cells
    allowed. openpyxl leaves the error alert off by default: here Excel shows it (`title`,
    `message`) and refuses the value."""
    validation = DataValidation(
        allow_blank=True, showErrorMessage=True, errorStyle="stop", errorTitle=title, error=message, **rule
    )
    validation.add(cells)
    sheet.data_validations.append(validation)


def inline_list(values):
    """The `formula1` of a list validation written in the rule itself (255 characters at most)."""
    return '"' + ",".join(values) + '"'


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Reading


@dataclass(frozen=True)
class XlsxLimits:
    # openpyxl reads about 2 Mo of sheet XML, or 50 000 cells, a second on a busy small server.
    zip: ZipLimits = ZipLimits(max_bytes=5 * MIB, max_members=500, max_member=4 * MIB, max_total=10 * MIB)
    max_part: int = 1 * MIB  # a part openpyxl parses whole (styles, workbook, properties, relations…)
    max_shared_strings: int = 50_000
    max_rows: int = 10_000  # the last row number holding a value, in each sheet
    max_cells: int = 50_000  # in each sheet
    max_cell_chars: int = 32_767  # what Excel itself allows


class UnreadableWorkbook(ZipRefused):
    """A zip archive that openpyxl cannot read as a workbook."""


# Parts that only a worksheet or the shared strings may use up to the archive's member limit:
# openpyxl streams those two, and parses every other part whole.
STREAMED_TYPES = {WORKSHEET_TYPE, SHARED_STRINGS}
WHOLE_PARTS = {ARC_CONTENT_TYPES, ARC_CORE, ARC_CUSTOM, ARC_STYLE, ARC_THEME, ARC_WORKBOOK}


def open_workbook(upload, limits=XlsxLimits()):
    """openpyxl's read-only workbook (cached values, no formulas) of `upload`, refused with
    `ZipRefused` (`NotAZip`, `UnreadableWorkbook`, …) before openpyxl parses anything too big;
    close it after use."""
    with open_zip(upload, limits.zip) as archive:
        types = _content_types(archive, limits)
        for name in archive.names():
            streamed = types.get(name.lower(), set())
            if not streamed or not streamed <= STREAMED_TYPES or name in WHOLE_PARTS or name.endswith(".rels"):
                if archive.size(name) > limits.max_part:
                    raise ZipRefused(f"{TOO_LARGE} : « {name} » dépasse {megabytes(limits.max_part)}.")
        for name in archive.names():
            if name == ARC_SHARED_STRINGS or SHARED_STRINGS in types.get(name.lower(), ()):
                _check_shared_strings(archive, name, limits.max_shared_strings)
        data = archive.data
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds on a broken or foreign archive
        raise UnreadableWorkbook("Ce fichier n'est pas un classeur Excel (.xlsx) lisible.") from error


def _content_types(archive, limits):
    """{part name, lower case, without its leading "/": {content types the manifest gives it}}."""
    try:
        xml = archive.read(ARC_CONTENT_TYPES, cap=limits.max_part)
    except KeyError:
        raise UnreadableWorkbook("Ce fichier n'est pas un classeur Excel (.xlsx) lisible.") from None
    types = {}

    def start(name, attributes):
        if name.rpartition(" ")[2] == "Override" and "PartName" in attributes:
            part = attributes["PartName"].lstrip("/").lower()
            types.setdefault(part, set()).add(attributes.get("ContentType", ""))

    _parse(xml, start, ARC_CONTENT_TYPES)
    return types


def _check_shared_strings(archive, name, cap):
    count = 0

    def start(element, attributes):
        nonlocal count
        if element.rpartition(" ")[2] == "si":
            count += 1
            if count > cap:
                raise ZipRefused(f"Le classeur contient plus de {thousands(cap)} textes différents : "
                                 "il est trop volumineux pour être lu.")

    with archive.open(name) as stream:
        _parse(iter(lambda: stream.read(CHUNK), b""), start, name)


def _parse(chunks, start, name):
    """Run expat over `chunks` (bytes, or an iterable of bytes) with `start(name, attributes)` for
    each element; a document type declaration (entities) is refused, as OOXML has none."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start

    def doctype(*args):
        raise UnreadableWorkbook(f"« {name} » déclare des entités XML : ce n'est pas un classeur Excel.")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise UnreadableWorkbook(f"« {name} » n'est pas du XML lisible : le classeur est abîmé.") from error


class SheetRows:
    """The rows of one sheet of `open_workbook`'s workbook, as (row number, values) for the rows
    the file holds (missing rows are skipped, a row's values run to its last cell).

    A cell openpyxl cannot convert (text in a number cell, a date serial out of range, a broken
    shared string) or a text over `max_cell_chars` reads as None and is listed in `errors` as
    (coordinate, French message), so that every bad cell of the sheet is reported at once. A sheet
    with a value past `max_rows`, over `max_cells` cells or broken XML raises ZipRefused."""

    def __init__(self, sheet, limits=XlsxLimits()):
        self.sheet = sheet
        self.limits = limits
        self.errors = []

    def __iter__(self):
        sheet, limits = self.sheet, self.limits
        number = 0
        # openpyxl 3.1's own read-only parser (pinned), with `parse_cell` checked.
        with sheet._get_source() as source:
            parser = _CheckedParser(source, sheet, limits, self.errors)
            try:
                for number, cells in parser.parse():
                    values = {cell["column"]: cell["value"] for cell in cells}
                    if number > limits.max_rows and any(v is not None for v in values.values()):
                        raise ZipRefused(f"La feuille « {sheet.title} » a des valeurs au-delà de la ligne "
                                         f"{thousands(limits.max_rows)} : elle est trop grande pour être lue.")
                    width = max(values, default=0)
                    yield number, tuple(values.get(column) for column in range(1, width + 1))
            except ZipRefused:
                raise
            except Exception as error:  # broken XML or a row openpyxl cannot place
                raise UnreadableWorkbook(
                    f"La feuille « {sheet.title} » est abîmée après la ligne {number} : elle ne peut pas être lue."
                ) from error


class _CheckedParser(WorkSheetParser):
    def __init__(self, source, sheet, limits, errors):
        workbook = sheet.parent
        super().__init__(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                         date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        self.title = sheet.title
        self.limits = limits
        self.errors = errors
        self.cells = 0

    def parse_cell(self, element):
        self.cells += 1
        if self.cells > self.limits.max_cells:
            raise ZipRefused(f"La feuille « {self.title} » a plus de {thousands(self.limits.max_cells)} cellules : "
                             "elle est trop grande pour être lue.")
        coordinate = element.get("r") or f"{get_column_letter(self.col_counter + 1)}{self.row_counter}"
        try:
            problem = self.date_problem(element)
            if problem is None:
                cell = super().parse_cell(element)
                value = cell["value"]
                if isinstance(value, str) and len(value) > self.limits.max_cell_chars:
                    problem = f"texte de {thousands(len(value))} caractères : {thousands(self.limits.max_cell_chars)} au plus"
                else:
                    return cell
        except (ValueError, TypeError, IndexError, OverflowError, KeyError):
            problem = self.problem(element)
        self.errors.append((coordinate, problem))
        try:
            row, column = coordinate_to_tuple(coordinate)
        except ValueError:
            row, column = self.row_counter, self.col_counter + 1
        self.col_counter = column
        return {"row": row, "column": column, "value": None, "data_type": "n", "style_id": 0}

    def date_problem(self, element):
        """openpyxl only warns about a date serial out of range, and reads it as "#VALUE!"."""
        style = element.get("s")
        raw = element.findtext(VALUE_TAG)
        if element.get("t", "n") != "n" or not raw or not style or int(style) not in self.date_formats:
            return None
        try:
            from_excel(_cast_number(raw), self.epoch, timedelta=int(style) in self.timedelta_formats)
        except (OverflowError, ValueError):
            return f"date illisible : « {_shown(raw)} » n'est pas un jour du calendrier d'Excel"
        return None

    def problem(self, element):
        raw = element.findtext(VALUE_TAG) or ""
        kind = element.get("t", "n")
        reference = element.get("r")
        if reference is not None:
            try:
                coordinate_to_tuple(reference)
            except ValueError:
                return f"référence de cellule « {_shown(reference)} » invalide"
        if kind == "n":
            return f"valeur « {_shown(raw)} » illisible : la cellule est de type nombre"
        if kind == "d":
            try:
                from_ISO8601(raw)
            except ValueError:
                return f"date « {_shown(raw)} » illisible : la cellule est de type date"
        if kind == "b":
            return f"valeur « {_shown(raw)} » illisible : la cellule est de type vrai/faux"
        if kind == "s":
            return f"texte n°{_shown(raw)} absent du classeur : le classeur est abîmé"
        return f"contenu « {_shown(raw)} » illisible"


def _shown(text, length=40):
    text = str(text)
    return text if len(text) <= length else text[:length] + "…"


def thousands(value):
    """1234567 as « 1 234 567 » (no-break spaces), in the French messages."""
    return f"{value:,}".replace(",", "\N{NO-BREAK SPACE}")
