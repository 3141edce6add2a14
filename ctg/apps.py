from django.apps import AppConfig


class CtgConfig(AppConfig):
    name = "ctg"
    verbose_name = "CTG"

    def ready(self):
        from . import history  # noqa: F401 — connects the history author signal
