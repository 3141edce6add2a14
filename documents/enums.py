from django.db import models


class DocumentStatus(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "Mise en page en cours"
    PRET = "pret", "Prêt"
    ECHEC = "echec", "Échec"
