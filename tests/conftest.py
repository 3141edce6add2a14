"""Fixtures the tests of several apps share. An app's own fixtures are in tests/<app>/conftest.py,
the browser's in tests/browser/conftest.py; the scenarios behind them in tests/scenarios.py."""

import pytest
from django.core.cache import cache

from tests import scenarios
from tests.factories import (
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    users_for,
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _page_cache(settings):
    """Pages cached as in production (`make test` runs with DEBUG, where it is off), and no page
    of one test served to the next."""
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()


@pytest.fixture
def computed_pages(settings):
    """Every page computed, never read from the page cache: what the query budgets measure (a
    cached page's own queries are measured in tests/ctg/test_pagecache.py)."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def users(convention):
    """One user per role on the `convention` of the test's module or app, plus an outsider."""
    return users_for(convention)


# --- Sizes: the query count tests ---------------------------------------------------------------


@pytest.fixture
def two_sizes(client):
    """A convention with 5 fiches and one with 60, both readable by the logged-in Caf user."""
    small, large = ConventionFactory(), ConventionFactory()
    scenarios.grow_plan(small, 5)
    scenarios.grow_plan(large, 60)
    user = users_for(small)["caf"]
    user.memberships.create(organisation=large.caf, role="caf")
    client.force_login(user)
    return small, large


@pytest.fixture
def documents_of_two_sizes(two_sizes):
    """For each of `two_sizes`: the convention, a draft avenant replacing half of its fiches (and
    amending an annex as often), its first fiche with one indicator per fiche, a final bilan."""
    from conventions.enums import AvenantStatus, OperationKind
    from conventions.models import Operation
    from evaluation.models import Bilan

    documents = []
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
        documents.append({"convention": convention, "avenant": avenant, "fiche": fiches[0], "bilan": bilan})
    return documents


# --- The Roumois Seine avenant n°2 in print (conventions, actions, documents) -------------------


@pytest.fixture
def plan_002_amends():
    return scenarios.plan_002_amends()


@pytest.fixture
def tracked_fiche():
    return scenarios.tracked_fiche()


@pytest.fixture
def bilan():
    return scenarios.bilan_of_four_actions()


# --- The Django admin (ctg, conventions, actions, evaluation) -----------------------------------


@pytest.fixture
def full_convention():
    return scenarios.full_convention()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "secret")


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client
