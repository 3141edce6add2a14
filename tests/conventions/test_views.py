"""The list of conventions: each user sees those of their territory, a superuser sees them all."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exchange.importer import import_document
from exchange.reading import load_json
from tests.factories import AvenantFactory, ConventionFactory, FicheFactory, users_for
from tests.helpers import DEMO_ROUMOIS, table_rows, text

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


def test_the_list_counts_the_fiches_in_force_and_shows_the_end_extended_by_avenants(client):
    """The demo's Roumois Seine: 10 fiches signed in 2022, avenant n°2 abrogating one, replacing one
    and adding three (12 in force today); an avenant of the other CTG runs past its end."""
    roumois = import_document(load_json(DEMO_ROUMOIS))
    other = ConventionFactory(caf=roumois.caf, title="CTG prolongée", start=datetime.date(2022, 1, 1),
                              end=datetime.date(2026, 12, 31))
    FicheFactory.create_batch(2, convention=other)
    AvenantFactory(convention=other, effective_from=datetime.date(2025, 1, 1),
                   effective_until=datetime.date(2027, 6, 30))
    client.force_login(users_for(roumois)["caf"])
    rows = {row[0]: row for row in table_rows(text(client.get(reverse("conventions:list"))))}
    base = roumois.fiches.filter(avenant__isnull=True).count()
    in_force = roumois.fiches.in_force(timezone.localdate()).count()
    assert (base, in_force) == (10, 12)
    assert rows[roumois.title][4] == "12"
    assert rows["CTG prolongée"][2] == "01/01/2022 – 30/06/2027 prolongée par avenant"
    assert rows["CTG prolongée"][4] == "2"
