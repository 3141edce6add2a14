"""Invitations and withdrawals: each writes its rows and its `AccessEvent` in one transaction."""

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from conventions.enums import Role
from conventions.models import Membership
from ctg.errors import DomainError

from .enums import AccessEventKind, InvitationState
from .models import AccessEvent, Invitation
from .rules import may_manage, roles_in

logger = logging.getLogger(__name__)

MANAGERS_ONLY = (
    "Seuls les référents de la Caf et le coordinateur CTG de la collectivité gèrent les accès de ses personnes."
)


def _check_manages(by, organisation):
    if not may_manage(by, organisation):
        raise DomainError(MANAGERS_ONLY)


def _log(kind, organisation, *, email, role, by, person=None):
    AccessEvent.objects.create(kind=kind, organisation=organisation, email=email, role=role, by=by, person=person)


def _send(invitation, token, site_url):
    """Send the link; a failure cancels the whole invitation (the manager can try again)."""
    link = site_url + reverse("people:accept", args=[token])
    context = {"invitation": invitation, "link": link, "site_url": site_url}
    try:
        send_mail(
            f"Invitation à l'application CTG — {invitation.organisation}",
            render_to_string("people/email/invitation.txt", context),
            None,
            [invitation.email],
        )
    except OSError as error:
        logger.warning("Invitation e-mail to %s failed: %s", invitation.email, error)
        raise DomainError(
            f"Le courriel n'a pas pu être envoyé à {invitation.email} : réessayez plus tard, ou prévenez "
            "l'administrateur du site."
        ) from error


def _account_for(email):
    return get_user_model().objects.filter(email__iexact=email).order_by("-is_active", "pk").first()


@transaction.atomic
def invitation_create(organisation, *, email, role, referent=False, first_name="", last_name="", by, site_url):
    _check_manages(by, organisation)
    email = email.strip().lower()
    if role not in roles_in(organisation):
        raise DomainError(f"On n'invite pas de « {Role(role).label} » dans « {organisation} ».")
    if referent and role != Role.CAF:
        raise DomainError("Seuls les agents de la Caf peuvent être référents.")
    account = _account_for(email)
    if account and account.is_active and account.memberships.filter(organisation=organisation, role=role).exists():
        raise DomainError(f"{email} a déjà ce rôle dans « {organisation} ».")
    if Invitation.objects.pending().filter(email__iexact=email, organisation=organisation, role=role).exists():
        raise DomainError(f"Une invitation est déjà en attente pour {email} : renvoyez-la plutôt.")
    invitation = Invitation(email=email, organisation=organisation, role=role, referent=referent,
                            first_name=first_name.strip(), last_name=last_name.strip(), created_by=by)
    token = invitation.renew_token()
    invitation.save()
    _log(AccessEventKind.INVITED, organisation, email=email, role=role, by=by)
    _send(invitation, token, site_url)
    return invitation


@transaction.atomic
def invitation_resend(invitation, *, by, site_url):
    """A new link and a new delay; the previous link stops working."""
    _check_manages(by, invitation.organisation)
    if invitation.state not in (InvitationState.PENDING, InvitationState.EXPIRED):
        raise DomainError(f"L'invitation de {invitation.email} est {invitation.state.label.lower()} : "
                          "invitez de nouveau si besoin.")
    token = invitation.renew_token()
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _log(AccessEventKind.RESENT, invitation.organisation, email=invitation.email, role=invitation.role, by=by)
    _send(invitation, token, site_url)


@transaction.atomic
def invitation_revoke(invitation, *, by):
    _check_manages(by, invitation.organisation)
    invitation.revoke(by=by)
    _log(AccessEventKind.REVOKED, invitation.organisation, email=invitation.email, role=invitation.role, by=by)


@transaction.atomic
def invitation_accept(invitation, *, password, first_name, last_name, user=None):
    """The invited person's account, created, or reopened when they had one (a person whose access
    was withdrawn keeps their history), given the invitation's role. An active account of the same
    address must be the one logged in: the link alone does not open someone's existing account."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if refusal := invitation.refusal():
        raise DomainError(refusal)
    account = _account_for(invitation.email)
    if account and account.is_active:
        if user is None or user.pk != account.pk:
            raise DomainError(f"Un compte existe déjà pour {invitation.email} : connectez-vous avec ce compte, "
                              "puis ouvrez de nouveau le lien de l'invitation.")
    else:
        if account is None:
            account = get_user_model()(username=invitation.email, email=invitation.email)
        account.first_name, account.last_name = first_name.strip(), last_name.strip()
        account.is_active = True
        account.set_password(password)
        account.save()
    membership, _ = Membership.objects.get_or_create(user=account, organisation=invitation.organisation,
                                                     role=invitation.role)
    if invitation.referent and not membership.referent:
        membership.referent = True
        membership.save(update_fields=["referent"])
    invitation.accepted_at, invitation.accepted_by = timezone.now(), account
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _log(AccessEventKind.ACCEPTED, invitation.organisation, email=invitation.email, role=invitation.role,
         by=account, person=account)
    return account


@transaction.atomic
def access_withdraw(membership, *, by):
    """Take a role away. A person left with no role is deactivated, never deleted: what they wrote
    keeps its author."""
    _check_manages(by, membership.organisation)
    person = membership.user
    if person.pk == by.pk:
        raise DomainError("Vous ne pouvez pas retirer votre propre accès : demandez-le à un autre référent.")
    membership.delete()
    if not person.is_superuser and not person.memberships.exists():
        person.is_active = False
        person.save(update_fields=["is_active"])
    _log(AccessEventKind.WITHDRAWN, membership.organisation, email=person.email, role=membership.role, by=by,
         person=person)
