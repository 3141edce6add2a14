"""The tracking workbook described in `docs/tableau-de-suivi.md`: export with openpyxl's
write-only mode, import with its read-only mode, every error addressed by cell."""

import itertools
import math

from openpyxl.utils import get_column_letter

from ctg.text import LONG_TEXT
from ctg.xlsx import (
    XLSX,
    SheetRows,
    UnreadableWorkbook,
    XlsxLimits,
    add_sheet,
    add_validation,
    append_row,
    inline_list,
    new_workbook,
    open_workbook,
    thousands,
    workbook_bytes,
)
from ctg.zips import NotAZip, ZipRefused

from .enums import UpdateStatus
from .models import Fiche, Update
from .periods import Period
from .tracking import RowValues, clean_text, tracking_fiches

LIMITS = XlsxLimits()  # 5 Mo on disk, 10 Mo unzipped, 10 000 rows and 50 000 cells a sheet (ctg/xlsx.py)
MAX_BYTES = LIMITS.zip.max_bytes

SUIVI = "Suivi"
INDICATEURS = "Indicateurs"
# (header, column width)
SUIVI_COLUMNS = [
    ("Clé", 24), ("N°", 6), ("Axe", 30), ("Action", 50), ("Pilote", 30), ("Période", 10), ("Statut", 16),
    ("Avancement (%)", 16), ("Commentaire", 50), ("Difficultés", 40),
]
INDICATEURS_COLUMNS = [
    ("Clé action", 24), ("Action", 50), ("Clé indicateur", 24), ("Indicateur", 40), ("Unité", 12), ("Cible", 10),
    ("Période", 10), ("Valeur", 12),
]
SUIVI_REQUIRED = ["Clé", "Période", "Statut"]
INDICATEURS_REQUIRED = ["Clé action", "Clé indicateur", "Période", "Valeur"]
STATUSES = {label.lower(): slug for slug, label in UpdateStatus.choices} | {slug: slug for slug in UpdateStatus.values}


