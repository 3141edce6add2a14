from django.apps import AppConfig


class CtgConfig(AppConfig):
    name = "ctg"
    verbose_name = "CTG"

    def ready(self):
        from . import history, middleware  # noqa: F401 — connect the history author and session signals
