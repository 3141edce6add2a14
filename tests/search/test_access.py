"""A search shows only what the user may see, per role and territory: never another Caf's CTG,
nor one another collectivité signs."""

import pytest

from conventions.enums import Role
from tests.factories import user_with_role, users_for
from tests.helpers import text
from tests.search.conftest import WORD, hits_of, search_page

pytestmark = pytest.mark.django_db

KINDS = ["Conventions", "Fiches actions", "Avenants", "Séances"]


def slugs(hits):
    """The conventions the hits belong to, read from their links (/conventions/SLUG/…)."""
    return {kind: {hit.url.split("/")[2] for hit in found} for kind, found in hits.items()}


@pytest.mark.parametrize(("role", "sees"), [
    ("caf", ["ours", "sister"]),
    ("coordinateur", ["ours"]),
    ("elu", ["ours"]),
    ("foreign caf", ["foreign"]),
])
def test_a_search_returns_the_users_territory_only(client, territory, role, sees):
    ours, sister, foreign = territory
    users = users_for(ours)
    users["foreign caf"] = user_with_role(Role.CAF, foreign.caf)
    by_name = {"ours": ours.slug, "sister": sister.slug, "foreign": foreign.slug}
    found = slugs(hits_of(search_page(client, users[role], WORD)))
    assert found == {kind: {by_name[name] for name in sees} for kind in KINDS}


def test_an_outsider_finds_nothing(client, territory):
    page = search_page(client, users_for(territory[0])["outsider"], WORD)
    assert hits_of(page) == {}
    assert f"Aucun résultat pour « {WORD} »" in text(page)


def test_a_superuser_finds_every_convention(client, territory, superuser):
    found = slugs(hits_of(search_page(client, superuser, WORD)))
    assert found["Conventions"] == {convention.slug for convention in territory}


def test_the_hits_lead_to_pages_the_user_may_open(client, territory):
    user = users_for(territory[0])["elu"]
    for hits in hits_of(search_page(client, user, WORD)).values():
        for hit in hits:
            assert client.get(hit.url.split("#")[0]).status_code == 200, hit.url
