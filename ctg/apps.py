from django.apps import AppConfig


class CtgConfig(AppConfig):
    name = "ctg"
    verbose_name = "CTG"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import history, middleware  # noqa: F401 — connect the history author and session signals
        from .revisions import installed

        post_migrate.connect(installed, sender=self, dispatch_uid="ctg.revisions.installed")
