"""Pages keep a constant number of SQL queries as the plan grows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conventions.enums import ConventionStatus
from tests.factories import (
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    MeetingFactory,
    MilestoneFactory,
    UpdateFactory,
    users_for,
)

pytestmark = pytest.mark.django_db


def grow(convention, count):
    """`count` fiches, each with an update, an indicator, a meeting of its own instance (every
    other one still to come) and a milestone (every other one late): every panel is filled."""
    today = timezone.localdate()
    axes = [AxisFactory(convention=convention) for _ in range(3)]
    for i in range(count):
        fiche = FicheFactory(axis=axes[i % 3], themes=["enfance", "jeunesse"])
        UpdateFactory(fiche=fiche)
        IndicatorFactory(fiche=fiche)
        when = today + datetime.timedelta(days=i + 1) if i % 2 else datetime.date(2024, 3, 12)
        MeetingFactory(body__convention=convention, date=when).fiches.add(fiche)
        end = today + datetime.timedelta(days=10 + i) if i % 2 else today - datetime.timedelta(days=10 + i)
        MilestoneFactory(convention=convention, title=f"Point d'étape {i}", start=end - datetime.timedelta(days=30),
                         end=end)


@pytest.fixture
def two_sizes(client):
    """A convention with 5 fiches and one with 60, both readable by the logged-in Caf user."""
    small, large = ConventionFactory(), ConventionFactory()
    grow(small, 5)
    grow(large, 60)
    user = users_for(small)["caf"]
    user.memberships.create(organisation=large.caf, role="caf")
    client.force_login(user)
    return small, large


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["conventions:detail", "actions:plan", "governance:index", "conventions:annexes",
                                  "evaluation:milestones"])
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


def in_preparation(*conventions):
    """The plan's editors (fiche form, structure) open while the convention is in préparation."""
    for convention in conventions:
        convention.status = ConventionStatus.PREPARATION
        convention.save()


@pytest.mark.parametrize("name", ["actions:fiche", "actions:fiche_edit"])
def test_fiche_pages_do_not_grow_with_the_plan(client, two_sizes, name):
    small, large = two_sizes
    if name == "actions:fiche_edit":
        in_preparation(small, large)
    counts = [
        count_queries(client, reverse(name, args=[c.slug, c.fiches.order_by("number").first().key])) for c in (small, large)
    ]
    assert counts[0] == counts[1]


@pytest.mark.parametrize("query", [{"theme": "enfance"}, {"q": "Développer", "status": "en_cours"}])
def test_filtered_plan_and_structure_do_not_grow(client, two_sizes, query):
    small, large = two_sizes
    in_preparation(small, large)
    for name, params in [("actions:plan", query), ("actions:structure", {})]:
        counts = []
        for convention in (small, large):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name, args=[convention.slug]), params).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], name


def test_tracking_table_and_its_export_do_not_grow(client, two_sizes):
    """Every fiche of `grow` has a 2026-T1 update and an indicator: rows, values and who saved."""
    small, large = two_sizes
    for name in ("actions:tracking_period", "actions:tracking_export"):
        counts = [count_queries(client, reverse(name, args=[c.slug, "2026-T1"])) for c in (small, large)]
        assert counts[0] == counts[1], name


def test_dashboard_and_bilan_do_not_grow(client, two_sizes):
    from evaluation.models import Bilan

    small, large = two_sizes
    counts = [count_queries(client, reverse("evaluation:dashboard", args=[c.slug])) for c in (small, large)]
    assert counts[0] == counts[1]
    # The panels that list things are filled, so their queries are counted too.
    context = client.get(reverse("evaluation:dashboard", args=[large.slug])).context
    assert len(context["next_meetings"]) == 5 and len(context["next_milestones"]) == 5 and context["overdue"]
    for convention in (small, large):
        Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end)
    for name in ("evaluation:bilan", "evaluation:bilan_export"):
        counts = [count_queries(client, reverse(name, args=[c.slug, "final"])) for c in (small, large)]
        assert counts[0] == counts[1], name


def html_queries(exporter, obj):
    with CaptureQueriesContext(connection) as ctx:
        exporter.html(obj)
    return len(ctx.captured_queries)


def test_pdf_documents_do_not_grow(client, two_sizes):
    """The HTML of each PDF document is built in a fixed number of queries."""
    from actions.pdf import FichePdf
    from conventions.enums import AvenantStatus, OperationKind
    from conventions.models import Operation
    from conventions.pdf import AvenantPdf, ConventionPdf
    from evaluation.models import Bilan
    from evaluation.pdf import BilanPdf
    from tests.factories import AvenantFactory

    counts = {"convention": [], "avenant": [], "fiche": [], "bilan": []}
    for convention in two_sizes:
        fiches = list(convention.fiches.order_by("number"))
        avenant = AvenantFactory(convention=convention, status=AvenantStatus.BROUILLON)
        for position, fiche in enumerate(fiches[: len(fiches) // 2]):
            added = FicheFactory(axis=fiche.axis, avenant=avenant, previous_version=fiche, number=fiche.number)
            Operation.objects.create(avenant=avenant, position=2 * position, op=OperationKind.REPLACE_FICHE,
                                     target_fiche=fiche, fiche=added)
            Operation.objects.create(avenant=avenant, position=2 * position + 1, op=OperationKind.AMEND_ANNEX,
                                     annex=5, mode="complete", body="Complément.")
        for _ in range(len(fiches)):
            IndicatorFactory(fiche=fiches[0])
        bilan = Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end)
        counts["convention"].append(html_queries(ConventionPdf(), convention))
        counts["avenant"].append(html_queries(AvenantPdf(), avenant))
        counts["fiche"].append(html_queries(FichePdf(), fiches[0]))
        counts["bilan"].append(html_queries(BilanPdf(), bilan))
    for name, (small, large) in counts.items():
        assert small == large, name
