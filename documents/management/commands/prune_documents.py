"""`manage.py prune_documents [--days 30]`: remove kept PDFs nobody downloaded for a while."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from documents.queue import prune


class Command(BaseCommand):
    help = (
        "Supprime les PDF conservés qui n'ont pas été téléchargés depuis N jours (30 par défaut) : "
        "ils seront produits à nouveau à la demande. À lancer chaque semaine par cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="ancienneté en jours (30 par défaut)")

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--days : un jour au moins, pour ne rien retirer à un document en préparation.")
        removed = prune(datetime.timedelta(days=days))
        self.stdout.write(f"{removed} fichier{'s' if removed > 1 else ''} supprimé{'s' if removed > 1 else ''}.")
