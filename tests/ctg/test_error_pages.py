"""Errors are French and in the site's layout: 403, 404, 400, a CSRF failure, 500."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from tests.helpers import text

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("casse/", broken)]


def test_a_404_is_french_in_the_layout(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("agent"))
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    page = text(response)
    assert "Page introuvable" in page and 'class="site-header"' in page and "Not Found" not in page


def test_a_403_is_french_in_the_layout(client, django_user_model):
    # Someone who manages no one's access (`people`) is refused with the reason.
    client.force_login(django_user_model.objects.create_user("agent"))
    response = client.get("/personnes/")
    assert response.status_code == 403
    assert "Action refusée" in text(response) and "403 Forbidden" not in text(response)


def test_a_csrf_failure_says_to_reload(django_user_model):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/connexion/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "Formulaire expiré" in text(response) and "Rechargez la page" in text(response)


@override_settings(ROOT_URLCONF=__name__)
def test_a_500_is_french_and_needs_nothing_from_the_database(django_user_model):
    client = Client(raise_request_exception=False)
    response = client.get("/casse/")
    assert response.status_code == 500
    assert "Erreur du serveur" in text(response) and "Ce que vous avez enregistré auparavant est conservé" in text(response)
