"""Inviting people without the Django admin: who may invite whom, the e-mail, the link's single
use and expiry, resending and revoking."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conventions.enums import Role
from people.enums import AccessEventKind
from people.models import AccessEvent, Invitation
from tests.factories import CafFactory, ConventionFactory, OrganisationFactory, user_with_role
from tests.helpers import text

pytestmark = pytest.mark.django_db

STRONG = "Ctg-passe-2027!"


def invite(client, by, organisation, **fields):
    client.force_login(by)
    data = {"email": "nadia.benali@roumois.example", "first_name": "Nadia", "last_name": "Benali",
            "role": Role.COORDINATEUR, **fields}
    return client.post(reverse("people:invite", args=[organisation.pk]), data)


def link_in(message):
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body).group(1)


def test_a_caf_referent_invites_a_coordinator_who_accepts_and_sees_the_ctg(client, people, convention):
    response = invite(client, people["referent"], people["local"])
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia.benali@roumois.example"]
    assert "Claire Martin vous invite" in message.body
    assert "coordinateur ctg de la collectivité" in message.body
    link = link_in(message)

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Créer mon compte" in text(page)
    response = client.post(link, {"first_name": "Nadia", "last_name": "Benali",
                                  "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    account = get_user_model().objects.get(email="nadia.benali@roumois.example")
    assert account.memberships.get().role == Role.COORDINATEUR
    assert account.get_full_name() == "Nadia Benali"
    # Logged in, the new coordinator reads their collectivité's CTG.
    assert client.get(convention.get_absolute_url()).status_code == 200
    assert AccessEvent.objects.filter(kind=AccessEventKind.ACCEPTED, person=account).exists()
    # And can log in again with the chosen password.
    client.logout()
    assert client.login(username="nadia.benali@roumois.example", password=STRONG)


def test_the_link_serves_once(client, people):
    invite(client, people["referent"], people["local"])
    link = link_in(mail.outbox[0])
    client.logout()
    client.post(link, {"first_name": "Nadia", "last_name": "Benali", "password1": STRONG, "password2": STRONG})
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "déjà été utilisée" in text(again)
    # A second POST opens nothing either (no password reset through an old link).
    client.post(link, {"first_name": "X", "last_name": "Y", "password1": "Autre-passe-2027!",
                       "password2": "Autre-passe-2027!"})
    assert client.login(username="nadia.benali@roumois.example", password=STRONG)


def test_an_expired_link_says_whom_to_ask(client, people):
    invite(client, people["referent"], people["local"])
    link = link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.logout()
    page = client.get(link)
    assert page.status_code == 410
    assert "a expiré" in text(page) and "demandez à Claire Martin de vous la renvoyer" in text(page)
    assert not get_user_model().objects.filter(email="nadia.benali@roumois.example").exists()


def test_a_revoked_invitation_opens_nothing(client, people):
    invite(client, people["referent"], people["local"])
    link = link_in(mail.outbox[0])
    invitation = Invitation.objects.get()
    client.post(reverse("people:invitation_revoke", args=[invitation.pk]))
    client.logout()
    page = client.get(link)
    assert page.status_code == 410 and "révoquée" in text(page)
    response = client.post(link, {"first_name": "N", "last_name": "B", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 410
    assert not get_user_model().objects.filter(email="nadia.benali@roumois.example").exists()


def test_resending_gives_a_new_link_and_kills_the_old_one(client, people):
    invite(client, people["referent"], people["local"])
    old = link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(days=1))
    invitation = Invitation.objects.get()
    response = client.post(reverse("people:invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302
    new = link_in(mail.outbox[1])
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert AccessEvent.objects.filter(kind=AccessEventKind.RESENT, by=people["referent"]).exists()


def test_an_unknown_token_is_a_french_404(client):
    response = client.get(reverse("people:accept", args=["nimportequoi"]))
    assert response.status_code == 404
    assert "Page introuvable" in text(response)


def test_a_weak_password_is_refused_at_the_field_with_the_typing_kept(client, people):
    invite(client, people["referent"], people["local"])
    link = link_in(mail.outbox[0])
    client.logout()
    page = client.post(link, {"first_name": "Nadia", "last_name": "Benali", "password1": "12345678",
                              "password2": "12345678"})
    assert page.status_code == 200
    assert "Ce mot de passe est trop courant" in text(page) or "entièrement numérique" in text(page)
    assert 'value="Benali"' in text(page)
    assert not get_user_model().objects.filter(email="nadia.benali@roumois.example").exists()


def test_an_existing_account_must_log_in_to_accept(client, people, convention):
    other = ConventionFactory(caf=convention.caf)
    coordinator = people["coordinateur"]
    coordinator.email = "nadia.benali@roumois.example"
    coordinator.save()
    from tests.factories import collectivite_of

    invite(client, people["referent"], collectivite_of(other))
    link = link_in(mail.outbox[0])
    client.logout()
    page = client.post(link, {})
    assert "connectez-vous avec ce compte" in text(page)
    assert not coordinator.memberships.filter(organisation=collectivite_of(other)).exists()
    client.force_login(coordinator)
    assert "Accepter ce rôle" in text(client.get(link))
    client.post(link, {})
    assert coordinator.memberships.filter(organisation=collectivite_of(other), role=Role.COORDINATEUR).exists()


def test_who_may_invite_whom(client, people, convention):
    # A coordinator invites in their own collectivité…
    assert invite(client, people["coordinateur"], people["local"], role=Role.ELU).status_code == 302
    # …but not into the Caf: a 403 (they know the Caf), and nothing is sent.
    assert invite(client, people["coordinateur"], convention.caf, role=Role.CAF).status_code == 403
    # Caf staff without the référent right, and élus, invite no one.
    assert invite(client, people["caf"], people["local"], email="a@b.example").status_code == 403
    assert invite(client, people["elu"], people["local"], email="c@d.example").status_code == 403
    # An outsider does not even learn the organisation exists.
    assert invite(client, people["outsider"], people["local"], email="e@f.example").status_code == 404
    # A référent of another Caf neither.
    stranger = user_with_role(Role.CAF, CafFactory(), referent=True)
    assert invite(client, stranger, people["local"], email="g@h.example").status_code == 404
    assert len(mail.outbox) == 1


def test_a_referent_invites_caf_staff_as_referents_too(client, people, convention):
    response = invite(client, people["referent"], convention.caf, email="paul@caf.example", role=Role.CAF,
                      referent="on")
    assert response.status_code == 302
    assert Invitation.objects.get().referent


def test_a_role_the_organisation_cannot_hold_is_refused_in_french(client, people):
    page = invite(client, people["referent"], people["local"], role=Role.CAF)
    assert page.status_code == 200
    assert "Sélectionnez un choix valide" in text(page)
    assert 'value="nadia.benali@roumois.example"' in text(page)
    assert not Invitation.objects.exists()


def test_inviting_twice_says_resend(client, people):
    invite(client, people["referent"], people["local"])
    page = invite(client, people["referent"], people["local"])
    assert "Une invitation est déjà en attente pour nadia.benali@roumois.example" in text(page)
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_a_mail_failure_leaves_no_invitation(client, people, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("people.services.send_mail", refuse)
    page = invite(client, people["referent"], people["local"])
    assert "Le courriel n'a pas pu être envoyé à nadia.benali@roumois.example" in text(page)
    assert not Invitation.objects.exists() and not AccessEvent.objects.exists()


def test_an_organisation_outside_any_ctg_of_the_caf_is_not_the_referents(client, people):
    elsewhere = OrganisationFactory()
    assert invite(client, people["referent"], elsewhere).status_code == 404


def test_the_token_is_not_stored(client, people):
    invite(client, people["referent"], people["local"])
    token = link_in(mail.outbox[0]).split("/")[2]
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_login_throttling_holds_for_invited_accounts(client, people):
    invite(client, people["referent"], people["local"])
    link = link_in(mail.outbox[0])
    client.logout()
    client.post(link, {"first_name": "Nadia", "last_name": "Benali", "password1": STRONG, "password2": STRONG})
    client.logout()
    for _ in range(5):
        client.post(reverse("login"), {"username": "nadia.benali@roumois.example", "password": "faux"})
    locked = client.post(reverse("login"), {"username": "nadia.benali@roumois.example", "password": STRONG})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
