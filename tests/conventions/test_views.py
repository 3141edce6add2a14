"""The list of conventions: each user sees those of their territory, a superuser sees them all."""

import pytest
from django.urls import reverse

from tests.factories import ConventionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return ConventionFactory(title="CTG de la Communauté de communes Roumois Seine")


def test_list_shows_only_the_users_conventions(client, convention, users):
    other = ConventionFactory(title="CTG du territoire voisin")
    client.force_login(users["elu"])
    content = client.get(reverse("conventions:list")).content.decode()
    assert convention.title in content and other.title not in content


def test_superuser_sees_every_convention(client, convention, django_user_model):
    other = ConventionFactory(title="CTG du territoire voisin")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    content = client.get(reverse("conventions:list")).content.decode()
    assert convention.title in content and other.title in content
    assert client.get(reverse("actions:plan", args=[other.slug])).status_code == 200