class WorkbookError(Exception):
    """The workbook cannot be imported; `errors` lists every problem in French, by cell."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


class TrackingWorkbook:
    """Exporter: `TrackingWorkbook(period).generate(convention) -> (filename, mimetype, bytes)`."""

    def __init__(self, period):
        self.period = period

    def generate(self, convention):
        fiches = tracking_fiches(convention, self.period)
        workbook = new_workbook()
        suivi = add_sheet(workbook, SUIVI, SUIVI_COLUMNS)
        for fiche in fiches:
            update = fiche.period_update
            append_row(suivi, [
                fiche.key, fiche.number, f"{fiche.axis.number} — {fiche.axis.title}", fiche.title, clean_text(fiche.lead),
                str(self.period), update.get_status_display() if update else None, update.progress if update else None,
                update.comment if update else None, update.difficulties if update else None,
            ])
        last = len(fiches) + 1
        add_validation(suivi, f"G2:G{last}", type="list", formula1=inline_list(UpdateStatus.labels),
                       title="Statut inconnu", message="Choisissez un statut de la liste.")
        add_validation(suivi, f"H2:H{last}", type="whole", operator="between", formula1="0", formula2="100",
                       title="Avancement invalide", message="Un nombre entier de 0 à 100.")

        indicateurs = add_sheet(workbook, INDICATEURS, INDICATEURS_COLUMNS)
        for fiche in fiches:
            for indicator in fiche.indicators.all():
                append_row(indicateurs, [
                    fiche.key, fiche.title, indicator.key, indicator.name, indicator.unit, indicator.target,
                    str(self.period), indicator.period_value,
                ])
        return f"suivi-{convention.slug}-{self.period}.xlsx", XLSX, workbook_bytes(workbook)


def read_tracking_workbook(convention, upload):
    """Check a whole workbook against `convention`; returns (period, [(fiche, RowValues)]) or raises
    WorkbookError with every problem found."""
    return read_workbook(upload, lambda workbook: _Reader(convention, workbook).read())


def read_workbook(upload, read):
    """`read(workbook)` on the workbook of `upload` (bytes or a file), closed afterwards; a file
    that is no readable workbook, or a sheet too large or broken, raises WorkbookError."""
    workbook = _open(upload)
    try:
        return read(workbook)
    except ZipRefused as error:  # a sheet too large or broken, found while reading it
        raise WorkbookError([error.message]) from None
    finally:
        workbook.close()


def _open(upload):
    head = upload[:8] if isinstance(upload, bytes) else _peek(upload)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError([
            "Ce classeur est protégé par mot de passe ou au format Excel 97-2003 (.xls) : enregistrez-le au format "
            ".xlsx, sans mot de passe."
        ])
    try:
        return open_workbook(upload, LIMITS)
    except NotAZip:
        raise WorkbookError(["Ce fichier n'est pas un classeur Excel (.xlsx)."]) from None
    except UnreadableWorkbook:
        raise WorkbookError([
            "Ce fichier n'est pas un classeur Excel (.xlsx) lisible : un document Word ou un classeur abîmé "
            "renommé en .xlsx ? Enregistrez-le depuis Excel ou LibreOffice au format .xlsx."
        ]) from None
    except ZipRefused as error:
        raise WorkbookError([error.message]) from None


def _peek(upload):
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return head


class ColumnSheet:
    """One sheet's rows, with the columns found by header text (trimmed, case-insensitive); cells
    that cannot be read are handed to the `CellErrors` reading it, by cell."""

    def __init__(self, sheet, title, required):
        self.reader = SheetRows(sheet, LIMITS)
        rows = iter(self.reader)
        first = next(rows, None)
        header = first[1] if first is not None and first[0] == 1 else ()
        if first is not None and first[0] != 1:
            rows = itertools.chain([first], rows)
        self.title = title
        self.columns = {}
        for index, name in enumerate(header):
            key = clean_text(name).lower()
            if key and key not in self.columns:
                self.columns[key] = index
        self.reported = 0
        missing = [name for name in required if name.lower() not in self.columns]
        if missing:
            names = ", ".join(f"« {name} »" for name in missing)
            unreadable = [f"{title}!{coordinate} : {message}" for coordinate, message in self.reader.errors]
            raise WorkbookError([*unreadable, f"La feuille « {title} » n'a pas de colonne {names} en ligne 1."])
        self.rows = rows

    def report_unreadable(self, reader):
        """Hand the cells found unreadable so far to `reader`, once each."""
        for coordinate, message in self.reader.errors[self.reported:]:
            reader.unreadable(f"{self.title}!{coordinate}", message)
        self.reported = len(self.reader.errors)

    def has(self, header):
        return header.lower() in self.columns

    def get(self, values, header):
        index = self.columns.get(header.lower())
        return values[index] if index is not None and index < len(values) else None

    def cell(self, header, row_number):
        return f"{self.title}!{get_column_letter(self.columns[header.lower()] + 1)}{row_number}"

    def data_rows(self, reader):
        for number, values in self.rows:
            self.report_unreadable(reader)
            if any(clean_text(v) for v in values):
                yield number, values
        self.report_unreadable(reader)


class CellErrors:
    """Every problem found in a workbook, as `Feuille!Cellule : message`; a cell openpyxl could not
    read is reported once, as such."""

    def __init__(self):
        self.errors = []
        self.unreadable_cells = set()

    def error(self, cell, message):
        if cell not in self.unreadable_cells:
            self.errors.append(f"{cell} : {message}")

    def unreadable(self, cell, message):
        self.unreadable_cells.add(cell)
        self.errors.append(f"{cell} : {message}")

    def raise_errors(self):
        if self.errors:
            raise WorkbookError(self.errors)


def parse_number(raw):
    """A number from a numeric cell, or from text with a decimal comma and spaces (`1 234,5`);
    None for an empty cell; ValueError otherwise (« nan » and « inf » too, which float() reads)."""
    if clean_text(raw) == "":
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        value = float("".join(clean_text(raw).split()).replace(",", "."))  # any space, non-breaking too
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


class _Reader(CellErrors):
    def __init__(self, convention, workbook):
        super().__init__()
        self.convention = convention
        self.workbook = workbook
        self.period = None

    def read(self):
        if SUIVI not in self.workbook.sheetnames:
            raise WorkbookError([f"Le classeur n'a pas de feuille « {SUIVI} »."])
        suivi = ColumnSheet(self.workbook[SUIVI], SUIVI, SUIVI_REQUIRED)
        indicateurs = None
        if INDICATEURS in self.workbook.sheetnames:
            indicateurs = ColumnSheet(self.workbook[INDICATEURS], INDICATEURS, INDICATEURS_REQUIRED)
        fiches = {f.key: f for f in Fiche.objects.filter(convention=self.convention).prefetch_related("indicators")}
        rows = self.read_suivi(suivi, fiches)
        if indicateurs is not None:
            self.read_indicateurs(indicateurs, rows)
        self.raise_errors()
        if not rows:
            raise WorkbookError([f"La feuille « {SUIVI} » ne contient aucune ligne d'action."])
        in_force = set(
            Fiche.objects.filter(convention=self.convention)
            .in_force_during(self.period.start, self.period.end)
            .values_list("pk", flat=True)
        )
        followed = set(
            Update.objects.filter(fiche__convention=self.convention, period=str(self.period)).values_list("fiche_id", flat=True)
        )
        checked = []
        for key, (fiche, values, number) in rows.items():
            if fiche.pk not in in_force:
                self.error(suivi.cell("Clé", number), f"l'action « {key} » n'est pas en vigueur au {self.period}")
            elif fiche.pk in followed:
                checked.append((fiche, values))
            elif values.status is None:
                # A row that says nothing about an action not yet followed this quarter records nothing.
                if not _empty(values):
                    self.error(suivi.cell("Statut", number), "statut manquant pour un premier suivi de la période")
            else:
                checked.append((fiche, values))
        self.raise_errors()
        return self.period, checked

    def read_period(self, sheet, values, number):
        cell = sheet.cell("Période", number)
        raw = clean_text(sheet.get(values, "Période"))
        if not raw:
            self.error(cell, "période manquante")
            return
        try:
            period = Period.parse(raw)
        except ValueError as error:
            self.error(cell, str(error))
            return
        if self.period is None:
            self.period = period
        elif period != self.period:
            self.error(cell, f"période {period} différente de celle des autres lignes ({self.period})")

    def read_suivi(self, sheet, fiches):
        rows = {}
        for number, values in sheet.data_rows(self):
            key = clean_text(sheet.get(values, "Clé"))
            self.read_period(sheet, values, number)
            row = RowValues()
            raw_status = clean_text(sheet.get(values, "Statut"))
            if raw_status:
                row.status = STATUSES.get(raw_status.lower())
                if row.status is None:
                    self.error(sheet.cell("Statut", number), f"statut inconnu « {raw_status} »")
            if sheet.has("Avancement (%)"):
                row.progress_given = True
                row.progress = self.read_progress(sheet, values, number)
            for header, name in (("Commentaire", "comment"), ("Difficultés", "difficulties")):
                if sheet.has(header):
                    value = clean_text(sheet.get(values, header))
                    if len(value) > LONG_TEXT:  # what the tracking form takes
                        self.error(sheet.cell(header, number),
                                   f"texte de {thousands(len(value))} caractères : {thousands(LONG_TEXT)} au plus")
                    setattr(row, name, value)
            if not key:
                self.error(sheet.cell("Clé", number), "clé de l'action manquante")
            elif key not in fiches:
                self.error(sheet.cell("Clé", number), f"aucune action de cette convention n'a la clé « {key} »")
            elif key in rows:
                self.error(sheet.cell("Clé", number), f"action « {key} » déjà présente ligne {rows[key][2]}")
            else:
                rows[key] = (fiches[key], row, number)
        return rows

    def read_progress(self, sheet, values, number):
        raw = sheet.get(values, "Avancement (%)")
        if clean_text(raw) == "":
            return None
        try:
            number_value = float(str(raw).replace(",", ".").replace("%", "").strip())
        except ValueError:
            number_value = None
        if number_value is None or not number_value.is_integer():
            self.error(sheet.cell("Avancement (%)", number), f"avancement « {raw} » invalide : nombre entier de 0 à 100 attendu")
            return None
        if not 0 <= number_value <= 100:
            self.error(sheet.cell("Avancement (%)", number), f"avancement {int(number_value)} hors de l'intervalle 0 à 100")
            return None
        return int(number_value)

    def read_indicateurs(self, sheet, rows):
        seen = {}
        for number, values in sheet.data_rows(self):
            fiche_key = clean_text(sheet.get(values, "Clé action"))
            indicator_key = clean_text(sheet.get(values, "Clé indicateur"))
            self.read_period(sheet, values, number)
            value = self.read_value(sheet, values, number)
            if fiche_key not in rows:
                self.error(sheet.cell("Clé action", number), f"action « {fiche_key} » absente de la feuille {SUIVI}")
                continue
            fiche, row, _ = rows[fiche_key]
            indicator = next((i for i in fiche.indicators.all() if i.key == indicator_key), None)
            if indicator is None:
                self.error(
                    sheet.cell("Clé indicateur", number), f"indicateur « {indicator_key} » inconnu pour l'action « {fiche_key} »"
                )
            elif (fiche_key, indicator_key) in seen:
                self.error(sheet.cell("Clé indicateur", number), f"indicateur déjà présent ligne {seen[fiche_key, indicator_key]}")
            else:
                seen[fiche_key, indicator_key] = number
                row.indicators[indicator.pk] = value

    def read_value(self, sheet, values, number):
        raw = sheet.get(values, "Valeur")
        try:
            return parse_number(raw)
        except ValueError:
            self.error(sheet.cell("Valeur", number), f"valeur « {raw} » invalide : nombre attendu")
            return None


def _empty(values):
    return (
        values.status is None and values.progress is None and not values.comment and not values.difficulties
        and all(v is None for v in values.indicators.values())
    )
