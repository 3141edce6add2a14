"""Governance pages and the iCalendar feed keep a constant number of queries as séances,
members and conventions grow, within a fixed budget: the queries measured at the larger size, a
ceiling any new query breaks."""

import datetime

import pytest
from django.urls import reverse

from governance.models import AgendaItem, CooperationOfficer, Decision, Member, Participant
from tests.factories import (
    AvenantFactory,
    BodyFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    MilestoneFactory,
    users_for,
)
from tests.governance.helpers import TODAY, subscribe
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

# Queries of each page of `urls_of`, in its order, for the convention of 25 séances and members.
BUDGETS = {
    "governance:index": 13,
    "governance:calendar": 9,
    "governance:calendar (liste)": 10,
    "governance:meeting": 15,
    "governance:meeting_edit": 19,
    "governance:meeting_minutes": 12,
    "governance:meeting_ics": 5,
    "governance:body_edit": 10,
    "governance:officers": 9,
    "governance:meeting_create": 14,
    "conventions:detail": 14,
    "actions:fiche": 23,
}


def grow(convention, count):
    body = BodyFactory(convention=convention, key="copil")
    for i in range(count):
        Member.objects.create(body=body, name=f"Membre {i}", email=f"m{i}@example.org")
    fiches = [FicheFactory(axis__convention=convention) for _ in range(3)]
    milestones = [MilestoneFactory(convention=convention, end=TODAY + datetime.timedelta(days=i)) for i in range(3)]
    AvenantFactory(convention=convention)
    CooperationOfficer.objects.create(convention=convention, name="Claire", scope="territorial", themes=["enfance"])
    meetings = []
    for i in range(count):
        meeting = MeetingFactory(body=body, date=TODAY + datetime.timedelta(days=i % 28 - 14))
        meeting.fiches.add(fiches[0])
        for j in range(3):
            item = AgendaItem.objects.create(meeting=meeting, text=f"Point {j}", position=j)
            item.fiches.add(fiches[j])
            item.milestones.add(milestones[j])
            Participant.objects.create(meeting=meeting, name=f"Personne {j}", present=j % 2 == 0, position=j)
            Decision.objects.create(meeting=meeting, text=f"Décision {j}", fiche=fiches[j], position=j)
        meetings.append(meeting)
    return meetings[0]


def urls_of(convention, meeting):
    return [
        reverse("governance:index", args=[convention.slug]),
        reverse("governance:calendar", args=[convention.slug]),
        reverse("governance:calendar", args=[convention.slug]) + "?vue=liste",
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
    small_meeting, large_meeting = grow(small, 2), grow(large, 25)
    user = users_for(small)["caf"]
    user.memberships.create(organisation=large.caf, role="caf")
    client.force_login(user)
    for small_url, large_url in zip(urls_of(small, small_meeting), urls_of(large, large_meeting), strict=True):
        assert count_queries(client, small_url) == count_queries(client, large_url), small_url
    for budget, large_url in zip(BUDGETS.values(), urls_of(large, large_meeting), strict=True):
        with django_assert_max_num_queries(budget, info=large_url):
            client.get(large_url)


def test_feed_does_not_grow_with_conventions(client, django_assert_max_num_queries):
    conventions = [ConventionFactory() for _ in range(3)]
    user = users_for(conventions[0])["caf"]
    token = subscribe(client, user)
    grow(conventions[0], 2)
    few = count_queries(client, reverse("agenda:feed", args=[token]))
    for c in conventions[1:]:
        user.memberships.create(organisation=c.caf, role="caf")
        grow(c, 10)
    assert count_queries(client, reverse("agenda:feed", args=[token])) == few
    with django_assert_max_num_queries(4):  # three conventions
        client.get(reverse("agenda:feed", args=[token]))


@pytest.mark.parametrize("name", ["governance:index"])
def test_convention_pages_do_not_grow_with_the_number_of_fiches(client, two_sizes, name,
                                                                django_assert_max_num_queries):
    small, large = two_sizes
    assert count_queries(client, reverse(name, args=[small.slug])) == count_queries(
        client, reverse(name, args=[large.slug])
    )
    with django_assert_max_num_queries(12):  # the convention of 60 fiches
        client.get(reverse(name, args=[large.slug]))
