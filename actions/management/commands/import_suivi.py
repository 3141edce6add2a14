"""`manage.py import_suivi SLUG suivi.xlsx`: prints what it changed; exit 1 on any error, and then
nothing is written (tableau-de-suivi.md)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from actions import services
from actions.workbook import WorkbookError, read_tracking_workbook
from conventions.models import Convention


class Command(BaseCommand):
    help = "Importe un tableau de suivi Excel complété : tout ou rien."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="identifiant de la convention")
        parser.add_argument("path", help="classeur .xlsx")
        parser.add_argument("--user", help="identifiant de l'utilisateur à qui attribuer les mises à jour")

    def handle(self, *args, slug, path, user, **options):
        convention = Convention.objects.filter(slug=slug).first()
        if convention is None:
            raise CommandError(f"Aucune convention « {slug} ».")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"Aucun utilisateur « {user} ».")
        try:
            with open(path, "rb") as upload:
                period, rows = read_tracking_workbook(convention, upload)
        except OSError as error:
            raise CommandError(f"Lecture impossible de {path} : {error.strerror}") from None
        except WorkbookError as error:
            raise CommandError("Classeur refusé, rien n'est modifié :\n" + "\n".join(error.errors)) from None
        report = services.tracking_import(convention, rows, period, by=by)
        if not report.changes:
            self.stdout.write(f"Suivi {period} : aucune modification.")
            return
        for fiche, changes in report.changes:
            self.stdout.write(f"Action {fiche.number} — {fiche.title} : {' ; '.join(changes)}")
        self.stdout.write(self.style.SUCCESS(
            f"Suivi {period} : {len(report.changes)} action(s) modifiée(s), {report.unchanged} inchangée(s)."
        ))
