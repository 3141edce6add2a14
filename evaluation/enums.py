from django.db import models


class MilestoneKind(models.TextChoices):
    POINT_ETAPE_ANNUEL = "point_etape_annuel", "Point d'étape annuel"
    BILAN_INTERMEDIAIRE = "bilan_intermediaire", "Bilan intermédiaire"
    BILAN_FINAL = "bilan_final", "Bilan final"
    EVALUATION = "evaluation", "Évaluation"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    ENJEUX = "enjeux", "Enjeux, orientations"
    PLAN_ACTION = "plan_action", "Plan d'actions"
    ECRITURE = "ecriture", "Écriture et finalisation"
    VALIDATION_CAF = "validation_caf", "Validation par la Caf"
    VALIDATION_CONSEILS = "validation_conseils", "Validation par les conseils"
    SIGNATURE = "signature", "Signature"
    AUTRE = "autre", "Autre"


class MilestoneStatus(models.TextChoices):
    PREVU = "prevu", "Prévu"
    FAIT = "fait", "Fait"
    ANNULE = "annule", "Annulé"


class BilanKind(models.TextChoices):
    INTERMEDIAIRE = "intermediaire", "Bilan intermédiaire"
    FINAL = "final", "Bilan final"
