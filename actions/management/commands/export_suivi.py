"""`manage.py export_suivi SLUG --period 2026-T1 --output suivi.xlsx` (tableau-de-suivi.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actions.periods import Period, periods_between
from actions.workbook import TrackingWorkbook
from conventions.models import Convention
from ctg.files import write_output


class Command(BaseCommand):
    help = "Exporte le tableau de suivi d'un trimestre en classeur Excel."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="identifiant de la convention")
        parser.add_argument("--period", required=True, help="trimestre AAAA-Tn, par exemple 2026-T1")
        parser.add_argument("--output", required=True, help="fichier .xlsx à écrire")

    def handle(self, *args, slug, period, output, **options):
        try:
            period = Period.parse(period)
        except ValueError as error:
            message = str(error)
            raise CommandError(message[0].upper() + message[1:]) from None
        convention = Convention.objects.filter(slug=slug).first()
        if convention is None:
            raise CommandError(f"Aucune convention « {slug} ».")
        periods = periods_between(convention.start, convention.end_on(timezone.localdate()))
        if not periods[0] <= period <= periods[-1]:
            raise CommandError(
                f"Le trimestre {period} est hors de la convention « {slug} » ({periods[0]} à {periods[-1]})."
            )
        _, _, content = TrackingWorkbook(period).generate(convention)
        write_output(output, content)
        self.stdout.write(self.style.SUCCESS(f"Suivi {period} de « {slug} » exporté dans {output}."))
