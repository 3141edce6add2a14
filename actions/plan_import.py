"""Reading the plan d'actions workbook (`plan_workbook.py`, `docs/plan-d-actions-excel.md`) back
into a convention in préparation. `read_plan_workbook` returns what importing it would create or
change (`PlanChanges`), or every error by cell; it writes nothing: `services.plan_import` applies
the changes, in one short transaction. Axes, objectives and actions are found by their number,
else by their title; what the workbook does not name is kept."""

import hashlib
import re

from django.db import models
from django.utils.text import capfirst

from ctg.concurrency import with_version
from ctg.dates import FIRST_YEAR, LAST_YEAR
from ctg.text import LONG_TEXT, one_line

from .enums import Nature, Theme
from .models import Fiche, Indicator, next_fiche_number, pilot_organisations
from .plan_workbook import (
    AXE,
    COMMUNE,
    COORDINATION,
    INDICATEURS,
    INDICATOR_FICHE,
    INDICATOR_NUMBERS,
    INTERCOMMUNAL,
    NATURE,
    NUMERO,
    OBJECTIF,
    PILOTS,
    PLAN,
    TEXT_FIELDS,
    THEME,
    TITLE,
    YEAR_FIELDS,
    label,
)
from .tracking import clean_text, excerpt, format_number
from .workbook import CellErrors, ColumnSheet, WorkbookError, parse_number, read_workbook


def verbose(model, name):
    return str(model._meta.get_field(name).verbose_name)


THEMES = {name.casefold(): slug for slug, name in Theme.choices} | {slug: slug for slug in Theme.values}
NATURES = {name.casefold(): slug for slug, name in Nature.choices} | {slug: slug for slug in Nature.values}
BOOLEANS = {"oui": True, "non": False, "vrai": True, "faux": False, "1": True, "0": False}
# « 1 — Titre », « Axe 1 : Titre », « 1. Titre », « 1 » ; an objective « 1.2 — Titre » or « 2 — Titre ».
AXIS_CELL = re.compile(r"^(?:axe\s*)?(\d+)\s*(?:[—–:.)-]\s*(.*))?$", re.IGNORECASE | re.DOTALL)
OBJECTIVE_CELL = re.compile(r"^(?:objectif\s*)?(?:(\d+)\.)?(\d+)\s*(?:[—–:.)-]\s*(.*))?$", re.IGNORECASE | re.DOTALL)
THEME_HEADER = re.compile(rf"^{THEME.lower()}\s*\d+$")
NATURE_HEADER = re.compile(rf"^{NATURE.lower()}\s*\d+$")


def _spaces(text):
    return " ".join(text.split())


def _key(text):
    return _spaces(text).casefold()


class Target:
    """An axis, or an objective of one, that the workbook names: a row of the plan (`row`) or one to
    create (`row` None until `services.plan_import` creates it). `title` is the title it will have."""

    def __init__(self, kind, row, number, title, *, parent=None, named_at=None):
        self.kind = kind
        self.row = row
        self.old_title = row.title if row else None
        self.number = number
        self.title = title
        self.parent = parent
        self.named_at = named_at  # the line that gave its title
        if kind == "axe":
            self.objectives = Targets("objectif", row.objectives.all() if row else [], parent=self)

    @property
    def ref(self):
        # An objective of an axis the workbook creates without a number has none yet while it is read.
        numbered_axis = self.parent and self.parent.number is not None
        return f"{self.parent.number}.{self.number}" if numbered_axis else str(self.number)

    def __str__(self):
        return f"{capfirst(self.kind)} {self.ref} — {self.title}"

    @property
    def is_new(self):
        return self.old_title is None

    @property
    def renamed(self):
        return not self.is_new and _spaces(self.title) != _spaces(self.old_title)

    def is_row(self, row):
        return row is not None and not self.is_new and self.row.pk == row.pk


