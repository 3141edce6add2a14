"""The queue of PDF documents laid out off the request thread.

A long document is recorded as a `GeneratedDocument` and laid out by `manage.py render_document`
in its own process: WeasyPrint's layout of a 300-page convention takes minutes, and must neither
hold a web worker nor hit its timeout. The page that asked follows the progress
(`documents.views.progress`) and downloads the result (`documents.responses` decides what is laid
out in the request and what is queued).

A document is claimed (set "en cours") before its worker starts, so that the cap of MAX_RUNNING
layouts counts workers still starting; a worker beats while it lays out pages; a worker done with
its document takes the waiting ones; the progress page starts a worker for a waiting document when
there is room. A worker lays out each document within settings.DOCUMENT_TIME_LIMIT and its process
within settings.DOCUMENT_MEMORY_LIMIT (`documents.workers`). One that falls silent for
DOCUMENT_SILENCE_LIMIT (a crash, a page it never finishes) or overruns its time limit is declared
lost, its document failed, and its process stopped; one that cannot be stopped keeps its place
under the cap as long as it runs.
"""

import contextlib
import datetime
import logging
import subprocess
import sys
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ctg.pdf import forced_page_breaks, layout

from . import storage, workers
from .enums import DocumentStatus
from .models import DOCUMENT_SILENCE_LIMIT, GeneratedDocument, running_since

logger = logging.getLogger(__name__)

# Before any document was made here, the pace measured on the five demo conventions and the
# 60-fiche benchmark (2-core machine, 12 to 133 pages): HTML bytes per page of running text, once
# the pages that forced breaks start are counted apart, and seconds of layout per HTML byte.
DEFAULT_BYTES_PER_PAGE = 5000
DEFAULT_SECONDS_PER_BYTE = 0.25 / 1000
# Documents whose measured pace the estimates follow (the latest ones made here).
PACE_SAMPLE = 20
# A document estimated to take no longer than this (seconds) is laid out in the request.
INLINE_MAX_SECONDS = 10
# Layouts running at once: each takes a core and about 100 MB; the others wait their turn.
MAX_RUNNING = 2
# Long documents one user may have waiting or running at once (each date is a new document).
MAX_PER_USER = 3
# WeasyPrint logs each page it lays out; the worker records the count at most this often (seconds).
PROGRESS_EVERY = 1.0


def document_request(convention, title, filename, html, *, by, back_url=""):
    """A new document for `html`, laid out once the transaction commits (or at once, inline)."""
    document = GeneratedDocument.objects.create(
        convention=convention, title=title, filename=filename, key=storage.document_key(html),
        html_bytes=len(html.encode()), page_breaks=forced_page_breaks(html), requested_by=by, back_url=back_url,
    )
    storage.keep_html(document.pk, html)
    # `DOCUMENT_WORKER`: "process" (a separate `manage.py render_document` once the document is
    # committed), or "inline" (right here: tests, benchmarks).
    if settings.DOCUMENT_WORKER == "inline":
        if claim(document.pk):
            render_document(document.pk)
        document.refresh_from_db()
    else:
        transaction.on_commit(lambda: start_worker(document.pk))
    return document


def claim(pk):
    """Mark a waiting document as being laid out; False if someone else took it."""
    now = timezone.now()
    return bool(
        GeneratedDocument.objects.filter(pk=pk, status=DocumentStatus.EN_ATTENTE).update(
            status=DocumentStatus.EN_COURS, started_at=now, heartbeat_at=now
        )
    )


def start_worker(pk):
    """A worker process for waiting document `pk`, if fewer than MAX_RUNNING layouts run; otherwise
    it waits for a worker to finish and take it (`work`)."""
    stop_lost()
    with transaction.atomic():
        if occupied() >= MAX_RUNNING or not claim(pk):
            return False
    subprocess.Popen(  # noqa: S603 — fixed arguments, no user input
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "render_document", str(pk)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None, start_new_session=True,
        cwd=settings.BASE_DIR,
    )
    return True


