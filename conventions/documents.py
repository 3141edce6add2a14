"""PDF documents produced off the request thread.

A request builds the document's HTML (fast), then serves the PDF already kept for that exact
HTML; or lays out a short document (a fiche, a bilan) at once; or records a `GeneratedDocument`
and starts `manage.py render_document` in its own process: WeasyPrint's layout of a 300-page
convention takes minutes, and must neither hold a web worker nor hit its timeout. The page that
asked follows the progress and downloads the result. The kept PDF is named by the hash of its
HTML (`exporters.document_key`), so it is reused until something it shows changes.
"""

import logging
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .enums import DocumentStatus
from .exporters import document_key, keep, kept_path, layout, render_pdf
from .models import DOCUMENT_STALE_AFTER, GeneratedDocument

logger = logging.getLogger(__name__)

# HTML bytes per PDF page before any document was made here (the demo Roumois Seine convention).
DEFAULT_BYTES_PER_PAGE = 4000
# A document estimated at no more pages than this is laid out in the request (a few seconds).
INLINE_MAX_PAGES = 12
# Layouts running at once: each takes a core and about 100 MB; the others wait their turn, taken
# by a worker when it is done.
MAX_RUNNING = 2
# WeasyPrint logs each page it lays out; the worker records the count at most this often (seconds).
PROGRESS_EVERY = 1.0


def html_path(key):
    return Path(settings.MEDIA_ROOT) / "pdf" / f"{key}.html"


def pdf_response(path, filename):
    path.touch()  # last served now: `prune_documents` removes what nobody downloaded for long
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")


def document_response(request, convention, title, filename, html):
    """The PDF of `html` for a download button: the kept file at once; a short document laid out
    now; a long one laid out by a worker process while the user follows its progress page."""
    key = document_key(html)
    path = kept_path(key)
    if path.exists():
        return pdf_response(path, filename)
    referer = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        referer = ""
    if estimated_pages(len(html.encode())) <= INLINE_MAX_PAGES:
        try:
            keep(key, render_pdf(html))
        except Exception:
            logger.exception("Document « %s » of %s could not be rendered", title, convention.slug)
            messages.error(request, f"{title} : le document n'a pas pu être produit. Réessayez ; si l'erreur "
                                    "persiste, signalez-la à l'administrateur.")
            return redirect(referer or convention.get_absolute_url())
        return pdf_response(path, filename)
    return redirect(document_request(convention, title, filename, html, by=request.user, back_url=referer))


def document_request(convention, title, filename, html, *, by, back_url=""):
    """The document being made for this HTML, or a new one whose rendering starts once the
    transaction commits. Asking twice for the same content while it renders waits for the same
    document."""
    key = document_key(html)
    running = GeneratedDocument.objects.recent().filter(
        convention=convention, key=key, status__in=[DocumentStatus.EN_ATTENTE, DocumentStatus.EN_COURS]
    ).first()
    if running:
        return running
    path = html_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    document = GeneratedDocument.objects.create(
        convention=convention, title=title, filename=filename, key=key, html_bytes=len(html.encode()),
        requested_by=by, back_url=back_url,
    )
    # `DOCUMENT_WORKER`: "process" (a separate `manage.py render_document` once the document is
    # committed), or "inline" (right here: tests).
    if settings.DOCUMENT_WORKER == "inline":
        render_document(document.pk)
        document.refresh_from_db()
    else:
        transaction.on_commit(lambda: start_worker(document.pk))
    return document


def start_worker(pk):
    """A worker process for document `pk`, unless MAX_RUNNING already run: one of them takes it
    when it is done (`work`)."""
    if GeneratedDocument.objects.running().count() >= MAX_RUNNING:
        return
    subprocess.Popen(  # noqa: S603 — fixed arguments, no user input
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "render_document", str(pk)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None, start_new_session=True,
        cwd=settings.BASE_DIR,
    )


def work(pk):
    """What a worker process does: document `pk`, then every document left waiting, oldest first."""
    render_document(pk)
    while (waiting := GeneratedDocument.objects.waiting().values_list("pk", flat=True).first()) is not None:
        render_document(waiting)


