"""A new fiche proposes the next free number of the plan."""

import pytest

from conventions.enums import ConventionStatus
from tests.factories import AxisFactory, ConventionFactory, FicheFactory, users_for

pytestmark = pytest.mark.django_db


def number_field(page):
    start = page.index('name="number"')
    tag = page[page.rindex("<input", 0, start):page.index(">", start)]
    return tag.split('value="')[1].split('"')[0] if 'value="' in tag else ""


@pytest.mark.parametrize(("numbers", "proposed"), [((), "1"), ((1, 2, 5), "6")])
def test_a_new_fiche_proposes_the_next_free_number(client, numbers, proposed):
    convention = ConventionFactory(status=ConventionStatus.PREPARATION)
    axis = AxisFactory(convention=convention)
    for number in numbers:
        FicheFactory(axis=axis, number=number)
    client.force_login(users_for(convention)["coordinateur"])
    page = client.get(f"/conventions/{convention.slug}/fiches/nouvelle/").content.decode()
    assert number_field(page) == proposed


def test_a_replaced_version_keeps_its_number_taken(client):
    convention = ConventionFactory(status=ConventionStatus.PREPARATION)
    old = FicheFactory(axis__convention=convention, number=7, is_current=False)
    FicheFactory(axis=old.axis, number=3)
    client.force_login(users_for(convention)["caf"])
    page = client.get(f"/conventions/{convention.slug}/fiches/nouvelle/").content.decode()
    assert number_field(page) == "8"
