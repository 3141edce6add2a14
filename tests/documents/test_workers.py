"""Worker processes under their limits: one declared lost is stopped (its whole process group),
one that cannot be stopped keeps its place under the cap, a layout has a wall-clock limit and a
process a memory limit. Real processes stand in for workers (a sleeping Python); the database of
the tests is not visible from another process, so the layout limits are checked in this one."""

import datetime
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from documents import queue as documents
from documents import workers
from documents.enums import DocumentStatus
from documents.models import GeneratedDocument
from tests.factories import ConventionFactory, users_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def sleeper():
    """A process started the way the queue starts a worker (a session of its own), which sleeps."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def worker_starts(settings, monkeypatch):
    settings.DOCUMENT_WORKER = "process"
    started = []
    monkeypatch.setattr(documents.subprocess, "Popen", lambda args, **kwargs: started.append(args[-1]))
    monkeypatch.setattr(documents, "MAX_RUNNING", 1)
    return started


def lost_document(convention, worker, *, silent_for=datetime.timedelta(minutes=6), started=None):
    now = timezone.now()
    return GeneratedDocument.objects.create(
        convention=convention, title="Document complet", filename="d.pdf", key="a" * 64, status=DocumentStatus.EN_COURS,
        started_at=started or now - silent_for, heartbeat_at=now - silent_for, worker=worker,
    )


def waiting_document(convention):
    return GeneratedDocument.objects.create(convention=convention, title="Autre document", filename="e.pdf", key="b" * 64)


def test_a_worker_declared_lost_is_stopped_and_its_place_taken(client, sleeper, worker_starts):
    convention = ConventionFactory()
    lost = lost_document(convention, workers.token(sleeper.pid))
    waiting = waiting_document(convention)
    client.force_login(users_for(convention)["caf"])
    # Its page, polled while the user waits, declares it lost: the process is killed.
    assert "La génération n&#x27;a pas abouti" in client.get(lost.get_absolute_url()).content.decode()
    assert sleeper.wait(timeout=5) < 0
    lost.refresh_from_db()
    assert lost.status == DocumentStatus.ECHEC
    assert lost.error == "Processus perdu (aucun signe du processus depuis 5 minutes) : arrêté."
    # The waiting document gets the place (MAX_RUNNING is 1).
    client.get(waiting.get_absolute_url())
    assert worker_starts == [str(waiting.pk)]


def test_a_worker_past_its_time_limit_is_stopped_even_if_it_beats(client, sleeper, worker_starts, settings):
    settings.DOCUMENT_TIME_LIMIT = 60
    convention = ConventionFactory()
    # It laid out a page a second ago, but started two minutes ago.
    lost = lost_document(convention, workers.token(sleeper.pid), silent_for=datetime.timedelta(seconds=1),
                         started=timezone.now() - datetime.timedelta(minutes=2))
    client.force_login(users_for(convention)["caf"])
    client.get(lost.get_absolute_url())
    assert sleeper.wait(timeout=5) < 0
    lost.refresh_from_db()
    assert lost.error == "Processus perdu (limite de 60 s dépassée) : arrêté."


def test_a_lost_worker_that_cannot_be_stopped_keeps_its_place(client, sleeper, worker_starts, monkeypatch):
    def refused(pid, sig):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(workers.os, "killpg", refused)
    convention = ConventionFactory()
    lost = lost_document(convention, workers.token(sleeper.pid))
    waiting = waiting_document(convention)
    client.force_login(users_for(convention)["caf"])
    assert "En attente du démarrage" in client.get(waiting.get_absolute_url()).content.decode()
    lost.refresh_from_db()
    assert lost.status == DocumentStatus.ECHEC and lost.error.endswith("impossible à arrêter.")
    # Asking again for a document does not start another process beside it either.
    assert client.get(waiting.get_absolute_url()).status_code == 200 and worker_starts == []
    # Once that process is gone, the place is free again.
    sleeper.kill()
    sleeper.wait()
    client.get(waiting.get_absolute_url())
    assert worker_starts == [str(waiting.pk)]
    lost.refresh_from_db()
    assert lost.worker == ""


def test_a_worker_token_names_one_process_only(sleeper):
    worker = workers.token(sleeper.pid)
    assert workers.is_alive(worker)
    # The same pid with another start time is another process, later given the same number.
    host, pid, started = worker.split()
    assert not workers.is_alive(f"{host} {pid} {int(started) + 1}")
    assert not workers.is_alive(f"another-host {pid} {started}")
    # This process is never stopped as a worker, nor its process group.
    assert workers.stop(workers.token()) is False
    assert workers.stop(f"another-host {pid} {started}") and sleeper.poll() is None


def test_a_layout_past_its_wall_clock_limit_fails_with_the_reason(settings, monkeypatch):
    settings.DOCUMENT_TIME_LIMIT = 1
    convention = ConventionFactory()
    document = GeneratedDocument.objects.create(convention=convention, title="Document", filename="d.pdf", key="c" * 64,
                                                status=DocumentStatus.EN_COURS, started_at=timezone.now())
    documents.storage.keep_html(document.pk, "<p>Texte</p>")
    monkeypatch.setattr(documents, "layout", lambda html: time.sleep(30))  # a page that never ends
    start = time.monotonic()
    documents.render_document(document.pk, worker="")
    assert time.monotonic() - start < 5
    document.refresh_from_db()
    assert document.status == DocumentStatus.ECHEC
    assert document.error == ("TimeLimitExceeded : mise en page arrêtée au bout de 1 s "
                              "(limite DOCUMENT_TIME_LIMIT_SECONDS)")


def test_a_worker_past_its_memory_limit_is_refused_the_allocation(settings):
    """In a process of its own: the limit would otherwise cap the test run itself."""
    script = (
        "from documents.workers import memory_limit\n"
        "with memory_limit(300 * 2**20):\n"
        "    try:\n"
        "        bytearray(600 * 2**20)\n"
        "    except MemoryError:\n"
        "        print('refusé')\n"
        "bytearray(600 * 2**20)\n"
        "print('levée ensuite')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=settings.BASE_DIR)
    assert result.stdout.split() == ["refusé", "levée", "ensuite"], result.stderr
