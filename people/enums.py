from django.db import models


class AccessEventKind(models.TextChoices):
    INVITED = "invited", "Invitation envoyée"
    RESENT = "resent", "Invitation renvoyée"
    REVOKED = "revoked", "Invitation révoquée"
    ACCEPTED = "accepted", "Invitation acceptée"
    WITHDRAWN = "withdrawn", "Accès retiré"


class InvitationState(models.TextChoices):
    PENDING = "pending", "En attente"
    ACCEPTED = "accepted", "Acceptée"
    REVOKED = "revoked", "Révoquée"
    EXPIRED = "expired", "Expirée"
