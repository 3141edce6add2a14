"""`manage.py backup_sqlite DEST`: a consistent copy of the SQLite database while the site runs."""

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from ctg.files import output_errors, replaced_atomically


class Command(BaseCommand):
    help = (
        "Sauvegarde la base SQLite dans le fichier DEST, application en marche, par l'API de "
        "sauvegarde de SQLite (copie cohérente même pendant des écritures)."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help="fichier de sauvegarde à écrire (remplacé s'il existe)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="alias de la base (par défaut « default »)")

    def handle(self, *args, dest, database, **options):
        connection = connections[database]
        if connection.vendor != "sqlite":
            raise CommandError(
                f"backup_sqlite ne sauvegarde qu'une base SQLite ; cette instance utilise {connection.display_name}. "
                "Sauvegardez-la avec « pg_dump -Fc » et restaurez-la avec « pg_restore » (README, « Sauvegarde et "
                "restauration »)."
            )
        dest = Path(dest)
        source = Path(str(connection.settings_dict["NAME"]))
        if dest.exists() and source.exists() and dest.resolve() == source.resolve():
            raise CommandError(f"{dest} est la base elle-même : choisissez un autre fichier.")
        connection.ensure_connection()
        with output_errors(dest), replaced_atomically(dest) as temporary:
            target = sqlite3.connect(temporary)
            try:
                # In one step: one read transaction, hence one consistent state; in WAL mode (our
                # settings) it does not block the site's writers, which a stepwise copy would
                # have to restart after.
                connection.connection.backup(target)
            except sqlite3.Error as error:
                raise CommandError(f"Sauvegarde impossible : {error}") from None
            finally:
                target.close()
        size = dest.stat().st_size / (1024 * 1024)
        self.stdout.write(self.style.SUCCESS(f"Base SQLite sauvegardée dans {dest} ({size:.1f} Mo)."))
