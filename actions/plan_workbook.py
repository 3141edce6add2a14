"""The plan d'actions as an Excel workbook (`docs/plan-d-actions-excel.md`): its layout, and
`PlanWorkbook`, which writes it empty (the model to fill) or with the plan of any convention as
in force on a date. `plan_import.py` reads it back."""

import itertools

from django.utils.text import capfirst
from openpyxl.utils import get_column_letter

from ctg.dates import FIRST_YEAR, LAST_YEAR
from ctg.xlsx import (
    XLSX,
    add_sheet,
    add_validation,
    append_row,
    inline_list,
    new_workbook,
    workbook_bytes,
)

from .enums import Nature, Theme
from .models import Fiche, Indicator, pilot_organisations

PLAN = "Plan"
INDICATEURS = "Indicateurs"
LISTES = "Listes"


def label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


AXE = "Axe"
OBJECTIF = "Objectif"
NUMERO = "N°"
TITLE = label(Fiche, "title")
THEME = "Thématique"  # numbered columns: « Thématique 1 », « Thématique 2 »…
NATURE = "Nature"
COMMUNE = "Commune"
COORDINATION = label(Fiche, "coordination_between_collectivities")
PILOTS = label(Fiche, "lead_organisations")
# Every canonical box (`Fiche.BOX_FIELDS`), then the schedule: text columns headed by their label.
TEXT_FIELDS = (*Fiche.BOX_FIELDS, "schedule")
YEAR_FIELDS = ("start_year", "end_year")
MIN_THEMES, MIN_NATURES = 3, 2  # more columns when a fiche of the plan has more
EXTRA_ROWS = 500  # rows below the plan where the validation lists still apply, for new actions
NO = "Non"
YES = "Oui"
INTERCOMMUNAL = "Plan intercommunal"

INDICATOR_FICHE = "N° action"
INDICATOR_ACTION = "Action"
INDICATOR_FIELDS = ("key", "name", "unit", "baseline", "target")
INDICATOR_NUMBERS = ("baseline", "target")



def plan_columns(themes, natures):
    """The « Plan » sheet's (header, width), with `themes` and `natures` numbered columns."""
    return [
        (AXE, 30), (OBJECTIF, 30), (NUMERO, 6), (TITLE, 50),
        *((f"{THEME} {i}", 22) for i in range(1, themes + 1)),
        *((f"{NATURE} {i}", 18) for i in range(1, natures + 1)),
        (COMMUNE, 22), (COORDINATION, 16),
        *((label(Fiche, name), 40) for name in Fiche.BOX_FIELDS),
        (PILOTS, 30), (label(Fiche, "schedule"), 16), *((label(Fiche, name), 10) for name in YEAR_FIELDS),
    ]


INDICATOR_COLUMNS = [
    (INDICATOR_FICHE, 10), (INDICATOR_ACTION, 40), (label(Indicator, "key"), 24), (label(Indicator, "name"), 40),
    (label(Indicator, "unit"), 12), (label(Indicator, "baseline"), 14), (label(Indicator, "target"), 10),
]
LIST_COLUMNS = [("Thématiques", 28), ("Natures", 20), ("Communes", 28), (PILOTS, 40)]


def _letter(columns, header):
    return get_column_letter([name for name, _ in columns].index(header) + 1)


def _pad(values, size):
    return [*values, *[None] * (size - len(values))]


