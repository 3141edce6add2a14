from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Recherche"

    def ready(self):
        from .engine import connected

        connection_created.connect(connected, dispatch_uid="search.engine.connected")
