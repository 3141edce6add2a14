"""`manage.py import_docx FILE.docx --slug SLUG [--signed-on YYYY-MM-DD] [--caf CODE] [--dry-run]`:
take up a CTG from its Word document (`exchange.docx_reader`, `exchange.docx_import`)."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conventions.enums import OrganisationKind
from conventions.models import Organisation
from ctg.errors import DomainError
from ctg.zips import read_upload
from exchange.docx_file import DOCX_LIMITS
from exchange.docx_import import docx_import, import_plan, recognised_caf, recognition_report
from exchange.docx_reader import read_docx


def _day(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide « {value} » : attendu AAAA-MM-JJ.") from None


class Command(BaseCommand):
    help = (
        "Reprend une convention depuis son document Word (.docx) : affiche ce qui est reconnu, puis crée la "
        "convention en préparation, ou signée avec --signed-on."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="le document Word (.docx) de la convention")
        parser.add_argument("--slug", required=True, help="identifiant de la convention à créer")
        parser.add_argument("--signed-on", type=_day, help="date de signature (AAAA-MM-JJ) : la convention est signée")
        parser.add_argument("--caf", help="code de la Caf (sinon, celle que nomment les parties, créée au besoin)")
        parser.add_argument("--start", type=_day, help="début de la convention, si le document ne le dit pas")
        parser.add_argument("--end", type=_day, help="fin de la convention, si le document ne la dit pas")
        parser.add_argument("--dry-run", action="store_true", help="affiche le rapport sans rien enregistrer")

    def handle(self, *args, file, slug, signed_on, caf, start, end, dry_run, **options):
        path = Path(file)
        try:
            with path.open("rb") as stream:
                reading = read_docx(read_upload(stream, DOCX_LIMITS.max_bytes))
        except OSError as error:
            raise CommandError(f"Lecture impossible de {file} : {error.strerror}.") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        plan = import_plan(reading)
        for heading, lines in recognition_report(reading, plan):
            self.stdout.write(heading)
            for line in lines:
                self.stdout.write(f"  {line}")
        if caf:
            found = Organisation.objects.filter(kind=OrganisationKind.CAF, code=caf).first()
            if found is None:
                raise CommandError(f"Aucune Caf n'a le code « {caf} ».")
        else:
            found = recognised_caf(reading)
        try:
            result = docx_import(reading, by=None, caf=found, slug=slug, start=start, end=end,
                                 signed=signed_on is not None, signed_on=signed_on, dry_run=dry_run)
        except DomainError as error:
            raise CommandError(error.message) from None
        fiches = len(result.document["convention"]["fiches"])
        state = f"signée le {signed_on:%d/%m/%Y}" if signed_on else "en préparation"
        summary = f"« {slug} » {state}, {fiches} fiche{'s' if fiches > 1 else ''} action{'s' if fiches > 1 else ''}"
        if dry_run:
            self.stdout.write(f"Essai : la convention {summary} serait créée ; rien n'est enregistré.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Convention {summary} : créée."))
