"""Benchmark: taking up a CTG of 30 fiches (some 70 pages, more than the 60 of the target) from its
Word document.

The spec's example, its plan grown to 30 fiches with every box filled, is exported to Word by the
application (`conventions.word.ConventionWord`), then read back (`exchange.docx_reader`) and
created again (`exchange.docx_import`, through the exchange importer). Prints the pages of the
same convention's PDF, the seconds of reading alone and of the whole import (best of three), and
peak Python memory. Target: under 3 s. Run: `make bench` (or `.venv/bin/python bench/docx_import.py`).
It uses a throwaway SQLite database.
"""

import copy
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
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.core.management import call_command  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from conventions.pdf import ConventionPdf  # noqa: E402
from conventions.word import ConventionWord  # noqa: E402
from ctg.pdf import render_pdf  # noqa: E402
from exchange.docx_import import docx_import  # noqa: E402
from exchange.docx_reader import read_docx  # noqa: E402
from exchange.importer import import_document  # noqa: E402
from exchange.reading import load_json  # noqa: E402

logging.getLogger("weasyprint").setLevel(logging.ERROR)
FICHES = 30
PARAGRAPH = ("Les temps scolaires et périscolaires restent cloisonnés, avec peu de coordination effective entre les "
             "équipes enseignantes et d'animation ; les familles peinent à trouver l'information utile. ") * 2
BOXES = ("initial_diagnosis", "target_public", "operational_objectives", "implementation", "lead", "partners",
         "expected_results", "evaluation_indicators", "funding", "referents")


def synthetic_document():
    """The spec's example with 30 fiches, every box filled, and longer articles."""
    document = load_json(ROOT / "tests" / "data" / "roumois-seine.json")
    convention = document["convention"]
    convention["slug"] = "bench-word-30-fiches"
    model = convention["amendments"][0]["operations"][1]["fiche"]
    convention["amendments"] = []
    convention["fiches"] = []
    for article in convention["articles"]:
        article["body"] = f"{article['body']}\n\n{PARAGRAPH}\n\n{PARAGRAPH}"
    for n in range(1, FICHES + 1):
        fiche = copy.deepcopy(model)
        fiche.update(key=f"action-{n}", number=n, axis=(n % 3) + 1, title=f"Développer l'action n°{n} du territoire",
                     updates=[], indicators=[], schedule="2026-2027",
                     **{box: f"{PARAGRAPH}\n\n- Étape 1 ;\n- Étape 2." if box == "implementation" else PARAGRAPH
                        for box in BOXES})
        convention["fiches"].append(fiche)
    return document


def timed(function, runs=3):
    """(best seconds, peak Mio of the first run, result)."""
    best, peak, result = None, 0, None
    for run in range(runs):
        if run == 0:
            tracemalloc.start()
        started = time.perf_counter()
        result = function(run)
        seconds = time.perf_counter() - started
        if run == 0:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        best = seconds if best is None else min(best, seconds)
    return best, peak, result


def main():
    call_command("migrate", verbosity=0)
    convention = import_document(synthetic_document())
    data = ConventionWord().generate(convention)[2]
    pages = len(PdfReader(io.BytesIO(render_pdf(ConventionPdf().html(convention)))).pages)
    print(f"document Word : {len(data) / 1024:.0f} Kio, {FICHES} fiches, {pages} pages (son PDF)")
    seconds, peak, reading = timed(lambda run: read_docx(data))
    print(f"lecture seule              {seconds:>6.2f} s  {peak:>6.1f} Mio en pointe  "
          f"({reading.paragraphs} paragraphes, {len(reading.unrecognised)} non reconnus)")
    seconds, peak, _ = timed(lambda run: docx_import(read_docx(data), by=None, caf=convention.caf,
                                                     slug=f"bench-reprise-{run}", signed=True))
    print(f"import complet (lecture + création) {seconds:>6.2f} s  {peak:>6.1f} Mio en pointe  (objectif : < 3 s)")


if __name__ == "__main__":
    main()
