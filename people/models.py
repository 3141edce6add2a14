import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from conventions.enums import Role
from ctg.errors import DomainError

from .enums import AccessEventKind, InvitationState


def token_hash(token):
    """Only the hash of an invitation's token is kept: a database dump opens no account."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())

    def awaiting(self):
        """Not accepted nor revoked: pending or expired, what a manager still acts on."""
        return self.filter(accepted_at=None, revoked_at=None)

    def for_token(self, token):
        return self.filter(token_hash=token_hash(token)).select_related("organisation", "created_by").first()


class Invitation(models.Model):
    """An e-mail invitation to a role in an organisation. Its link is single use and expires."""

    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    organisation = models.ForeignKey(
        "conventions.Organisation", on_delete=models.CASCADE, related_name="invitations", verbose_name="organisation"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    referent = models.BooleanField("référent", default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="invité par"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le")
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="compte",
    )
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="révoquée par",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.email} — {self.get_role_display()} — {self.organisation}"

    @property
    def state(self):
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    def renew_token(self):
        """A new link (the previous one stops working) valid for INVITATION_VALIDITY_DAYS."""
        token = secrets.token_urlsafe(32)
        self.token_hash = token_hash(token)
        self.sent_at = timezone.now()
        self.expires_at = self.sent_at + settings.INVITATION_VALIDITY
        return token

    def refusal(self):
        """Why the link no longer opens an account, in French, or None."""
        by = f" à {self.created_by.get_full_name() or self.created_by.username}" if self.created_by else ""
        return {
            InvitationState.ACCEPTED: "Cette invitation a déjà été utilisée : connectez-vous avec le mot de passe choisi.",
            InvitationState.REVOKED: "Cette invitation a été révoquée.",
            InvitationState.EXPIRED: f"Cette invitation a expiré le {timezone.localtime(self.expires_at):%d/%m/%Y} : "
            f"demandez{by} de vous la renvoyer.",
        }.get(self.state)

    def revoke(self, *, by):
        if self.state not in (InvitationState.PENDING, InvitationState.EXPIRED):
            raise DomainError(f"L'invitation de {self.email} est {self.state.label.lower()} : rien à révoquer.")
        self.revoked_at, self.revoked_by = timezone.now(), by
        self.save(update_fields=["revoked_at", "revoked_by"])


class AccessEvent(models.Model):
    """Who gave or withdrew an access, and when: the answer to « qui a fait ça ? »."""

    organisation = models.ForeignKey(
        "conventions.Organisation", on_delete=models.CASCADE, related_name="access_events",
        verbose_name="organisation",
    )
    kind = models.CharField("événement", max_length=20, choices=AccessEventKind.choices)
    email = models.EmailField("adresse e-mail", blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="personne",
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "événement d'accès"
        verbose_name_plural = "événements d'accès"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.email}"
