from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "Évaluation"

    def ready(self):
        # A signed convention is « en renouvellement » from its first renewal milestone: a rule
        # of this app, which `conventions` does not import; it asks whoever registered.
        from conventions.phase import renewal_start

        from .models import renewal_start as first_renewal_milestone

        if first_renewal_milestone not in renewal_start:
            renewal_start.append(first_renewal_milestone)
