"""The page cache (ctg/pagecache.py): a page read again costs a few queries, yet shows at once what
anyone saved meanwhile, only what the reader's role shows, the reader's own header, messages and
CSRF token, and never opens to an outsider."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Fiche, Update
from conventions.enums import ConventionStatus, Role
from tests import scenarios
from tests.actions import conftest as actions_fixtures
from tests.actions.helpers import T1, page_url, row_url
from tests.factories import (
    CafFactory,
    ConventionFactory,
    OrganisationFactory,
    user_with_role,
    users_for,
)

pytestmark = pytest.mark.django_db

tracking_plan = actions_fixtures.tracking_plan  # the plan these pages show


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def readers(convention, *roles, **client_options):
    """A logged-in browser for each role on the convention."""
    people = users_for(convention)
    clients = []
    for role in roles:
        clients.append(Client(**client_options))
        clients[-1].force_login(people[role])
    return clients


def pages(convention):
    fiche = convention.fiches.order_by("number").first()
    return [
        reverse("actions:plan", args=[convention.slug]),
        reverse("actions:fiche", args=[convention.slug, fiche.key]),
        reverse("actions:tracking_period", args=[convention.slug, "2026-T1"]),
        reverse("evaluation:dashboard", args=[convention.slug]),
        reverse("portfolio:convention_home", args=[convention.slug]),
    ]


@pytest.mark.parametrize("page", range(5))
def test_a_page_read_again_is_the_same_page_for_a_few_queries_at_any_size(client, two_sizes, page):
    counts = []
    for convention in two_sizes:
        url = pages(convention)[page]
        computed, first = queries(client, url)
        cached, again = queries(client, url)
        strip = re.compile(r'value="[^"]+"|"X-CSRFToken": "[^"]+"')  # the token differs at each answer
        assert strip.sub("", again) == strip.sub("", first)
        assert cached < computed
        counts.append(cached)
    # Session, user, the convention (with its tokens), the user's memberships, the signatories.
    assert counts[0] == counts[1] <= 6, counts


def test_what_someone_saves_shows_at_the_next_reading(tracking_plan):
    convention, *_ = tracking_plan
    elu, coordinator = readers(convention, "elu", "coordinateur")
    url = page_url(convention, T1)
    assert "Reporté faute de salle" not in elu.get(url).content.decode()
    response = coordinator.post(row_url(convention, "parents"),
                                {"parents-status": "reportee", "parents-comment": "Reporté faute de salle"})
    assert response.status_code == 302
    assert "Reporté faute de salle" in elu.get(url).content.decode()


def test_a_bulk_write_shows_too(tracking_plan, client):
    convention, accueil, *_ = tracking_plan
    client.force_login(users_for(convention)["elu"])
    url = reverse("actions:plan", args=[convention.slug])
    assert "Accueillir autrement" not in client.get(url).content.decode()
    Fiche.objects.filter(pk=accueil.pk).update(title="Accueillir autrement")
    assert "Accueillir autrement" in client.get(url).content.decode()


def test_each_role_gets_its_own_page(tracking_plan):
    convention, *_ = tracking_plan
    url = page_url(convention, T1)
    editor, elu = readers(convention, "coordinateur", "elu")
    assert "Mettre à jour" in editor.get(url).content.decode()
    assert "Mettre à jour" not in elu.get(url).content.decode()
    assert "Mettre à jour" in editor.get(url).content.decode()


def test_an_outsider_gets_404_after_the_page_was_cached(tracking_plan):
    convention, *_ = tracking_plan
    insider, outsider = readers(convention, "caf", "outsider")
    for url in pages(convention)[:4] + [reverse("actions:fiche", args=[convention.slug, "inconnue"])]:
        insider.get(url)
        assert outsider.get(url).status_code == 404, url


def test_a_cached_page_holds_the_readers_name_and_a_csrf_token_that_works_for_them(tracking_plan):
    convention, *_ = tracking_plan
    alice, bruno = (user_with_role(Role.CAF, convention.caf, first_name=name) for name in ("Alice", "Bruno"))
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(alice)
    second.force_login(bruno)
    url = reverse("actions:plan", args=[convention.slug])
    computed, first_page = queries(first, url)
    cached, second_page = queries(second, url)
    assert cached < computed  # the same role: Alice's page, served to Bruno
    assert "Alice" in first_page and "Bruno" not in first_page
    assert "Bruno" in second_page and "Alice" not in second_page
    assert "ctgPageCacheCsrfPlaceholder" not in second_page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second_page)[1]
    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302


def test_messages_show_once_on_a_cached_page(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["coordinateur"])
    url = page_url(convention, T1)
    client.get(url)
    response = client.post(row_url(convention, "parents"), {"parents-status": "reportee"}, follow=True)
    assert "Action 2 :" in response.content.decode()
    assert "Action 2 :" not in client.get(url).content.decode()
    # A message made by the request itself: the portfolio's ignored filter, at each reading.
    for _ in range(2):
        assert "Année de fin « abc » invalide" in client.get(reverse("portfolio:home") + "?fin=abc").content.decode()


def test_the_portfolio_follows_its_ctgs_and_ignores_the_others(client):
    caf = CafFactory()
    user = user_with_role(Role.CAF, caf)
    client.force_login(user)
    mine = ConventionFactory(caf=caf)
    scenarios.grow_plan(mine, 3)
    elsewhere = ConventionFactory()
    scenarios.grow_plan(elsewhere, 3)
    url = reverse("portfolio:home")
    computed, _ = queries(client, url)
    Update.objects.filter(fiche__convention=elsewhere).update(comment="Autre Caf")
    cached, _ = queries(client, url)
    assert cached < computed  # another Caf's writes leave this page as it was
    ConventionFactory(caf=caf, collectivite=OrganisationFactory(name="Commune de Nouvelle-Ville"),
                      title="CTG de Nouvelle-Ville")
    assert "CTG de Nouvelle-Ville" in client.get(url).content.decode()


def test_search_finds_what_was_just_renamed(tracking_plan, client):
    convention, accueil, *_ = tracking_plan
    client.force_login(users_for(convention)["elu"])
    url = reverse("search:results") + "?q=ludothèque"
    hit = reverse("actions:fiche", args=[convention.slug, accueil.key])
    assert hit not in client.get(url).content.decode()
    accueil.title = "Ouvrir une ludothèque"
    accueil.save()
    assert hit in client.get(url).content.decode()


def test_no_cache_when_disabled(settings, tracking_plan, client):
    settings.PAGE_CACHE_SECONDS = 0
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["elu"])
    url = reverse("actions:plan", args=[convention.slug])
    assert queries(client, url)[0] == queries(client, url)[0]


@pytest.mark.parametrize("role, edits", [("caf", True), ("coordinateur", True), ("elu", False)])
def test_a_plan_read_before_signature_is_not_served_after_it(role, edits):
    """A signed plan changes only through an avenant: once signed, nobody gets the cached page that
    still offered to rewrite it."""
    convention = ConventionFactory(status=ConventionStatus.PREPARATION, signed_on=None)
    scenarios.grow_plan(convention, 2)
    (reader,) = readers(convention, role)
    url = reverse("actions:plan", args=[convention.slug])
    assert ("Importer un classeur" in reader.get(url).content.decode()) is edits
    convention.status, convention.signed_on = ConventionStatus.SIGNEE, convention.start
    convention.save()
    assert "Importer un classeur" not in reader.get(url).content.decode()
