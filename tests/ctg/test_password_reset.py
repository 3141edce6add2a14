"""« Mot de passe oublié » : a link by e-mail, single use, in French."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.helpers import text

pytestmark = pytest.mark.django_db

NEW = "Nouveau-passe-2027!"


def test_a_forgotten_password_is_reset_by_e_mail(client, django_user_model):
    django_user_model.objects.create_user("nadia", email="nadia@roumois.example", password="Ancien-passe-2026")
    login = client.get(reverse("login"))
    assert "Mot de passe oublié ?" in text(login)
    response = client.post(reverse("password_reset"), {"email": "nadia@roumois.example"}, follow=True)
    assert "Vérifiez votre messagerie" in text(response)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "choisir un nouveau mot de passe" in body and "identifiant : nadia" in body
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert "Nouveau mot de passe" in text(form)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "Votre nouveau mot de passe est enregistré" in text(done)
    assert client.login(username="nadia", password=NEW)
    client.logout()
    # The link has served: it says so.
    again = client.get(link, follow=True)
    assert "Ce lien n'est plus valable" in text(again)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("password_reset"), {"email": "personne@nulle-part.example"}, follow=True)
    assert "Vérifiez votre messagerie" in text(response)
    assert mail.outbox == []


def test_reset_requests_are_throttled_per_e_mail(client, django_user_model, settings):
    """Each request sends an e-mail: past the limit for one address the form says so at the field,
    keeps the typing, sends nothing, with the same words whether the account exists or not."""
    django_user_model.objects.create_user("nadia", email="nadia@roumois.example", password="Ancien-passe-2026")
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": "nadia@roumois.example"}).status_code == 302
    assert len(mail.outbox) == 3
    refused = client.post(reverse("password_reset"), {"email": "Nadia@Roumois.example"})
    assert refused.status_code == 429
    assert "Trop de demandes de nouveau mot de passe" in text(refused)
    assert 'value="Nadia@Roumois.example"' in refused.content.decode()
    assert len(mail.outbox) == 3
    for _ in range(3):
        client.post(reverse("password_reset"), {"email": "personne@nulle-part.example"})
    unknown = client.post(reverse("password_reset"), {"email": "personne@nulle-part.example"})
    assert unknown.status_code == 429 and "Trop de demandes de nouveau mot de passe" in text(unknown)
    # Another address is not held back by these.
    django_user_model.objects.create_user("paul", email="paul@roumois.example", password="Ancien-passe-2026")
    assert client.post(reverse("password_reset"), {"email": "paul@roumois.example"}).status_code == 302
    assert mail.outbox[-1].to == ["paul@roumois.example"]


def test_reset_requests_are_throttled_per_client_address_and_the_limit_passes(client, settings):
    from ctg.models import Attempt

    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 4
    for n in range(4):
        assert client.post(reverse("password_reset"), {"email": f"essai{n}@exemple.fr"}).status_code == 302
    assert client.post(reverse("password_reset"), {"email": "essai9@exemple.fr"}).status_code == 429
    # From another address, the same request goes through.
    other = client.post(reverse("password_reset"), {"email": "essai9@exemple.fr"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302
    # An hour later, the first address may ask again, and the old tries are forgotten.
    Attempt.objects.update(at=timezone.now() - datetime.timedelta(hours=1, minutes=1))
    assert client.post(reverse("password_reset"), {"email": "essai9@exemple.fr"}).status_code == 302
    assert Attempt.objects.filter(at__lt=timezone.now() - datetime.timedelta(hours=1)).count() == 0
