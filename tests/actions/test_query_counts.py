"""The plan, fiche, structure and tracking pages, the tracking export and the fiche PDF keep a
constant number of queries as the plan grows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.helpers import count_queries, html_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["actions:plan"])
def test_convention_pages_do_not_grow_with_the_number_of_fiches(client, two_sizes, name):
    small, large = two_sizes
    assert count_queries(client, reverse(name, args=[small.slug])) == count_queries(
        client, reverse(name, args=[large.slug])
    )


@pytest.mark.parametrize("name", ["actions:fiche", "actions:fiche_edit"])
def test_fiche_pages_do_not_grow_with_the_plan(client, two_sizes, name):
    small, large = two_sizes
    counts = [
        count_queries(client, reverse(name, args=[c.slug, c.fiches.order_by("number").first().key])) for c in (small, large)
    ]
    assert counts[0] == counts[1]


@pytest.mark.parametrize("query", [{"theme": "enfance"}, {"q": "Développer", "status": "en_cours"}])
def test_filtered_plan_and_structure_do_not_grow(client, two_sizes, query):
    small, large = two_sizes
    for name, params in [("actions:plan", query), ("actions:structure", {})]:
        counts = []
        for convention in (small, large):
            with CaptureQueriesContext(connection) as ctx:
                client.get(reverse(name, args=[convention.slug]), params)
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], name


def test_tracking_table_and_its_export_do_not_grow(client, two_sizes):
    """Every fiche of `grow` has a 2026-T1 update and an indicator: rows, values and who saved."""
    small, large = two_sizes
    for name in ("actions:tracking_period", "actions:tracking_export"):
        counts = [count_queries(client, reverse(name, args=[c.slug, "2026-T1"])) for c in (small, large)]
        assert counts[0] == counts[1], name


def test_fiche_pdf_does_not_grow(documents_of_two_sizes):
    """The HTML of the fiche PDF is built in a fixed number of queries."""
    from actions.pdf import FichePdf

    counts = {"fiche": []}
    for documents in documents_of_two_sizes:
        counts["fiche"].append(html_queries(FichePdf(), documents["fiche"]))
    for name, (small, large) in counts.items():
        assert small == large, name
