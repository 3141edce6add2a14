from django.db import models


class BodyKind(models.TextChoices):
    COPIL = "copil", "Comité de pilotage (COPIL)"
    COTECH = "cotech", "Comité technique (COTECH)"
    COMITE_SUIVI = "comite_suivi", "Comité de suivi"
    COMMISSION = "commission", "Commission"
    GROUPE_TRAVAIL = "groupe_travail", "Groupe de travail"
    SEMINAIRE_PARTENARIAL = "seminaire_partenarial", "Séminaire partenarial"
    REUNION_DGS = "reunion_dgs", "Réunion des DGS"
    CONSEIL = "conseil", "Conseil communautaire / municipal"
    AUTRE = "autre", "Autre"


class OfficerScope(models.TextChoices):
    TERRITORIAL = "territorial", "Territorial (global)"
    THEMATIQUE = "thematique", "Thématique"


class ReminderKind(models.TextChoices):
    MEETING = "seance", "Rappel de séance"
    UPDATE = "suivi", "Rappel de suivi trimestriel"