class PlanWorkbook:
    """Exporter: `PlanWorkbook(on).generate(convention) -> (filename, mimetype, bytes)`, the plan
    in force on `on`; `PlanWorkbook()` gives the same workbook without a row, the model to fill."""

    def __init__(self, on=None):
        self.on = on

    def fiches(self, convention):
        if self.on is None:
            return []
        return list(
            convention.fiches.in_force(self.on)
            .select_related("axis", "objective__axis", "commune")
            .prefetch_related("theme_links", "lead_organisations", "indicators")
            .order_by("axis__number", "number", "id")
        )

    def generate(self, convention):
        fiches = self.fiches(convention)
        communes = list(convention.communes.all())
        pilots = list(pilot_organisations(convention).order_by("name"))
        themes = max([MIN_THEMES, *(len(f.theme_links.all()) for f in fiches)])
        natures = max([MIN_NATURES, *(len(f.nature) for f in fiches)])
        columns = plan_columns(themes, natures)
        workbook = new_workbook()
        plan = add_sheet(workbook, PLAN, columns)
        for fiche in fiches:
            append_row(plan, [
                str(fiche.axis), str(fiche.objective) if fiche.objective else None, fiche.number, fiche.title,
                *_pad(fiche.theme_labels, themes), *_pad(fiche.nature_labels, natures),
                fiche.commune.name if fiche.commune else None, YES if fiche.coordination_between_collectivities else NO,
                *(getattr(fiche, name) for name in Fiche.BOX_FIELDS),
                "; ".join(sorted(o.name for o in fiche.lead_organisations.all())), fiche.schedule,
                *(getattr(fiche, name) for name in YEAR_FIELDS),
            ])
        self.validate(plan, columns, len(fiches) + 1 + EXTRA_ROWS, communes)

        indicateurs = add_sheet(workbook, INDICATEURS, INDICATOR_COLUMNS)
        for fiche in fiches:
            for indicator in fiche.indicators.all():
                append_row(indicateurs, [fiche.number, fiche.title, *(getattr(indicator, n) for n in INDICATOR_FIELDS)])
        last = sum(len(f.indicators.all()) for f in fiches) + 1 + EXTRA_ROWS
        add_validation(indicateurs, f"A2:A{last}", type="whole", operator="greaterThanOrEqual", formula1="1",
                       title="Numéro invalide", message="Le numéro de l'action, un nombre entier à partir de 1.")

        listes = add_sheet(workbook, LISTES, LIST_COLUMNS)
        for row in itertools.zip_longest(
            Theme.labels, Nature.labels, [c.name for c in communes], [o.name for o in pilots]
        ):
            append_row(listes, list(row))
        if self.on is None:
            return f"plan-{convention.slug}-modele.xlsx", XLSX, workbook_bytes(workbook)
        return f"plan-{convention.slug}-{self.on:%Y-%m-%d}.xlsx", XLSX, workbook_bytes(workbook)

    def validate(self, plan, columns, last, communes):
        def cells(first, final=None):
            return f"{_letter(columns, first)}2:{_letter(columns, final or first)}{last}"

        headers = [name for name, _ in columns]
        theme_headers = [h for h in headers if h.startswith(f"{THEME} ")]
        nature_headers = [h for h in headers if h.startswith(f"{NATURE} ")]
        add_validation(plan, cells(NUMERO), type="whole", operator="greaterThanOrEqual", formula1="1",
                       title="Numéro invalide", message="Un nombre entier à partir de 1 ; vide pour une nouvelle action.")
        add_validation(plan, cells(theme_headers[0], theme_headers[-1]), type="list",
                       formula1=f"{LISTES}!$A$2:$A${len(Theme) + 1}", title="Thématique inconnue",
                       message="Choisissez une thématique de la liste, une par colonne.")
        add_validation(plan, cells(nature_headers[0], nature_headers[-1]), type="list",
                       formula1=f"{LISTES}!$B$2:$B${len(Nature) + 1}", title="Nature inconnue",
                       message="Choisissez une nature de la liste, une par colonne.")
        if communes:
            add_validation(plan, cells(COMMUNE), type="list", formula1=f"{LISTES}!$C$2:$C${len(communes) + 1}",
                           title="Commune inconnue",
                           message="Choisissez une commune de la convention ; vide pour le plan intercommunal.")
        add_validation(plan, cells(COORDINATION), type="list", formula1=inline_list([YES, NO]),
                       title="Oui ou non", message="Répondez « Oui » ou « Non ».")
        years = [label(Fiche, name) for name in YEAR_FIELDS]
        add_validation(plan, cells(*years), type="whole", operator="between", formula1=str(FIRST_YEAR), formula2=str(LAST_YEAR),
                       title="Année invalide", message="Une année sur quatre chiffres, par exemple 2026.")
