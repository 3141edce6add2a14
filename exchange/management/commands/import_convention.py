"""`manage.py import_convention FILE.json [--replace] [--dry-run]`: load a convention in the
exchange format."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.importer import check_document, import_document
from exchange.reading import ExchangeError, load_json
from exchange.replacing import Replacement


def _count(number, singular, plural):
    return f"{number} {singular if number <= 1 else plural}"


class Command(BaseCommand):
    help = "Importe une convention depuis un document JSON au format d'échange CTG (version 1)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="document JSON au format ctg-exchange")
        parser.add_argument(
            "--replace", action="store_true",
            help="remplace le contenu de la convention de même identifiant si elle existe déjà ; ce que le format "
            "ne porte pas (originaux signés, documents PDF, historique) est conservé",
        )
        parser.add_argument(
            "--dry-run", action="store_true",
            help="vérifie le document et dit ce qui serait remplacé et conservé, sans rien enregistrer",
        )

    def handle(self, *args, file, replace, dry_run, **options):
        try:
            data = load_json(Path(file))
            document = check_document(data, replace=replace)
        except ExchangeError as error:
            self.refuse(error)
        replacement = Replacement.of(data) if replace else None
        if replacement:  # said before anything is written
            for line in replacement.summary(document):
                self.stdout.write(line)
        if dry_run:
            slug = document["convention"]["slug"]
            self.stdout.write(self.style.SUCCESS(f"Document valide : « {slug} » peut être importée. Rien n'a été enregistré (--dry-run)."))
            return
        try:
            convention = import_document(data, replace=replace)
        except ExchangeError as error:
            self.refuse(error)
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
            _count(convention.bilans.count(), "bilan", "bilans"),
        ])
        verb = "importée (remplacement)" if replacement else "importée"
        self.stdout.write(self.style.SUCCESS(f"Convention « {convention.slug} » {verb} : {summary}."))

    def refuse(self, error):
        for message in error.errors:
            self.stderr.write(message)
        count = _count(len(error.errors), "erreur", "erreurs")
        raise CommandError(f"Import refusé ({count}) : rien n'a été enregistré.") from None
