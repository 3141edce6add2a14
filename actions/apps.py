from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Plan d'actions"

    def ready(self):
        # The signature of a convention checks the plan's coverage of the mandatory thématiques,
        # a rule of this app: `conventions` does not import it, it asks whoever registered.
        from conventions.lifecycle import plan_checks

        from .coverage import signature_problems

        if signature_problems not in plan_checks:
            plan_checks.append(signature_problems)