class Targets:
    """The axes of the plan, or the objectives of one axis, as the workbook names them."""

    def __init__(self, kind, rows, *, parent=None):
        self.kind = kind
        self.parent = parent
        self.all = [Target(kind, row, row.number, row.title, parent=parent) for row in rows]

    def resolve(self, number, title, line):
        """The target a cell names (by number, or by title), or a French error."""
        if number is not None:
            target = next((t for t in self.all if t.number == number), None)
            if target is None:
                if not title:
                    numbered_axis = self.parent and self.parent.number is not None
                    where = f" dans l'axe {self.parent.number}" if numbered_axis else ""
                    ref = f"{self.parent.number}.{number}" if numbered_axis else str(number)
                    return None, f"aucun {self.kind} n°{number}{where} : écrivez « {ref} — intitulé » pour le créer"
                target = Target(self.kind, None, number, title, parent=self.parent, named_at=line)
                self.all.append(target)
            elif title:
                if target.named_at is None:
                    target.title, target.named_at = title, line
                elif _spaces(title) != _spaces(target.title):
                    return None, f"l'{self.kind} {target.ref} est intitulé « {target.title} » ligne {target.named_at}"
            return target, None
        target = next((t for t in self.all if _key(t.title) == _key(title)), None)
        if target is None:
            target = Target(self.kind, None, None, title, parent=self.parent, named_at=line)
            self.all.append(target)
        return target, None

    def number_new(self):
        """Number the new targets the workbook names by title only, after the others."""
        last = max((t.number for t in self.all if t.number is not None), default=0)
        for target in self.all:
            if target.number is None:
                last += 1
                target.number = last


class FicheRow:
    """One row of the « Plan » sheet: an action to create (`fiche` None) or to update."""

    def __init__(self, line, fiche, number, axis, objective, values, themes, pilots):
        self.line = line
        self.fiche = fiche
        self.number = number
        self.axis = axis
        self.objective = objective  # a Target, None (no objective) or MISSING (no column)
        self.values = values  # field name → value, for the columns the workbook has
        self.themes = themes  # theme slugs, None without theme columns
        self.pilots = pilots  # organisations, None without the column
        self.changes = []
        self.indicators = []  # IndicatorRow

    @property
    def title(self):
        return self.values["title"]

    def __str__(self):
        return f"Action {self.number} — {self.title}"


MISSING = object()


class IndicatorRow:
    def __init__(self, line, fiche_row, indicator, values):
        self.line = line
        self.fiche_row = fiche_row
        self.indicator = indicator  # None: to create
        self.values = values  # field name → value, for the columns the workbook has
        self.changes = []

    def __str__(self):
        return f"Indicateur « {self.values.get('name') or self.indicator.name} » de l'action {self.fiche_row.number}"


class PlanChanges:
    """What importing a workbook would create or change; false when it changes nothing."""

    def __init__(self, axes, rows, indicators, kept):
        self.axes = axes
        self.new_axes = [t for t in axes.all if t.is_new]
        self.renamed_axes = [t for t in axes.all if t.renamed]
        objectives = [o for axis in axes.all for o in axis.objectives.all]
        self.new_objectives = [t for t in objectives if t.is_new]
        self.renamed_objectives = [t for t in objectives if t.renamed]
        self.created = [r for r in rows if r.fiche is None]
        self.updated = [r for r in rows if r.fiche is not None and r.changes]
        self.new_indicators = [r for r in indicators if r.indicator is None]
        self.changed_indicators = [r for r in indicators if r.indicator is not None and r.changes]
        self.kept = kept  # current fiches the workbook does not list: left as they are

    def __bool__(self):
        return any((self.new_axes, self.renamed_axes, self.new_objectives, self.renamed_objectives, self.created,
                    self.updated, self.new_indicators, self.changed_indicators))

    def sections(self):
        """The report, [(heading, one French line per change)], without the empty sections."""
        structure = [f"{t} : créé" for t in self.new_axes]
        structure += [f"Axe {t.ref} : intitulé « {t.old_title} » → « {t.title} »" for t in self.renamed_axes]
        structure += [f"{t} : créé" for t in self.new_objectives]
        structure += [f"Objectif {t.ref} : intitulé « {t.old_title} » → « {t.title} »" for t in self.renamed_objectives]
        actions = [f"{r} : créée (axe {r.axis.ref})" for r in self.created]
        actions += [f"{r.fiche} : {' ; '.join(r.changes)}" for r in self.updated]
        indicators = [f"{r} : créé" for r in self.new_indicators]
        indicators += [f"{r} : {' ; '.join(r.changes)}" for r in self.changed_indicators]
        sections = [("Axes et objectifs", structure), ("Actions", actions), ("Indicateurs", indicators)]
        return [(heading, lines) for heading, lines in sections if lines]

    def lines(self):
        return [line for _, lines in self.sections() for line in lines]

    @property
    def summary(self):
        counts = [
            (len(self.new_axes), "axe créé", "axes créés"),
            (len(self.renamed_axes), "axe renommé", "axes renommés"),
            (len(self.new_objectives), "objectif créé", "objectifs créés"),
            (len(self.renamed_objectives), "objectif renommé", "objectifs renommés"),
            (len(self.created), "action créée", "actions créées"),
            (len(self.updated), "action modifiée", "actions modifiées"),
            (len(self.new_indicators), "indicateur créé", "indicateurs créés"),
            (len(self.changed_indicators), "indicateur modifié", "indicateurs modifiés"),
        ]
        parts = [f"{count} {one if count == 1 else many}" for count, one, many in counts if count]
        return ", ".join(parts) if parts else "aucune modification"

    @property
    def digest(self):
        """Names this report: a confirmation applies the changes the user saw, or none."""
        return hashlib.sha256("\n".join(self.lines()).encode()).hexdigest()


