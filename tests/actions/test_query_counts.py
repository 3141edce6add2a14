"""The plan, fiche, structure and tracking pages, the tracking export and the fiche PDF keep a
constant number of queries as the plan grows, within a fixed budget: the queries measured at the
larger size, a ceiling any new query breaks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conventions.enums import ConventionStatus
from tests.helpers import assert_constant_queries, count_queries, html_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("computed_pages")]

# Queries of each page for the convention of 60 fiches (its first fiche for the fiche pages). The
# pages kept by the page cache count one query more: the convention's revision tokens, its key. A
# file (the export) reads the user's memberships in a query of its own, which a page shares with its header.
BUDGETS = {
    "actions:plan": 16,
    "actions:fiche": 25,
    "actions:fiche_edit": 15,
    "actions:plan (filtered)": 16,
    "actions:structure": 9,
    "actions:tracking_period": 12,
    "actions:tracking_export": 9,
}


@pytest.mark.parametrize("name", ["actions:plan"])
def test_convention_pages_do_not_grow_with_the_number_of_fiches(client, two_sizes, name):
    assert_constant_queries(client, two_sizes, name, BUDGETS[name])


def in_preparation(*conventions):
    """The plan's editors (fiche form, structure) open while the convention is in préparation."""
    for convention in conventions:
        convention.status = ConventionStatus.PREPARATION
        convention.save()


@pytest.mark.parametrize("name", ["actions:fiche", "actions:fiche_edit"])
def test_fiche_pages_do_not_grow_with_the_plan(client, two_sizes, name, django_assert_max_num_queries):
    small, large = two_sizes
    if name == "actions:fiche_edit":
        in_preparation(small, large)
    counts = [
        count_queries(client, reverse(name, args=[c.slug, c.fiches.order_by("number").first().key])) for c in (small, large)
    ]
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(BUDGETS[name]):
        client.get(reverse(name, args=[large.slug, large.fiches.order_by("number").first().key]))


@pytest.mark.parametrize("query", [{"theme": "enfance"}, {"q": "Développer", "status": "en_cours"}])
def test_filtered_plan_and_structure_do_not_grow(client, two_sizes, query, django_assert_max_num_queries):
    small, large = two_sizes
    in_preparation(small, large)
    for name, params in [("actions:plan", query), ("actions:structure", {})]:
        counts = []
        for convention in (small, large):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name, args=[convention.slug]), params).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], name
        with django_assert_max_num_queries(BUDGETS[f"{name} (filtered)" if params else name]):
            client.get(reverse(name, args=[large.slug]), params)


def test_tracking_table_and_its_export_do_not_grow(client, two_sizes, django_assert_max_num_queries):
    """Every fiche of `grow` has a 2026-T1 update and an indicator: rows, values and who saved."""
    small, large = two_sizes
    for name in ("actions:tracking_period", "actions:tracking_export"):
        counts = [count_queries(client, reverse(name, args=[c.slug, "2026-T1"])) for c in (small, large)]
        assert counts[0] == counts[1], name
        with django_assert_max_num_queries(BUDGETS[name]):
            client.get(reverse(name, args=[large.slug, "2026-T1"]))


def test_fiche_pdf_does_not_grow(documents_of_two_sizes, django_assert_max_num_queries):
    """The HTML of the fiche PDF is built in a fixed number of queries."""
    from actions.pdf import FichePdf

    counts = {"fiche": []}
    for documents in documents_of_two_sizes:
        counts["fiche"].append(html_queries(FichePdf(), documents["fiche"]))
    for name, (small, large) in counts.items():
        assert small == large, name
    _, large = documents_of_two_sizes
    # A fiche with 60 indicators. 7: its latest confirmed update is a query of its own since
    # `with_details` prefetches only the latest update (the plan's need).
    with django_assert_max_num_queries(7):
        FichePdf().html(large["fiche"])
