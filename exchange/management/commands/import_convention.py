"""`manage.py import_convention FILE.json [--replace]`: load a convention in the exchange format."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.importer import import_document
from exchange.reading import ExchangeError, load_json


def _count(number, singular, plural):
    return f"{number} {singular if number <= 1 else plural}"


class Command(BaseCommand):
    help = "Importe une convention depuis un document JSON au format d'échange CTG (version 1)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="document JSON au format ctg-exchange")
        parser.add_argument(
            "--replace", action="store_true",
            help="remplace la convention de même identifiant si elle existe déjà",
        )

    def handle(self, *args, file, replace, **options):
        try:
            convention = import_document(load_json(Path(file)), replace=replace)
        except ExchangeError as error:
            for message in error.errors:
                self.stderr.write(message)
            count = _count(len(error.errors), "erreur", "erreurs")
            raise CommandError(f"Import refusé ({count}) : rien n'a été enregistré.") from None
        fiches = convention.fiches.count()
        added = convention.fiches.filter(avenant__isnull=False).count()
        summary = ", ".join([
            _count(fiches, "fiche action", "fiches actions") + (f" (dont {added} par avenant)" if added else ""),
            _count(convention.avenants.count(), "avenant", "avenants"),
            _count(convention.communes.count(), "commune", "communes"),
            _count(convention.equipment.count(), "équipement", "équipements"),
            _count(convention.bodies.count(), "instance", "instances"),
            _count(convention.meetings.count(), "séance", "séances"),
            _count(convention.milestones.count(), "jalon", "jalons"),
        ])
        verb = "importée (remplacement)" if replace else "importée"
        self.stdout.write(self.style.SUCCESS(f"Convention « {convention.slug} » {verb} : {summary}."))