def read_plan_workbook(convention, upload):
    """Check a whole workbook (bytes or a file) against the plan of `convention`, in préparation;
    returns its PlanChanges or raises WorkbookError with every problem found."""
    if refusal := convention.contract_refusal():
        raise WorkbookError([refusal])
    return read_workbook(upload, lambda workbook: _PlanReader(convention, workbook).read())


class _PlanReader(CellErrors):
    def __init__(self, convention, workbook):
        super().__init__()
        self.convention = convention
        self.workbook = workbook
        self.axes = Targets("axe", convention.axes.prefetch_related("objectives"))
        self.fiches = list(
            with_version(convention.fiches.filter(is_current=True))
            .select_related("axis", "objective__axis", "commune")
            .prefetch_related("theme_links", "lead_organisations", "indicators")
        )
        self.communes = {}
        for commune in convention.communes.all():
            self.communes.setdefault(_key(commune.name), commune)
            self.communes.setdefault(commune.insee, commune)
        self.pilots = {_key(o.name): o for o in pilot_organisations(convention)}
        self.claims = {}  # the rows' fiches (pk, or ("nouvelle", number)) → line

    def read(self):
        if PLAN not in self.workbook.sheetnames:
            raise WorkbookError([f"Le classeur n'a pas de feuille « {PLAN} »."])
        plan = ColumnSheet(self.workbook[PLAN], PLAN, [AXE, NUMERO, TITLE, f"{THEME} 1"])
        indicateurs = None
        if INDICATEURS in self.workbook.sheetnames:
            indicateurs = ColumnSheet(self.workbook[INDICATEURS], INDICATEURS,
                                      [INDICATOR_FICHE, label(Indicator, "name")])
        rows = [row for number, values in plan.data_rows(self) if (row := self.read_row(plan, values, number))]
        self.axes.number_new()
        for axis in self.axes.all:
            axis.objectives.number_new()
        self.number_new_fiches(rows)
        indicators = self.read_indicators(indicateurs, rows) if indicateurs is not None else []
        self.raise_errors()
        if not rows:
            raise WorkbookError([f"La feuille « {PLAN} » ne contient aucune action."])
        for row in rows:
            if row.fiche is not None:
                row.changes = fiche_changes(row)
        for row in indicators:
            if row.indicator is not None:
                row.changes = indicator_changes(row)
        listed = {row.fiche.pk for row in rows if row.fiche is not None}
        kept = sorted((f for f in self.fiches if f.pk not in listed), key=lambda f: f.number)
        return PlanChanges(self.axes, rows, indicators, kept)

    # The cells of one row

    def text(self, sheet, values, header, number, limit=LONG_TEXT, single_line=False):
        """A cell's text as the forms take it (`ctg.text`): `single_line` for a model's CharField."""
        value = clean_text(sheet.get(values, header))
        value = one_line(value) if single_line else value
        if len(value) > limit:
            self.error(sheet.cell(header, number), f"texte de {len(value)} caractères : {limit} au plus")
        return value

    def whole(self, sheet, values, header, number, what, minimum=1, maximum=2_147_483_647):
        raw = sheet.get(values, header)
        if clean_text(raw) == "":
            return None
        try:
            value = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else float(clean_text(raw))
        except ValueError:
            value = None
        if value is None or not value.is_integer():
            self.error(sheet.cell(header, number), f"{what} « {clean_text(raw)} » invalide : nombre entier attendu")
            return None
        if not minimum <= value <= maximum:
            self.error(sheet.cell(header, number), f"{what} {int(value)} hors limites : de {minimum} à {maximum}")
            return None
        return int(value)

    def choices(self, sheet, values, number, pattern, known, what):
        found = []
        for header in [h for h in sheet.columns if pattern.match(h)]:
            raw = clean_text(sheet.get(values, header))
            if not raw:
                continue
            slug = known.get(raw.casefold())
            if slug is None:
                self.error(sheet.cell(header, number), f"{what} inconnue « {raw} »")
            elif slug not in found:
                found.append(slug)
        return found

    def read_row(self, sheet, values, number):
        row_values = {"title": self.text(sheet, values, TITLE, number, limit=300, single_line=True)}
        if not row_values["title"]:
            self.error(sheet.cell(TITLE, number), "intitulé manquant")
        fiche_number = self.whole(sheet, values, NUMERO, number, "numéro")
        axis = self.read_axis(sheet, values, number)
        objective = self.read_objective(sheet, values, number, axis) if sheet.has(OBJECTIF) else MISSING
        themes = self.choices(sheet, values, number, THEME_HEADER, THEMES, "thématique")
        if not themes and not any(sheet.get(values, h) for h in sheet.columns if THEME_HEADER.match(h)):
            self.error(sheet.cell(f"{THEME} 1", number), "thématique manquante : une au moins")
        if any(NATURE_HEADER.match(h) for h in sheet.columns):
            row_values["nature"] = self.choices(sheet, values, number, NATURE_HEADER, NATURES, "nature")
        if sheet.has(COMMUNE):
            row_values["commune"] = self.read_commune(sheet, values, number)
        if sheet.has(COORDINATION):
            row_values["coordination_between_collectivities"] = self.read_boolean(sheet, values, COORDINATION, number)
        for name in TEXT_FIELDS:
            if sheet.has(label(Fiche, name)):
                field = Fiche._meta.get_field(name)
                row_values[name] = self.text(sheet, values, label(Fiche, name), number,
                                             limit=field.max_length or LONG_TEXT, single_line=isinstance(field, models.CharField))
        for name in YEAR_FIELDS:
            if sheet.has(label(Fiche, name)):
                row_values[name] = self.whole(sheet, values, label(Fiche, name), number, "année", minimum=FIRST_YEAR, maximum=LAST_YEAR)
        start, end = row_values.get("start_year"), row_values.get("end_year")
        if start and end and end < start:
            self.error(sheet.cell(label(Fiche, "end_year"), number), f"année de fin {end} antérieure à l'année de début {start}")
        pilots = self.read_pilots(sheet, values, number) if sheet.has(PILOTS) else None
        fiche = self.claim_fiche(sheet, number, fiche_number, row_values["title"])
        if axis is None or not row_values["title"] or fiche is False:
            return None
        return FicheRow(number, fiche, fiche_number if fiche is None else fiche.number, axis, objective, row_values,
                        themes, pilots)

    def read_axis(self, sheet, values, number):
        raw = self.text(sheet, values, AXE, number)
        cell = sheet.cell(AXE, number)
        if not raw:
            self.error(cell, "axe manquant")
            return None
        match = AXIS_CELL.match(raw)
        axis_number, title = (int(match[1]), clean_text(match[2])) if match else (None, raw)
        if len(title) > 300:
            self.error(cell, f"intitulé de l'axe de {len(title)} caractères : 300 au plus")
            return None
        axis, error = self.axes.resolve(axis_number, title, number)
        if error:
            self.error(cell, error)
        return axis

    def read_objective(self, sheet, values, number, axis):
        raw = self.text(sheet, values, OBJECTIF, number)
        if not raw or axis is None:
            return None
        cell = sheet.cell(OBJECTIF, number)
        match = OBJECTIVE_CELL.match(raw)
        axis_number, objective_number, title = (
            (int(match[1]) if match[1] else None, int(match[2]), clean_text(match[3])) if match else (None, None, raw)
        )
        if axis_number is not None and axis.number is not None and axis_number != axis.number:
            self.error(cell, f"l'objectif « {raw} » est numéroté dans l'axe {axis_number}, la ligne est de l'axe {axis.number}")
            return None
        if len(title) > 300:
            self.error(cell, f"intitulé de l'objectif de {len(title)} caractères : 300 au plus")
            return None
        objective, error = axis.objectives.resolve(objective_number, title, number)
        if error:
            self.error(cell, error)
        return objective

    def read_commune(self, sheet, values, number):
        raw = self.text(sheet, values, COMMUNE, number)
        if not raw or _key(raw) == _key(INTERCOMMUNAL):
            return None
        commune = self.communes.get(_key(raw))
        if commune is None:
            self.error(sheet.cell(COMMUNE, number), f"commune « {raw} » absente de la convention")
        return commune

    def read_boolean(self, sheet, values, header, number):
        raw = sheet.get(values, header)
        if isinstance(raw, bool):
            return raw
        text = clean_text(raw)
        if not text:
            return False
        value = BOOLEANS.get(text.casefold())
        if value is None:
            self.error(sheet.cell(header, number), f"« {text} » : « Oui » ou « Non » attendu")
            return False
        return value

    def read_pilots(self, sheet, values, number):
        pilots = []
        for name in re.split(r"[;\n]", self.text(sheet, values, PILOTS, number)):
            if not (name := _spaces(name)):
                continue
            organisation = self.pilots.get(_key(name))
            if organisation is None:
                self.error(sheet.cell(PILOTS, number),
                           f"organisation pilote inconnue « {name} » : la Caf ou une partie à la convention attendue")
            elif organisation not in pilots:
                pilots.append(organisation)
        return pilots

    def claim_fiche(self, sheet, number, fiche_number, title):
        """The current fiche the row updates (by number, else by title), None for a new one, False
        when another row already claimed it."""
        claims = self.claims
        if fiche_number is not None:
            fiche = next((f for f in self.fiches if f.number == fiche_number), None)
            claim = fiche.pk if fiche else ("nouvelle", fiche_number)
            message = f"action n°{fiche_number} déjà présente ligne {{}}"
        else:
            fiche = next((f for f in self.fiches if title and _key(f.title) == _key(title)), None)
            if fiche is None:
                return None
            claim = fiche.pk
            message = f"action « {title} » déjà présente ligne {{}}"
        if claim in claims:
            self.error(sheet.cell(NUMERO if fiche_number is not None else TITLE, number), message.format(claims[claim]))
            return False
        claims[claim] = number
        return fiche

    def number_new_fiches(self, rows):
        last = max([next_fiche_number(self.convention) - 1, *(r.number for r in rows if r.number is not None)])
        for row in rows:
            if row.number is None:
                last += 1
                row.number = last

    # The « Indicateurs » sheet

    def read_indicators(self, sheet, rows):
        by_number = {row.number: row for row in rows}
        found = []
        claims = {}  # (fiche row line, indicator pk or new name) → line
        name_header = label(Indicator, "name")
        for number, values in sheet.data_rows(self):
            raw_number = sheet.get(values, INDICATOR_FICHE)
            fiche_number = self.whole(sheet, values, INDICATOR_FICHE, number, "numéro de l'action")
            key = clean_text(sheet.get(values, label(Indicator, "key")))
            indicator_values = {"name": self.text(sheet, values, name_header, number, limit=300)}
            if sheet.has(label(Indicator, "unit")):
                indicator_values["unit"] = self.text(sheet, values, label(Indicator, "unit"), number, limit=30)
            for name in INDICATOR_NUMBERS:
                if sheet.has(label(Indicator, name)):
                    try:
                        indicator_values[name] = parse_number(sheet.get(values, label(Indicator, name)))
                    except ValueError:
                        raw = clean_text(sheet.get(values, label(Indicator, name)))
                        self.error(sheet.cell(label(Indicator, name), number), f"valeur « {raw} » invalide : nombre attendu")
            fiche_cell = sheet.cell(INDICATOR_FICHE, number)
            if fiche_number is None:
                if clean_text(raw_number) == "":
                    self.error(fiche_cell, "numéro de l'action manquant")
                continue
            fiche_row = by_number.get(fiche_number)
            if fiche_row is None:
                self.error(fiche_cell, f"aucune action n°{fiche_number} dans la feuille {PLAN}")
                continue
            existing = list(fiche_row.fiche.indicators.all()) if fiche_row.fiche else []
            if key:
                indicator = next((i for i in existing if i.key == key), None)
                if indicator is None:
                    self.error(sheet.cell(label(Indicator, "key"), number),
                               f"aucun indicateur de l'action {fiche_number} n'a la clé « {key} » : "
                               "laissez la clé vide pour en créer un")
                    continue
            elif not indicator_values["name"]:
                self.error(sheet.cell(name_header, number), "nom de l'indicateur manquant")
                continue
            else:
                indicator = next((i for i in existing if _key(i.name) == _key(indicator_values["name"])), None)
            if not indicator_values["name"]:
                indicator_values.pop("name")  # a key without a name keeps the indicator's name
            claim = (fiche_row.line, indicator.pk if indicator else _key(indicator_values["name"]))
            if claim in claims:
                self.error(sheet.cell(name_header, number), f"indicateur déjà présent ligne {claims[claim]}")
                continue
            claims[claim] = number
            row = IndicatorRow(number, fiche_row, indicator, indicator_values)
            fiche_row.indicators.append(row)
            found.append(row)
        return found

