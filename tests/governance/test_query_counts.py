"""Governance pages (and the calendar, convention and fiche pages that list séances) keep a
constant number of queries as séances and members grow, within a fixed budget: the queries
measured at the larger size, a ceiling any new query breaks."""

import pytest
from django.urls import reverse

from tests.factories import ConventionFactory, users_for
from tests.governance.helpers import grow_governance
from tests.helpers import assert_constant_queries, count_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed_pages")]

# Queries of each page of `urls_of`, in its order, for the convention of 25 séances and members. A
# file (iCalendar) reads the user's memberships in a query of its own, which a page shares with its
# header; a page kept by the page cache (the fiche) reads the convention's revision tokens first.
BUDGETS = {
    "governance:index": 13,
    "agenda:calendar": 9,
    "agenda:calendar (liste)": 10,
    "governance:meeting": 15,
    "governance:meeting_edit": 19,
    "governance:meeting_minutes": 12,
    "governance:meeting_ics": 6,
    "governance:body_edit": 10,
    "governance:officers": 10,  # the version the page is opened with (ctg.concurrency)
    "governance:meeting_create": 14,
    "conventions:detail": 17,  # the timeline's status changes, the signed originals, the « CTG suivante » link
    "actions:fiche": 25,  # and its renewals (« reconduite par l'action … »)
}


def urls_of(convention, meeting):
    return [
        reverse("governance:index", args=[convention.slug]),
        reverse("agenda:calendar", args=[convention.slug]),
        reverse("agenda:calendar", args=[convention.slug]) + "?vue=liste",
        reverse("governance:meeting", args=[convention.slug, meeting.pk]),
        reverse("governance:meeting_edit", args=[convention.slug, meeting.pk]),
        reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]),
        reverse("governance:meeting_ics", args=[convention.slug, meeting.pk]),
        reverse("governance:body_edit", args=[convention.slug, "copil"]),
        reverse("governance:officers", args=[convention.slug]),
        reverse("governance:meeting_create", args=[convention.slug]) + "?instance=copil",
        reverse("conventions:detail", args=[convention.slug]),
        reverse("actions:fiche", args=[convention.slug, convention.fiches.order_by("id").first().key]),
    ]


def test_pages_do_not_grow_with_meetings_and_members(client, django_assert_max_num_queries):
    small, large = ConventionFactory(), ConventionFactory()
    small_meeting, large_meeting = grow_governance(small, 2), grow_governance(large, 25)
    user = users_for(small)["caf"]
    user.memberships.create(organisation=large.caf, role="caf")
    client.force_login(user)
    for small_url, large_url in zip(urls_of(small, small_meeting), urls_of(large, large_meeting), strict=True):
        assert count_queries(client, small_url) == count_queries(client, large_url), small_url
    for budget, large_url in zip(BUDGETS.values(), urls_of(large, large_meeting), strict=True):
        with django_assert_max_num_queries(budget, info=large_url):
            client.get(large_url)


@pytest.mark.parametrize("name", ["governance:index"])
def test_convention_pages_do_not_grow_with_the_number_of_fiches(client, two_sizes, name):
    assert_constant_queries(client, two_sizes, name, 12)  # the convention of 60 fiches
