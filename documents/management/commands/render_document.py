"""`manage.py render_document ID`: the worker process of a requested PDF, which then takes the
documents left waiting (`documents.queue`)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from documents import workers
from documents.queue import work


class Command(BaseCommand):
    help = "Met en page un document PDF demandé depuis l'application (lancé par l'application elle-même)."

    def add_arguments(self, parser):
        parser.add_argument("pk", type=int, help="numéro du document demandé")

    def handle(self, *args, pk, **options):
        with workers.memory_limit(settings.DOCUMENT_MEMORY_LIMIT):
            work(pk, worker=workers.token())
