"""Fixtures of the search tests: conventions holding one word in every searched text."""

import pytest
from django.urls import reverse

from tests import scenarios
from tests.factories import ConventionFactory

WORD = "zygomatique"


@pytest.fixture
def territory():
    """Three conventions holding WORD in every text: `ours`, the one `users_for` gives roles on;
    `sister`, of the same Caf, signed by another collectivité; `foreign`, of another Caf."""
    ours = ConventionFactory()
    sister, foreign = ConventionFactory(caf=ours.caf), ConventionFactory()
    for convention in (ours, sister, foreign):
        scenarios.word_everywhere(convention, WORD)
    return ours, sister, foreign


def search_page(client, user, query):
    client.force_login(user)
    return client.get(reverse("search:results"), {"q": query})


def hits_of(page):
    """{kind: [hit, …]} as the page shows them, best first."""
    assert page.status_code == 200
    return {kind: hits for kind, hits, _ in page.context["groups"] or ()}
