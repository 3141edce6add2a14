"""PDF downloads: short documents at once; long ones off the request (the progress page, the kept
file, the worker process, 300 pages); who may download what."""

import datetime
import io
import logging
import os
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from documents import queue as documents
from documents import responses
from documents.enums import DocumentStatus
from documents.models import GeneratedDocument
from tests.factories import ConventionFactory, FicheFactory, users_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_documents(monkeypatch):
    """Every document counts as long: laid out by the worker, with a progress page."""
    monkeypatch.setattr(documents, "INLINE_MAX_SECONDS", 0)


@pytest.fixture
def worker_starts(settings, monkeypatch, django_capture_on_commit_callbacks):
    """Long documents go to worker processes, recorded here instead of started (the pk each
    gets); the request's commit callbacks run, as after a real request."""
    settings.DOCUMENT_WORKER = "process"
    started = []
    monkeypatch.setattr(documents.subprocess, "Popen", lambda args, **kwargs: started.append(args))
    monkeypatch.setattr(documents, "INLINE_MAX_SECONDS", 0)
    return started


def ask(client, convention, capture, date="2026-01-15", **kwargs):
    """Ask for the convention's PDF, running what the request leaves for after its commit."""
    with capture(execute=True):
        return client.get(pdf_url(convention), {"date": date}, **kwargs)


@pytest.fixture
def convention():
    convention = ConventionFactory(slug="roumois", title="CTG Roumois Seine")
    FicheFactory(axis__convention=convention, number=1, title="Développer les passerelles")
    return convention


def pdf_url(convention):
    return reverse("documents:convention_pdf", args=[convention.slug])


