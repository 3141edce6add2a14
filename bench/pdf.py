"""Benchmark: the full convention PDF of a synthetic CTG with 60 fiches.

Prints pages, seconds, pages per second and peak Python memory (tracemalloc) for the export
through the app (queries, templates, then the document worker: WeasyPrint with its page
counting, the kept file) and for WeasyPrint alone on the same final HTML.
Run: `make bench` (or `.venv/bin/python bench/pdf.py`). It uses a throwaway SQLite database.
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
os.environ["DOCUMENT_WORKER"] = "inline"  # the worker's code, in this process, to be measured
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.core.management import call_command  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from conventions.pdf import ConventionPdf  # noqa: E402
from ctg.pdf import render_pdf  # noqa: E402
from documents.queue import document_request  # noqa: E402
from documents.storage import read_kept  # noqa: E402
from exchange.importer import import_document  # noqa: E402
from exchange.reading import load_json  # noqa: E402

logging.getLogger("weasyprint").setLevel(logging.ERROR)
FICHES = 60


def synthetic_document():
    """The spec's example, its plan grown to 60 fiches with the canonical boxes filled."""
    document = load_json(ROOT / "tests" / "data" / "roumois-seine.json")
    convention = document["convention"]
    convention["slug"] = "bench-60-fiches"
    model = convention["amendments"][0]["operations"][1]["fiche"]
    convention["amendments"] = []
    convention["fiches"] = []
    paragraph = ("Les temps scolaires et périscolaires restent cloisonnés, avec peu de coordination effective "
                 "entre les équipes enseignantes et d'animation. ") * 4
    for n in range(1, FICHES + 1):
        fiche = copy.deepcopy(model)
        fiche.update(key=f"action-{n}", number=n, axis=(n % 3) + 1, title=f"Développer l'action n°{n} du territoire",
                     initial_diagnosis=f"{paragraph}\n\n{paragraph}", implementation=f"{paragraph}\n\n- Étape 1\n- Étape 2",
                     updates=[])
        convention["fiches"].append(fiche)
    return document


def measure(label, function):
    tracemalloc.start()
    started = time.perf_counter()
    data = function()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"{label:<28} {pages:>5} pages  {seconds:>7.2f} s  {pages / seconds:>6.1f} pages/s  "
          f"{peak / 2**20:>7.1f} Mio en pointe")
    return seconds


def app_export(convention):
    """What the download button does for a long document, the worker included."""
    exporter = ConventionPdf()
    html = exporter.html(convention)
    document = document_request(convention, "Document complet", exporter.filename(convention), html, by=None)
    return read_kept(document.key)


def main():
    call_command("migrate", verbosity=0)
    convention = import_document(synthetic_document())
    html = ConventionPdf().html(convention)
    app = measure("export complet par l'app", lambda: app_export(convention))
    alone = measure("WeasyPrint seul (même HTML)", lambda: render_pdf(html))
    print(f"surcoût de l'app : {100 * (app - alone) / alone:+.1f} %")


if __name__ == "__main__":
    main()