# What a row changes


def _ref(target):
    return target.ref if target else "—"


def _labels(slugs, choices):
    return ", ".join(choices(s).label for s in slugs) or "—"


def fiche_changes(row):
    """French descriptions of what `row` changes in its fiche."""
    fiche, values, changes = row.fiche, row.values, []
    if _spaces(values["title"]) != _spaces(fiche.title):
        changes.append(f"intitulé : « {fiche.title} » → « {values['title']} »")
    if not row.axis.is_row(fiche.axis):
        changes.append(f"axe : {fiche.axis.number} → {row.axis.ref}")
    if row.objective is not MISSING:
        if row.objective is None:
            same = fiche.objective is None
        else:
            same = row.objective.is_row(fiche.objective)
        if not same:
            old = f"{fiche.axis.number}.{fiche.objective.number}" if fiche.objective else "—"
            changes.append(f"objectif : {old} → {_ref(row.objective)}")
    if row.themes is not None and row.themes != fiche.theme_slugs:
        changes.append(f"thématiques : {_labels(fiche.theme_slugs, Theme)} → {_labels(row.themes, Theme)}")
    if "nature" in values and values["nature"] != fiche.nature:
        changes.append(f"nature : {_labels(fiche.nature, Nature)} → {_labels(values['nature'], Nature)}")
    if "commune" in values and values["commune"] != fiche.commune:
        old, new = fiche.commune, values["commune"]
        changes.append(f"commune : {old.name if old else INTERCOMMUNAL} → {new.name if new else INTERCOMMUNAL}")
    name = "coordination_between_collectivities"
    if name in values and values[name] != getattr(fiche, name):
        changes.append(f"{verbose(Fiche, name)} : {'non → oui' if values[name] else 'oui → non'}")
    for name in TEXT_FIELDS:
        if name in values and values[name] != clean_text(getattr(fiche, name)):
            old, new = clean_text(getattr(fiche, name)), values[name]
            changes.append(f"{verbose(Fiche, name)} : {excerpt(old) if old else '—'} → {excerpt(new) if new else '—'}")
    for name in YEAR_FIELDS:
        if name in values and values[name] != getattr(fiche, name):
            changes.append(f"{verbose(Fiche, name)} : {getattr(fiche, name) or '—'} → {values[name] or '—'}")
    if row.pilots is not None:
        old = sorted(o.name for o in fiche.lead_organisations.all())
        new = sorted(o.name for o in row.pilots)
        if old != new:
            changes.append(f"{verbose(Fiche, 'lead_organisations')} : {', '.join(old) or '—'} → {', '.join(new) or '—'}")
    return changes


def indicator_changes(row):
    indicator, changes = row.indicator, []
    for name, value in row.values.items():
        old = getattr(indicator, name)
        if name in INDICATOR_NUMBERS:
            if old != value:
                changes.append(f"{verbose(Indicator, name)} : {format_number(old)} → {format_number(value)}")
        elif _spaces(old) != _spaces(value):
            changes.append(f"{verbose(Indicator, name)} : {f'« {old} »' if old else '—'} → {f'« {value} »' if value else '—'}")
    return changes