def render_document(pk):
    """Lay out and write the PDF of a waiting document; record its pages, or the error."""
    claimed = GeneratedDocument.objects.filter(pk=pk, status=DocumentStatus.EN_ATTENTE).update(
        status=DocumentStatus.EN_COURS, started_at=timezone.now()
    )
    if not claimed:
        return
    document = GeneratedDocument.objects.get(pk=pk)
    progress_logger = logging.getLogger("weasyprint.progress")
    handler, level = PageCounter(pk), progress_logger.level
    progress_logger.addHandler(handler)
    progress_logger.setLevel(logging.INFO)
    try:
        html = html_path(document.key).read_text(encoding="utf-8")
        laid_out = layout(html)
        GeneratedDocument.objects.filter(pk=pk).update(pages=len(laid_out.pages))
        keep(document.key, laid_out.write_pdf())
    except Exception as error:
        logger.exception("Document %s could not be rendered", pk)
        GeneratedDocument.objects.filter(pk=pk).update(
            status=DocumentStatus.ECHEC, finished_at=timezone.now(), error=f"{type(error).__name__} : {error}"
        )
        return
    finally:
        progress_logger.removeHandler(handler)
        progress_logger.setLevel(level)
    GeneratedDocument.objects.filter(pk=pk).update(status=DocumentStatus.PRET, finished_at=timezone.now())
    html_path(document.key).unlink(missing_ok=True)


class PageCounter(logging.Handler):
    """Records how many pages WeasyPrint has laid out ("Step 5 - Creating layout - Page N")."""

    def __init__(self, pk):
        super().__init__(logging.INFO)
        self.pk = pk
        self.last = 0.0

    def emit(self, record):
        if not str(record.msg).startswith("Step 5 - Creating layout - Page") or not record.args:
            return
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            GeneratedDocument.objects.filter(pk=self.pk).update(pages_done=record.args[0])


def progress(document, now=None):
    """What the progress page shows: (percent or None, seconds left or None, French phase)."""
    now = now or timezone.now()
    if document.status == DocumentStatus.PRET:
        return 100, 0, f"Document prêt : {document.pages} pages."
    if document.status == DocumentStatus.ECHEC or is_stale(document, now):
        return None, None, "La génération n'a pas abouti."
    if document.status == DocumentStatus.EN_ATTENTE:
        ahead = GeneratedDocument.objects.waiting().filter(created_at__lt=document.created_at).count()
        if ahead:
            return 0, None, f"En attente : {ahead} document{'s' if ahead > 1 else ''} à mettre en page avant celui-ci…"
        return 0, None, "En attente du démarrage de la mise en page…"
    if document.pages:
        return 95, None, f"Écriture du PDF ({document.pages} pages)…"
    expected = max(estimated_pages(document.html_bytes), document.pages_done + 1)
    percent = round(90 * document.pages_done / expected)
    if not document.pages_done:
        return percent, None, "Mise en page du document…"
    elapsed = ((now - document.started_at).total_seconds()) if document.started_at else 0
    seconds_left = round(elapsed / document.pages_done * (expected - document.pages_done))
    return percent, seconds_left, f"Mise en page : page {document.pages_done} sur environ {expected}…"


def is_stale(document, now=None):
    return document.status in (DocumentStatus.EN_ATTENTE, DocumentStatus.EN_COURS) and (
        document.created_at < (now or timezone.now()) - DOCUMENT_STALE_AFTER
    )


def estimated_pages(html_bytes):
    return round(html_bytes / bytes_per_page())


def bytes_per_page():
    """HTML bytes per page of the last documents made here, to estimate the pages to come."""
    recent = (
        GeneratedDocument.objects.filter(status=DocumentStatus.PRET, pages__gt=0)
        .order_by("-finished_at")
        .values_list("html_bytes", "pages")[:20]
    )
    size, pages = sum(r[0] for r in recent), sum(r[1] for r in recent)
    return size / pages if size and pages else DEFAULT_BYTES_PER_PAGE


def prune(older_than):
    """Forget what was made or served longer ago than `older_than`: kept PDFs, leftover HTML,
    and their records (never one still being made). A pruned document is simply made again when
    asked. Returns the number of files removed."""
    limit = time.time() - older_than.total_seconds()
    removed = 0
    for path in (Path(settings.MEDIA_ROOT) / "pdf").glob("*"):
        if path.suffix in (".pdf", ".html", ".tmp") and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    GeneratedDocument.objects.filter(created_at__lt=timezone.now() - max(older_than, DOCUMENT_STALE_AFTER)).delete()
    return removed
