"""Write-only openpyxl helpers shared by the Excel exports: a bold frozen header and sized columns,
and rows whose text is never read as a formula."""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