def occupied():
    """Places taken under MAX_RUNNING: the documents being laid out, and the lost workers that
    still run (they still take a core). A lost worker found gone is forgotten."""
    running = set()
    starting = 0
    for worker in GeneratedDocument.objects.running().values_list("worker", flat=True):
        if worker:
            running.add(worker)
        else:
            starting += 1  # claimed, its process not yet started
    lost = set(GeneratedDocument.objects.filter(status=DocumentStatus.ECHEC).exclude(worker="")
               .values_list("worker", flat=True))
    alive = {worker for worker in lost if workers.is_alive(worker)}
    if lost - alive:
        GeneratedDocument.objects.filter(status=DocumentStatus.ECHEC, worker__in=lost - alive).update(worker="")
    return starting + len(running | alive)


def stop_lost():
    """Declare failed the documents whose worker fell silent or overran its time limit, and stop
    those workers: one stuck on a page would otherwise take a core for ever."""
    now = timezone.now()
    silent_since, _ = running_since(now)
    for document in GeneratedDocument.objects.lost().only("pk", "worker", "heartbeat_at"):
        stopped = workers.stop(document.worker)
        if document.heartbeat_at and document.heartbeat_at < silent_since:
            why = f"aucun signe du processus depuis {DOCUMENT_SILENCE_LIMIT.seconds // 60} minutes"
        else:
            why = f"limite de {settings.DOCUMENT_TIME_LIMIT} s dépassée"
        GeneratedDocument.objects.filter(pk=document.pk, status=DocumentStatus.EN_COURS).update(
            status=DocumentStatus.ECHEC, finished_at=now,
            error=f"Processus perdu ({why}) : {'arrêté' if stopped else 'impossible à arrêter'}.",
        )


def nudge(document):
    """Called by a document's progress page: stop the workers that were lost, then start this
    document's worker if it waits and its turn came (a worker crashed, or none had room when it
    was asked for)."""
    if settings.DOCUMENT_WORKER != "process":
        return
    stop_lost()
    if document.status == DocumentStatus.EN_ATTENTE:
        start_worker(document.pk)
    document.refresh_from_db()


def work(pk, *, worker=None):
    """What a worker process does: its claimed document `pk`, then every document left waiting,
    oldest first. `worker` is the process's token (`documents.workers.token`)."""
    render_document(pk, worker=worker)
    while (waiting := GeneratedDocument.objects.waiting().values_list("pk", flat=True).first()) is not None:
        if claim(waiting):
            render_document(waiting, worker=worker)


def render_document(pk, *, worker=None):
    """Lay out and write the PDF of a claimed document; record its pages, or the error. In a worker
    process (`worker` is its token), the layout has settings.DOCUMENT_TIME_LIMIT seconds."""
    if worker is not None:
        GeneratedDocument.objects.filter(pk=pk).update(worker=worker)
    document = GeneratedDocument.objects.get(pk=pk)
    progress_logger = logging.getLogger("weasyprint.progress")
    handler, level = PageCounter(pk), progress_logger.level
    progress_logger.addHandler(handler)
    progress_logger.setLevel(logging.INFO)
    limit = workers.time_limit(settings.DOCUMENT_TIME_LIMIT) if worker is not None else contextlib.nullcontext()
    try:
        with limit:
            laid_out = layout(storage.read_html(pk))
            GeneratedDocument.objects.filter(pk=pk).update(pages=len(laid_out.pages), heartbeat_at=timezone.now())
            storage.keep(document.key, laid_out.write_pdf())
    except Exception as error:
        logger.exception("Document %s could not be rendered", pk)
        GeneratedDocument.objects.filter(pk=pk).update(
            status=DocumentStatus.ECHEC, finished_at=timezone.now(), error=f"{type(error).__name__} : {error}",
            worker="",
        )
        return
    finally:
        progress_logger.removeHandler(handler)
        progress_logger.setLevel(level)
        storage.forget_html(pk)
    GeneratedDocument.objects.filter(pk=pk).update(status=DocumentStatus.PRET, finished_at=timezone.now(), worker="")


