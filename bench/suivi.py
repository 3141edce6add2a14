"""Benchmark: export and all-or-nothing import of a 200-row tracking workbook (tableau-de-suivi.md).

Prints seconds and peak Python memory for the export, the import of the workbook with every row
changed, and the re-import of the same workbook (nothing to change). Each step runs twice on its
own fresh data: once timed, once traced (tracemalloc slows Python down, so it never times).
Run: `make bench` (or `.venv/bin/python bench/suivi.py`). It uses a throwaway SQLite database.
"""

import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402

from actions import services  # noqa: E402
from actions.models import Axis, Fiche, Indicator  # noqa: E402
from actions.periods import Period  # noqa: E402
from actions.workbook import TrackingWorkbook, read_tracking_workbook  # noqa: E402
from conventions.models import Convention, Organisation  # noqa: E402

ROWS = 200
PERIOD = Period(2026, 1)


def synthetic_convention(slug):
    caf, _ = Organisation.objects.get_or_create(code="27", defaults={"name": "Caf de l'Eure", "kind": "caf"})
    convention = Convention.objects.create(slug=slug, title="CTG de 200 actions", caf=caf,
                                           start=datetime.date(2022, 1, 1), end=datetime.date(2026, 12, 31))
    axes = [Axis.objects.create(convention=convention, number=n, title=f"Axe {n}") for n in range(1, 5)]
    fiches = Fiche.objects.bulk_create(
        Fiche(convention=convention, axis=axes[n % 4], number=n, key=f"action-{n}", title=f"Développer l'action {n}",
              is_current=True)
        for n in range(1, ROWS + 1)
    )
    Indicator.objects.bulk_create(
        Indicator(fiche=fiche, key="familles", name="Familles accompagnées", unit="familles", target=100) for fiche in fiches
    )
    return convention


def steps(convention):
    """The three steps, in order, on `convention`: (label, function)."""
    state = {}

    def export():
        state["content"] = TrackingWorkbook(PERIOD).generate(convention)[2]
        workbook = openpyxl.load_workbook(io.BytesIO(state["content"]))
        for row in range(2, ROWS + 2):
            workbook["Suivi"][f"G{row}"] = "En cours"
            workbook["Suivi"][f"H{row}"] = row % 100
            workbook["Suivi"][f"I{row}"] = "Réunion du groupe de travail tenue ; calendrier confirmé."
            workbook["Indicateurs"][f"H{row}"] = row
        buffer = io.BytesIO()
        workbook.save(buffer)
        state["filled"] = buffer.getvalue()

    def import_workbook():
        period, rows = read_tracking_workbook(convention, io.BytesIO(state["filled"]))
        return services.tracking_import(convention, rows, period, by=None)

    return [
        (f"export ({ROWS} rows)", lambda: TrackingWorkbook(PERIOD).generate(convention), export),
        (f"import, every row changed ({ROWS} rows)", import_workbook, None),
        (f"import again, nothing to change ({ROWS} rows)", import_workbook, None),
    ]


def main():
    call_command("migrate", verbosity=0)
    timed, traced = steps(synthetic_convention("bench-timed")), steps(synthetic_convention("bench-traced"))
    print(f"{'step':<44} {'seconds':>8}   peak memory")
    for (label, run, prepare), (_, traced_run, traced_prepare) in zip(timed, traced, strict=True):
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
        tracemalloc.start()
        traced_run()
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
        for step in (prepare, traced_prepare):
            if step:
                step()
        print(f"{label:<44} {seconds:8.3f}   {peak:5.1f} MiB")


if __name__ == "__main__":
    main()
