"""The log: a refusal (403) is one line with its reason, not a traceback; a server error (500)
keeps its traceback."""

import logging
import sys

import pytest
from django.urls import reverse

from ctg.logs import OneLineBelow500
from tests.factories import ConventionFactory, users_for

pytestmark = pytest.mark.django_db


def test_a_refusal_logs_one_line_with_its_reason(client, caplog):
    convention = ConventionFactory()
    client.force_login(users_for(convention)["elu"])
    url = reverse("actions:tracking_import", args=[convention.slug, "2026-T1"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        for _ in range(3):
            assert client.post(url).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == [
        f"Forbidden (Permission denied): {url} — Votre rôle sur cette convention ne permet que la lecture."
    ] * 3
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text and len(caplog.text.splitlines()) == 3


def record(status, message="Internal Server Error: %s"):
    try:
        raise ValueError("détail\nsur deux lignes")
    except ValueError:
        exc_info = sys.exc_info()
    entry = logging.LogRecord("django.request", logging.ERROR, __file__, 1, message, ("/x/",), exc_info)
    entry.status_code = status
    return entry


def test_a_server_error_keeps_its_traceback():
    entry = record(500)
    assert OneLineBelow500().filter(entry) and entry.exc_info is not None
    assert entry.getMessage() == "Internal Server Error: /x/"


def test_a_reason_over_several_lines_stays_on_one():
    entry = record(400, "Bad request: %s")
    assert OneLineBelow500().filter(entry) and entry.exc_info is None
    assert entry.getMessage() == "Bad request: /x/ — détail sur deux lignes"
