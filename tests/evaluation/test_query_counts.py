"""The milestones page, the dashboard, a bilan, its export and its PDF keep a constant number
of queries as the plan grows, within a fixed budget: the queries measured at the larger size, a
ceiling any new query breaks."""

import pytest
from django.urls import reverse

from tests.helpers import assert_constant_queries, count_queries, html_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed_pages")]

# Queries of each page for the convention of 60 fiches (the dashboard, kept by the page cache: one
# query more, the convention's revision tokens; the export, a file: the user's memberships in a
# query of its own, which a page shares with its header).
BUDGETS = {
    "evaluation:milestones": 9,
    "evaluation:dashboard": 16,
    "evaluation:bilan": 14,
    "evaluation:bilan_export": 11,
}


@pytest.mark.parametrize("name", ["evaluation:milestones"])
def test_convention_pages_do_not_grow_with_the_number_of_fiches(client, two_sizes, name):
    assert_constant_queries(client, two_sizes, name, BUDGETS[name])


def test_dashboard_and_bilan_do_not_grow(client, two_sizes, django_assert_max_num_queries):
    from evaluation.models import Bilan

    small, large = two_sizes
    counts = [count_queries(client, reverse("evaluation:dashboard", args=[c.slug])) for c in (small, large)]
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(BUDGETS["evaluation:dashboard"]):
        client.get(reverse("evaluation:dashboard", args=[large.slug]))
    # The panels that list things are filled, so their queries are counted too.
    context = client.get(reverse("evaluation:dashboard", args=[large.slug])).context
    assert len(context["next_meetings"]) == 5 and len(context["next_milestones"]) == 5 and context["overdue"]
    for convention in (small, large):
        Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end)
    for name in ("evaluation:bilan", "evaluation:bilan_export"):
        counts = [count_queries(client, reverse(name, args=[c.slug, "final"])) for c in (small, large)]
        assert counts[0] == counts[1], name
        with django_assert_max_num_queries(BUDGETS[name]):
            client.get(reverse(name, args=[large.slug, "final"]))


def test_bilan_pdf_does_not_grow(documents_of_two_sizes, django_assert_max_num_queries):
    """The HTML of the bilan PDF is built in a fixed number of queries."""
    from evaluation.pdf import BilanPdf

    counts = {"bilan": []}
    for documents in documents_of_two_sizes:
        counts["bilan"].append(html_queries(BilanPdf(), documents["bilan"]))
    for name, (small, large) in counts.items():
        assert small == large, name
    _, large = documents_of_two_sizes
    with django_assert_max_num_queries(6):
        BilanPdf().html(large["bilan"])
