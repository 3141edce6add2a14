"""The convention pages, the list of conventions and the convention and avenant PDFs keep a
constant number of queries as the plan grows, within a fixed budget: the queries measured at the
larger size, a ceiling any new query breaks."""

import pytest
from django.urls import reverse

from tests.factories import ConventionFactory
from tests.helpers import assert_constant_queries, count_queries, html_queries

pytestmark = pytest.mark.django_db

# Queries of each page for the convention of 60 fiches.
# conventions:detail: its timeline reads the status changes too, and a signed convention its
# signed originals (one query).
BUDGETS = {"conventions:detail": 15, "conventions:annexes": 13}


@pytest.mark.parametrize("name", ["conventions:detail", "conventions:annexes"])
def test_convention_pages_do_not_grow_with_the_number_of_fiches(client, two_sizes, name):
    assert_constant_queries(client, two_sizes, name, BUDGETS[name])


def test_convention_list_does_not_grow_with_the_number_of_conventions(client, django_user_model,
                                                                      django_assert_max_num_queries):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    ConventionFactory()
    few = count_queries(client, reverse("conventions:list"))
    for _ in range(10):
        ConventionFactory()
    assert count_queries(client, reverse("conventions:list")) == few
    with django_assert_max_num_queries(4):  # 11 conventions
        client.get(reverse("conventions:list"))


def test_convention_and_avenant_pdfs_do_not_grow(documents_of_two_sizes, django_assert_max_num_queries):
    """The HTML of the convention and avenant PDFs is built in a fixed number of queries."""
    from conventions.pdf import AvenantPdf, ConventionPdf

    counts = {"convention": [], "avenant": []}
    for documents in documents_of_two_sizes:
        counts["convention"].append(html_queries(ConventionPdf(), documents["convention"]))
        counts["avenant"].append(html_queries(AvenantPdf(), documents["avenant"]))
    for name, (small, large) in counts.items():
        assert small == large, name
    _, large = documents_of_two_sizes
    with django_assert_max_num_queries(22):
        ConventionPdf().html(large["convention"])
    with django_assert_max_num_queries(8):
        AvenantPdf().html(large["avenant"])
