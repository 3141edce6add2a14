"""« Mot de passe oublié » : a link by e-mail, single use, in French."""

import re

import pytest
from django.core import mail
from django.urls import reverse

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
