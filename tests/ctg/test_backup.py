"""`manage.py backup_sqlite`: a copy of the running SQLite database that opens with every row;
on PostgreSQL the command sends to pg_dump."""

import re
import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.ctg.test_settings_deploy import run_manage

pytestmark = pytest.mark.django_db
TABLES = ("conventions_convention", "actions_fiche", "actions_update", "governance_meeting", "evaluation_bilan",
          "conventions_signedoriginal", "auth_user")


def counts(execute):
    return {table: execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}  # noqa: S608


@pytest.mark.skipif(connection.vendor != "sqlite", reason="copie d'une base SQLite")
@pytest.mark.django_db(transaction=True)  # committed rows, as the running site has them
def test_the_backup_opens_with_every_row(full_convention, tmp_path):
    backup = tmp_path / "sauvegardes" / "ctg.sqlite3"
    backup.parent.mkdir()
    with connection.cursor() as cursor:
        expected = counts(lambda sql: cursor.execute(sql) or cursor)
    assert all(expected.values())
    out = StringIO()
    call_command("backup_sqlite", str(backup), stdout=out)
    assert f"Base SQLite sauvegardée dans {backup}" in out.getvalue()

    copy = sqlite3.connect(backup)
    copy.create_function("REGEXP", 2, lambda pattern, value: re.search(pattern, value) is not None)  # as Django
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert counts(copy.execute) == expected
    assert copy.execute("SELECT title FROM conventions_convention").fetchone()[0] == full_convention.title
    copy.close()
    assert [p.name for p in backup.parent.iterdir()] == ["ctg.sqlite3"]  # no temporary file left

    # Restored: the application runs on the copy, every migration applied.
    restored = run_manage("migrate", "--check", DEBUG="1", DATABASE_URL=f"sqlite:///{backup}")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    listed = run_manage("shell", "--no-imports", "-c", "from conventions.models import Convention; print(Convention.objects.get().title)",
                        DEBUG="1", DATABASE_URL=f"sqlite:///{backup}")
    assert listed.stdout.strip() == full_convention.title, listed.stderr


@pytest.mark.skipif(connection.vendor != "sqlite", reason="copie d'une base SQLite")
def test_a_backup_into_a_missing_folder_is_refused_in_french(tmp_path):
    with pytest.raises(CommandError, match="Dossier introuvable"):
        call_command("backup_sqlite", str(tmp_path / "absent" / "ctg.sqlite3"))


def test_on_postgresql_it_points_to_pg_dump(monkeypatch, tmp_path):
    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setattr(connection, "display_name", "PostgreSQL")
    with pytest.raises(CommandError) as refusal:
        call_command("backup_sqlite", str(tmp_path / "ctg.sqlite3"))
    assert "cette instance utilise PostgreSQL" in str(refusal.value)
    assert "pg_dump -Fc" in str(refusal.value)
    assert not (tmp_path / "ctg.sqlite3").exists()
