"""A write that waited too long for the database's lock (SQLite, during a long import) answers a
French « réessayez » 503 in the site's layout, the message alone for htmx; imports read and
check their file before they take the lock."""

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from actions import workbook
from exchange import importer
from exchange.reading import load_json
from tests.actions.helpers import upload
from tests.actions.helpers import workbook_bytes as tracking_workbook
from tests.factories import ConventionFactory, FicheFactory, users_for
from tests.helpers import EXAMPLE_PATH, text

pytestmark = pytest.mark.django_db

BUSY = "Le site est momentanément occupé, réessayez dans quelques secondes."


@pytest.fixture
def locked(monkeypatch):
    """The calendar address reset (a write) finds the database locked past its timeout."""
    def wait_then_fail(user):
        raise OperationalError("database is locked")

    monkeypatch.setattr("agenda.views.calendar_token_reset", wait_then_fail)


def test_a_locked_database_answers_503_in_the_sites_layout(client, locked):
    client.force_login(users_for(ConventionFactory())["caf"])
    response = client.post(reverse("agenda:reset"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = text(response)
    assert BUSY in page and "Conventions territoriales globales" in page and "Se déconnecter" in page


def test_with_htmx_the_message_alone_goes_above_the_page(client, locked):
    client.force_login(users_for(ConventionFactory())["caf"])
    response = client.post(reverse("agenda:reset"), headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#occupe" and response["HX-Reswap"].startswith("innerHTML")
    assert BUSY in text(response) and "<html" not in text(response)
    page = client.get(reverse("agenda:subscription")).content.decode()
    assert '<div id="occupe"></div>' in page and '{"code": "503", "swap": true, "error": true}' in page


def test_another_database_error_is_still_a_server_error(client, monkeypatch):
    def broken(user):
        raise OperationalError("no such table: governance_calendartoken")

    monkeypatch.setattr("agenda.views.calendar_token_reset", broken)
    client.force_login(users_for(ConventionFactory())["caf"])
    with pytest.raises(OperationalError):
        client.post(reverse("agenda:reset"))


@pytest.mark.django_db(transaction=True)
def test_imports_check_their_file_before_taking_the_write_lock(client, monkeypatch):
    # A long import held SQLite's lock while it read and checked its file: other writes waited
    # 20 s and failed. Reading and checking happen outside the transaction, writing in one.
    seen = []

    def recording(original):
        def run(*args, **kwargs):
            seen.append(connection.in_atomic_block)
            return original(*args, **kwargs)
        return run

    monkeypatch.setattr(importer.Validator, "run", recording(importer.Validator.run))
    importer.import_document(load_json(EXAMPLE_PATH))
    convention = ConventionFactory(slug="roumois")
    FicheFactory(axis__convention=convention, number=1, key="accueil")
    monkeypatch.setattr(workbook._Reader, "read", recording(workbook._Reader.read))
    client.force_login(users_for(convention)["caf"])
    upload(client, convention, tracking_workbook(convention))
    assert seen == [False, False]
