"""The iCalendar feed keeps a constant number of queries as a user's conventions grow, within a
fixed budget: the queries measured at the larger size, a ceiling any new query breaks."""

import pytest
from django.urls import reverse

from tests.agenda.helpers import subscribe
from tests.factories import ConventionFactory, users_for
from tests.governance.helpers import grow_governance
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def test_feed_does_not_grow_with_conventions(client, django_assert_max_num_queries):
    conventions = [ConventionFactory() for _ in range(3)]
    user = users_for(conventions[0])["caf"]
    token = subscribe(client, user)
    grow_governance(conventions[0], 2)
    few = count_queries(client, reverse("agenda:feed", args=[token]))
    for c in conventions[1:]:
        user.memberships.create(organisation=c.caf, role="caf")
        grow_governance(c, 10)
    assert count_queries(client, reverse("agenda:feed", args=[token])) == few
    with django_assert_max_num_queries(5):  # three conventions (the memberships, then the lists of ids)
        client.get(reverse("agenda:feed", args=[token]))