class PageCounter(logging.Handler):
    """Records how many pages WeasyPrint has laid out ("Step 5 - Creating layout - Page N"): the
    progress, and the worker's heartbeat."""

    def __init__(self, pk):
        super().__init__(logging.INFO)
        self.pk = pk
        self.last = 0.0
        self.highest = 0

    def emit(self, record):
        if not str(record.msg).startswith("Step 5 - Creating layout - Page") or not record.args:
            return
        # Once every page is laid out, WeasyPrint goes over them again for the page numbers
        # ("Repagination", from page 1): the count does not go back.
        self.highest = max(self.highest, record.args[0])
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            GeneratedDocument.objects.filter(pk=self.pk).update(pages_done=self.highest, heartbeat_at=timezone.now())


def progress(document, now=None):
    """What the progress page shows: (percent or None, seconds left or None, French phase)."""
    now = now or timezone.now()
    if document.status == DocumentStatus.PRET:
        return 100, 0, f"Document prêt : {pages(document.pages)}."
    if document.status == DocumentStatus.ECHEC or document.is_lost:
        return None, None, "La génération n'a pas abouti."
    if document.status == DocumentStatus.EN_ATTENTE:
        ahead = GeneratedDocument.objects.waiting().filter(created_at__lt=document.created_at).count()
        if ahead:
            return 0, None, f"En attente : {ahead} document{'s' if ahead > 1 else ''} à mettre en page avant celui-ci…"
        return 0, None, "En attente du démarrage de la mise en page…"
    if document.pages:
        return 95, None, f"Écriture du PDF ({pages(document.pages)})…"
    bytes_per_page, seconds_per_byte = pace()
    expected = max(estimated_pages(document.html_bytes, document.page_breaks, bytes_per_page), document.pages_done + 1)
    percent = round(90 * document.pages_done / expected)
    elapsed = ((now - document.started_at).total_seconds()) if document.started_at else 0
    # Past the estimate (a slower machine, a heavier document), no figure rather than a wrong one.
    seconds_left = round(document.html_bytes * seconds_per_byte - elapsed)
    seconds_left = seconds_left if seconds_left > 0 else None
    if not document.pages_done:
        return percent, seconds_left, "Mise en page du document…"
    return percent, seconds_left, f"Mise en page : page {document.pages_done} sur environ {expected}…"


def pages(count):
    return f"{count} page{'s' if count > 1 else ''}"


def estimated_pages(html_bytes, page_breaks, bytes_per_page):
    """A page for each forced break (a fiche, an annexe), and pages of running text for the rest."""
    return round(page_breaks + html_bytes / bytes_per_page)


def estimated_seconds(html_bytes):
    return html_bytes * pace()[1]


def pace():
    """(HTML bytes per page of running text, seconds per HTML byte) measured on the last documents
    made here: the pages they had beyond those their forced breaks start, and the median of their
    durations per byte (the time the user waited, from the request to the file)."""
    recent = list(
        GeneratedDocument.objects.filter(status=DocumentStatus.PRET, pages__gt=0, html_bytes__gt=0)
        .order_by("-finished_at")
        .values_list("html_bytes", "pages", "page_breaks", "started_at", "finished_at")[:PACE_SAMPLE]
    )
    if not recent:
        return DEFAULT_BYTES_PER_PAGE, DEFAULT_SECONDS_PER_BYTE
    size = sum(r[0] for r in recent)
    text_pages = sum(max(r[1] - r[2], 1) for r in recent)
    per_byte = sorted((r[4] - r[3]).total_seconds() / r[0] for r in recent if r[3] and r[4])
    return size / text_pages, per_byte[len(per_byte) // 2] if per_byte else DEFAULT_SECONDS_PER_BYTE


def prune(older_than):
    """Forget what was made or served longer ago than `older_than` (a day at least, so that nothing
    being made is touched): kept PDFs, leftover HTML, and their records. A pruned document is
    simply made again when asked. Returns the number of files removed."""
    older_than = max(older_than, datetime.timedelta(days=1))
    removed = storage.remove_older_than(older_than)
    GeneratedDocument.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return removed