def test_the_pdf_is_made_then_kept_for_the_next_request(client, convention, long_documents):
    users = users_for(convention)
    client.force_login(users["elu"])
    response = client.get(pdf_url(convention), {"date": "2026-01-15"}, headers={"referer": "http://testserver/conventions/roumois/"})
    document = GeneratedDocument.objects.get()
    assert response.status_code == 302 and response.url == document.get_absolute_url()
    assert (document.status, document.requested_by, document.title) == (
        DocumentStatus.PRET, users["elu"], "Document complet en vigueur au 15/01/2026"
    )
    page = client.get(response.url).content.decode()
    assert f"Télécharger le PDF ({document.pages} pages)" in page and "Revenir à la page précédente" in page
    download = client.get(reverse("documents:download", args=[convention.slug, document.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="roumois-en-vigueur-au-2026-01-15.pdf"' in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert len(PdfReader(io.BytesIO(data)).pages) == document.pages
    # Asked again: the kept file, at once, without a new rendering.
    again = client.get(pdf_url(convention), {"date": "2026-01-15"})
    assert again.status_code == 200 and b"".join(again.streaming_content) == data
    assert GeneratedDocument.objects.count() == 1
    # A change of what the document shows makes a new one.
    convention.preamble = "Un nouveau préambule."
    convention.save()
    assert client.get(pdf_url(convention), {"date": "2026-01-15"}).status_code == 302
    assert GeneratedDocument.objects.count() == 2


def test_outsiders_see_no_document(client, convention, long_documents):
    users = users_for(convention)
    client.force_login(users["caf"])
    client.get(pdf_url(convention))
    document = GeneratedDocument.objects.get()
    client.force_login(users["outsider"])
    assert client.get(pdf_url(convention)).status_code == 404
    assert client.get(document.get_absolute_url()).status_code == 404
    assert client.get(reverse("documents:download", args=[convention.slug, document.pk])).status_code == 404
    # Another convention's address does not reach it either.
    other = ConventionFactory()
    client.force_login(users_for(other)["caf"])
    assert client.get(reverse("documents:progress", args=[other.slug, document.pk])).status_code == 404


def test_asking_twice_while_it_renders_waits_for_the_same_document(client, convention, worker_starts,
                                                                   django_capture_on_commit_callbacks):
    client.force_login(users_for(convention)["coordinateur"])
    first = ask(client, convention, django_capture_on_commit_callbacks)
    second = ask(client, convention, django_capture_on_commit_callbacks)
    document = GeneratedDocument.objects.get()
    assert first.url == second.url == document.get_absolute_url()
    # One worker process, started once the request's transaction is committed.
    assert len(worker_starts) == 1 and worker_starts[0][-2:] == ["render_document", str(document.pk)]
    # The page polls while it waits; without JavaScript it refreshes itself.
    page = client.get(document.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page and '<meta http-equiv="refresh" content="3">' in page
    assert "Mise en page du document" in page  # claimed before its worker starts
    # The worker command then does the work.
    call_command("render_document", document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.PRET and document.pages >= 1
    region = client.get(document.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert region.lstrip().startswith('<section id="document-progress"') and "every 2s" not in region
    assert "Télécharger le PDF" in region


def page_log(number, message="Step 5 - Creating layout - Page %d"):
    return logging.LogRecord("weasyprint.progress", logging.INFO, "", 0, message, (number,), None)


def test_progress_follows_the_pace_of_the_last_documents(convention, monkeypatch):
    """The demo Roumois Seine convention (89 kB of HTML, 22 forced page breaks: cover, contents,
    annexes, fiches) was announced at 22 pages and 184 s, for 37 pages made in 26 s."""
    monkeypatch.setattr(documents, "PROGRESS_EVERY", 0)
    now = timezone.now()

    def laid_out_since(seconds, **fields):
        fields = {"status": DocumentStatus.EN_COURS, **fields}
        return GeneratedDocument.objects.create(
            convention=convention, title="Document complet", filename="d.pdf", key="k" * 64, html_bytes=89_382,
            page_breaks=22, started_at=now - datetime.timedelta(seconds=seconds), heartbeat_at=now, **fields,
        )

    # Nothing made here yet: the pace measured on the demo documents (22 + 89,382 / 5,000 pages;
    # 0.25 s per kB, 22 s, 5 of them gone).
    document = laid_out_since(5)
    assert documents.progress(document, now) == (0, 17, "Mise en page du document…")
    # Pages come; when WeasyPrint goes over them again for the page numbers, the count stays.
    handler = documents.PageCounter(document.pk)
    handler.emit(page_log(10))
    handler.emit(page_log(1, "Step 5 - Creating layout - Page %d (up-to-date)"))
    handler.emit(page_log(2))
    document.refresh_from_db()
    assert documents.progress(document, now) == (22, 17, "Mise en page : page 10 sur environ 40…")
    # Three such documents were made here, 37 pages in 26 s each: the next one is announced so.
    for _ in range(3):
        laid_out_since(26, status=DocumentStatus.PRET, pages=37, finished_at=now)
    document = laid_out_since(6, pages_done=10)
    assert documents.progress(document, now) == (24, 20, "Mise en page : page 10 sur environ 37…")
    # Slower than the pace: no figure rather than a wrong one.
    document = laid_out_since(40, pages_done=30)
    assert documents.progress(document, now) == (73, None, "Mise en page : page 30 sur environ 37…")
    document.pages = 37
    assert documents.progress(document, now)[2] == "Écriture du PDF (37 pages)…"
    # Its worker fell silent (a crash): the page stops waiting.
    document.pages, document.heartbeat_at = None, timezone.now() - datetime.timedelta(minutes=6)
    assert documents.progress(document, now) == (None, None, "La génération n'a pas abouti.")


def test_a_document_estimated_at_a_few_seconds_is_made_in_the_request(convention):
    """Not the Roumois Seine demo convention: 22 s at the pace measured here; it is queued."""
    assert documents.estimated_seconds(17_000) < documents.INLINE_MAX_SECONDS < documents.estimated_seconds(89_382)


def test_a_failed_rendering_says_so(client, convention):
    client.force_login(users_for(convention)["caf"])
    # Its HTML file is gone (a cleaned disk): the worker records why.
    document = GeneratedDocument.objects.create(convention=convention, title="Document", filename="d.pdf", key="0" * 64)
    documents.render_document(document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ECHEC and "FileNotFoundError" in document.error
    page = client.get(document.get_absolute_url()).content.decode()
    assert "Le document n'a pas pu être produit" in page and "every 2s" not in page
    assert "FileNotFoundError" not in page  # the technical detail is for the admin, not the page


def test_a_300_page_convention_is_produced(client, convention):
    # No fixture needed: 300 pages of text are estimated far above the inline limit.
    """The size that would time a web worker out: laid out by the worker, counted, downloadable."""
    paragraph = ("Les temps scolaires et périscolaires restent cloisonnés, avec peu de coordination effective entre "
                 "les équipes enseignantes et d'animation. ") * 12
    convention.previous_evaluation = "\n\n".join(f"## Bilan de l'action {n}\n\n{paragraph}\n\n{paragraph}\n\n{paragraph}"
                                                 for n in range(1, 301))
    convention.save()
    client.force_login(users_for(convention)["caf"])
    client.get(pdf_url(convention))
    document = GeneratedDocument.objects.get()
    assert document.status == DocumentStatus.PRET and document.pages >= 300
    assert document.pages_done >= 1


def test_a_short_document_is_downloaded_at_once(client, convention):
    client.force_login(users_for(convention)["elu"])
    response = client.get(pdf_url(convention))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    assert not GeneratedDocument.objects.exists()


def test_a_document_no_longer_kept_is_asked_again(client, convention, settings, long_documents):
    client.force_login(users_for(convention)["caf"])
    client.get(pdf_url(convention), headers={"referer": "http://testserver/conventions/roumois/"})
    document = GeneratedDocument.objects.get()
    for path in (settings.MEDIA_ROOT / "pdf").glob("*.pdf"):
        path.unlink()
    response = client.get(reverse("documents:download", args=[convention.slug, document.pk]), follow=True)
    assert response.redirect_chain[0][0] == "http://testserver/conventions/roumois/"
    assert "Ce document n&#x27;est plus conservé" in response.content.decode()


def test_an_outside_referer_is_not_offered_as_the_way_back(client, convention, long_documents):
    client.force_login(users_for(convention)["caf"])
    client.get(pdf_url(convention), headers={"referer": "https://evil.example.org/"})
    assert GeneratedDocument.objects.get().back_url == ""
    # Nor one longer than the column (PostgreSQL would refuse it).
    client.get(pdf_url(convention), {"date": "2026-02-01"},
               headers={"referer": "http://testserver/conventions/roumois/?" + "x" * 600})
    assert GeneratedDocument.objects.order_by("pk").last().back_url == ""


def started_pks(worker_starts):
    return [args[-1] for args in worker_starts]


def test_layouts_wait_their_turn_then_one_worker_takes_them_all(client, convention, worker_starts, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    monkeypatch.setattr(documents, "MAX_RUNNING", 2)
    monkeypatch.setattr(documents, "MAX_PER_USER", 10)
    client.force_login(users_for(convention)["caf"])
    # Four documents asked for in the same second: workers still starting count too.
    for month in (1, 2, 3, 4):
        ask(client, convention, django_capture_on_commit_callbacks, f"2026-0{month}-15")
    first, second, third, fourth = GeneratedDocument.objects.order_by("created_at", "pk")
    assert started_pks(worker_starts) == [str(first.pk), str(second.pk)]
    assert [d.status for d in (third, fourth)] == [DocumentStatus.EN_ATTENTE] * 2
    assert "En attente : 1 document à mettre en page avant celui-ci" in client.get(fourth.get_absolute_url()).content.decode()
    assert len(worker_starts) == 2  # the page does not start a third worker while two run
    # The first worker, done with its own, takes the waiting ones in order.
    documents.work(first.pk)
    assert {d.status for d in GeneratedDocument.objects.exclude(pk=second.pk)} == {DocumentStatus.PRET}
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert third.started_at <= fourth.started_at


def test_a_crashed_worker_does_not_hold_the_queue(client, convention, worker_starts, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    monkeypatch.setattr(documents, "MAX_RUNNING", 1)
    client.force_login(users_for(convention)["caf"])
    ask(client, convention, django_capture_on_commit_callbacks, "2026-01-15")
    ask(client, convention, django_capture_on_commit_callbacks, "2026-02-15")
    crashed, waiting = GeneratedDocument.objects.order_by("created_at", "pk")
    assert started_pks(worker_starts) == [str(crashed.pk)] and waiting.status == DocumentStatus.EN_ATTENTE
    # Its worker died: no heartbeat for six minutes.
    GeneratedDocument.objects.filter(pk=crashed.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=6))
    assert "La génération n&#x27;a pas abouti" in client.get(crashed.get_absolute_url()).content.decode()
    # The waiting document's page starts its worker, now that there is room.
    client.get(waiting.get_absolute_url())
    waiting.refresh_from_db()
    assert started_pks(worker_starts) == [str(crashed.pk), str(waiting.pk)]
    assert waiting.status == DocumentStatus.EN_COURS
    # Asking again for the crashed document's content makes a new one.
    assert ask(client, convention, django_capture_on_commit_callbacks, "2026-01-15").url != crashed.get_absolute_url()


def test_one_user_has_at_most_three_long_documents_in_preparation(client, convention, worker_starts,
                                                                   django_capture_on_commit_callbacks):
    client.force_login(users_for(convention)["elu"])
    for month in (1, 2, 3):
        ask(client, convention, django_capture_on_commit_callbacks, f"2026-0{month}-15")
    response = client.get(pdf_url(convention), {"date": "2026-04-15"},
                          headers={"referer": "http://testserver/conventions/roumois/"}, follow=True)
    assert GeneratedDocument.objects.count() == 3
    assert response.redirect_chain[0][0] == "http://testserver/conventions/roumois/"
    assert "Vous avez déjà 3 documents en préparation" in response.content.decode()
    # The same content again is not a new document: it follows the one being made.
    again = client.get(pdf_url(convention), {"date": "2026-02-15"})
    assert again.url == GeneratedDocument.objects.order_by("pk")[1].get_absolute_url()


def test_prune_removes_what_nobody_downloaded_for_a_month(client, convention, settings, long_documents):
    client.force_login(users_for(convention)["caf"])
    client.get(pdf_url(convention), {"date": "2026-01-15"})
    client.get(pdf_url(convention), {"date": "2026-02-15"})
    old, recent = GeneratedDocument.objects.order_by("pk")
    old_path = settings.MEDIA_ROOT / "pdf" / f"{old.key}.pdf"
    month_ago = time.time() - 31 * 86400
    os.utime(old_path, (month_ago, month_ago))
    GeneratedDocument.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    with pytest.raises(CommandError, match="un jour au moins"):
        call_command("prune_documents", "--days", "0")
    out = io.StringIO()
    call_command("prune_documents", stdout=out)
    assert out.getvalue().strip() == "1 fichier supprimé."
    assert not old_path.exists() and (settings.MEDIA_ROOT / "pdf" / f"{recent.key}.pdf").exists()
    assert list(GeneratedDocument.objects.all()) == [recent]
    # Asked again, the pruned one is simply made anew.
    assert client.get(pdf_url(convention), {"date": "2026-01-15"}).status_code == 302 and old_path.exists()


def test_a_download_keeps_the_file_from_being_pruned(client, convention, settings, long_documents):
    client.force_login(users_for(convention)["caf"])
    client.get(pdf_url(convention))
    document = GeneratedDocument.objects.get()
    path = settings.MEDIA_ROOT / "pdf" / f"{document.key}.pdf"
    month_ago = time.time() - 31 * 86400
    os.utime(path, (month_ago, month_ago))
    client.get(reverse("documents:download", args=[convention.slug, document.pk]))
    assert path.stat().st_mtime > time.time() - 60
    assert documents.prune(datetime.timedelta(days=30)) == 0


def test_a_short_document_that_fails_says_so_on_the_page_it_came_from(client, convention, monkeypatch):
    def broken(html):
        raise ValueError("Pango introuvable")

    monkeypatch.setattr(responses, "render_pdf", broken)
    client.force_login(users_for(convention)["caf"])
    response = client.get(pdf_url(convention), headers={"referer": "http://testserver/conventions/roumois/annexes/"},
                          follow=True)
    assert response.redirect_chain[0][0] == "http://testserver/conventions/roumois/annexes/"
    page = response.content.decode()
    assert "le document n&#x27;a pas pu être produit" in page and "Pango" not in page
