"""The results page makes the same number of queries whatever the number of conventions and hits,
within a fixed budget (the number measured, a ceiling any new query breaks)."""

import pytest
from django.urls import reverse

from conventions.enums import Role
from governance.models import AgendaItem
from tests import scenarios
from tests.factories import ConventionFactory, FicheFactory, MeetingFactory, user_with_role
from tests.helpers import count_queries
from tests.search.conftest import WORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed_pages")]


def grow(convention, count):
    fiche = scenarios.word_everywhere(convention, WORD)
    for i in range(count):
        FicheFactory(axis=fiche.axis, title=f"Action {WORD} {i}", partners=f"Partenaires {WORD}")
        AgendaItem.objects.create(meeting=MeetingFactory(body__convention=convention), text=f"Point {WORD} {i}")


def test_the_results_page_does_not_grow_with_the_data(client, django_assert_max_num_queries):
    first = ConventionFactory()
    user = user_with_role(Role.CAF, first.caf)
    client.force_login(user)
    url = reverse("search:results") + f"?q={WORD}+familles"
    grow(first, 1)
    few = count_queries(client, url)
    for _ in range(3):
        grow(ConventionFactory(caf=first.caf), 12)
    assert count_queries(client, url) == few
    # Session, user, the revision tokens of the user's conventions (the page cache's key), the
    # header's check, the user's conventions (a list of ids), nine sources.
    with django_assert_max_num_queries(14):
        client.get(url)
