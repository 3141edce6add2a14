"""The convention pages, the list of conventions and the convention and avenant PDFs keep a
constant number of queries as the plan grows."""

import pytest
from django.urls import reverse

from tests.factories import ConventionFactory
from tests.helpers import count_queries, html_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["conventions:detail", "conventions:annexes"])
def test_convention_pages_do_not_grow_with_the_number_of_fiches(client, two_sizes, name):
    small, large = two_sizes
    assert count_queries(client, reverse(name, args=[small.slug])) == count_queries(
        client, reverse(name, args=[large.slug])
    )


def test_convention_list_does_not_grow_with_the_number_of_conventions(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    ConventionFactory()
    few = count_queries(client, reverse("conventions:list"))
    for _ in range(10):
        ConventionFactory()
    assert count_queries(client, reverse("conventions:list")) == few


def test_convention_and_avenant_pdfs_do_not_grow(documents_of_two_sizes):
    """The HTML of the convention and avenant PDFs is built in a fixed number of queries."""
    from conventions.pdf import AvenantPdf, ConventionPdf

    counts = {"convention": [], "avenant": []}
    for documents in documents_of_two_sizes:
        counts["convention"].append(html_queries(ConventionPdf(), documents["convention"]))
        counts["avenant"].append(html_queries(AvenantPdf(), documents["avenant"]))
    for name, (small, large) in counts.items():
        assert small == large, name
