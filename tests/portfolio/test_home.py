"""The portfolio, home page after login: one row per CTG the user may see, its figures, filters,
sort, search and Excel export; per role and territory; constant queries as CTGs grow."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actions.enums import UpdateStatus
from actions.models import Fiche
from actions.periods import Period
from conventions.enums import ConventionStatus, Role
from conventions.models import Commune
from evaluation.figures import plan_figures
from governance.enums import BodyKind
from portfolio.rows import portfolio_rows
from tests import scenarios
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    BodyFactory,
    CafFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    MilestoneFactory,
    OrganisationFactory,
    UpdateFactory,
    collectivite_of,
    user_with_role,
    users_for,
)
from tests.helpers import text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_QUARTER = str(Period.containing(TODAY).previous())
THIS_QUARTER = str(Period.containing(TODAY))


def years_from_today(years):
    return TODAY.replace(month=1, day=1, year=TODAY.year + years)


@pytest.fixture
def running():
    """A signed CTG ending in three years, with four actions: one réalisée, one with a confirmed
    update last quarter, one copied and not confirmed, one never followed."""
    convention = ConventionFactory(title="CTG Écouen – Le Mesnil-Aubry", start=years_from_today(-2),
                                   end=years_from_today(3).replace(month=12, day=31))
    Commune.objects.create(convention=convention, insee="95205", name="Écouen", population=7000)
    Commune.objects.create(convention=convention, insee="95395", name="Le Mesnil-Aubry", population=1000)
    axis = AxisFactory(convention=convention)
    done, fresh, copied, never = (FicheFactory(axis=axis, number=n) for n in range(1, 5))
    UpdateFactory(fiche=done, period=LAST_QUARTER, status=UpdateStatus.REALISEE)
    UpdateFactory(fiche=fresh, period=LAST_QUARTER, status=UpdateStatus.EN_COURS)
    UpdateFactory(fiche=copied, period=LAST_QUARTER, status=UpdateStatus.EN_COURS, copied_from="2020-T1")
    return convention


def row_of(user, convention):
    return next(r for r in portfolio_rows(user, TODAY) if r.convention == convention)


def test_a_row_holds_the_figures_of_its_ctg(running):
    users = users_for(running)
    row = row_of(users["caf"], running)
    assert row.phase == ConventionStatus.SIGNEE
    assert (row.fiches, row.realisation, row.freshness) == (4, 25, 50)
    assert row.population == 8000
    assert row.months_left == (row.end.year - TODAY.year) * 12 + row.end.month - TODAY.month - (row.end.day < TODAY.day)
    # The taux de réalisation is the dashboard's.
    figures = plan_figures(Fiche.objects.filter(convention=running), Period.containing(TODAY))
    assert row.realisation == figures.overall.rate


def test_an_avenant_extends_the_end_and_adds_its_fiches(running):
    avenant = AvenantFactory(convention=running, effective_from=TODAY - datetime.timedelta(days=30),
                             effective_until=running.end.replace(year=running.end.year + 1))
    added = FicheFactory(axis=running.axes.first(), avenant=avenant, number=5)
    from conventions.enums import OperationKind
    from conventions.models import Operation

    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ADD_FICHE, fiche=added)
    row = row_of(users_for(running)["caf"], running)
    assert row.end == running.end.replace(year=running.end.year + 1)
    assert row.fiches == 5


def test_late_milestones_bodies_to_convene_and_next_copil(running):
    MilestoneFactory(convention=running, start=None, end=TODAY - datetime.timedelta(days=3))
    MilestoneFactory(convention=running, start=None, end=TODAY + datetime.timedelta(days=3))
    BodyFactory(convention=running, name="Commission petite enfance", kind=BodyKind.COMMISSION, expected_per_year=2)
    MeetingFactory(body__convention=running, body__kind=BodyKind.COPIL, date=TODAY + datetime.timedelta(days=40))
    MeetingFactory(body__convention=running, body__kind=BodyKind.COPIL, date=TODAY + datetime.timedelta(days=90))
    row = row_of(users_for(running)["caf"], running)
    assert row.late_milestones == 1
    assert "Commission petite enfance" in row.to_convene
    assert row.next_copil == TODAY + datetime.timedelta(days=40)
    assert "1 jalon en retard" in row.watch_reasons
    assert any(r.startswith("instance à réunir : ") for r in row.watch_reasons)


def test_the_end_near_without_a_next_ctg_is_to_watch(running):
    running.end = TODAY + datetime.timedelta(days=100)
    running.save()
    row = row_of(users_for(running)["caf"], running)
    assert "fin dans moins d'un an sans CTG suivante en préparation" in row.watch_reasons
    ConventionFactory(caf=running.caf, predecessor=running, status=ConventionStatus.PREPARATION)
    row = row_of(users_for(running)["caf"], running)
    assert "fin dans moins d'un an sans CTG suivante en préparation" not in row.watch_reasons


def test_an_ended_ctg_shows_echue_the_next_day():
    ended = ConventionFactory(start=years_from_today(-5), end=TODAY - datetime.timedelta(days=1))
    row = row_of(users_for(ended)["caf"], ended)
    assert row.phase == ConventionStatus.ECHUE and row.months_left is None


def test_last_activity_is_the_latest_change(running):
    fiche = running.fiches.first()
    fiche.title = "Titre revu"
    fiche.save()
    row = row_of(users_for(running)["caf"], running)
    assert row.last_activity >= fiche.updated_at - datetime.timedelta(seconds=1)


def test_last_activity_includes_the_quarterly_tracking(running):
    """A quarterly update saved after every other change is the CTG's last activity."""
    update = UpdateFactory(fiche=running.fiches.first(), period="2025-T4")
    update.progress = 80
    update.save()
    row = row_of(users_for(running)["caf"], running)
    assert row.last_activity == update.history.latest().history_date


# --- The page -----------------------------------------------------------------------------------


@pytest.fixture
def two_cafs(running):
    """`running` and, in the same Caf, one in préparation ending two years later; another Caf's CTG."""
    preparing = ConventionFactory(caf=running.caf, title="CTG Pays de Landerneau-Daoulas",
                                  status=ConventionStatus.PREPARATION, signed_on=None,
                                  start=years_from_today(1), end=years_from_today(5).replace(month=12, day=31))
    other = ConventionFactory(title="CTG d'une autre Caf")
    return running, preparing, other


def page(client, user, **query):
    client.force_login(user)
    return client.get(reverse("portfolio:home"), query)


def test_login_lands_on_the_portfolio(client, running):
    user = users_for(running)["caf"]
    user.set_password("Mot-de-passe-2026")
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": "Mot-de-passe-2026"})
    assert response.url == reverse("portfolio:home")


def test_a_ctg_without_communes_says_they_are_to_be_filled_in(client, two_cafs):
    running, preparing, _ = two_cafs
    shown = text(page(client, users_for(running)["caf"]))
    assert "2 communes" in shown  # the running CTG's
    assert preparing.communes.count() == 0 and "communes à renseigner" in shown and "0 commune" not in shown


@pytest.mark.parametrize("role", ["caf", "coordinateur", "elu"])
def test_each_role_sees_its_ctgs_and_nothing_of_another_caf(client, two_cafs, role):
    running, preparing, other = two_cafs
    body = text(page(client, users_for(running)[role]))
    assert "CTG Écouen – Le Mesnil-Aubry" in body
    assert "CTG d'une autre Caf" not in body
    # A collectivité's people see their collectivité's CTGs only; the Caf sees all of its own.
    assert ("CTG Pays de Landerneau-Daoulas" in body) == (role == "caf")


def test_an_outsider_sees_an_empty_portfolio(client, two_cafs):
    running, _, _ = two_cafs
    body = text(page(client, users_for(running)["outsider"]))
    assert "Aucune convention ne vous est accessible" in body and "Écouen" not in body


def test_filters_phase_end_year_territory_and_watch(client, two_cafs):
    running, preparing, _ = two_cafs
    caf = users_for(running)["caf"]
    assert "Landerneau" not in text(page(client, caf, phase="signee"))
    assert "Écouen" not in text(page(client, caf, fin=str(preparing.end.year)))
    territory = collectivite_of(preparing)
    filtered = text(page(client, caf, territoire=str(territory.pk)))
    assert "Landerneau" in filtered and "Mesnil" not in filtered
    MilestoneFactory(convention=running, start=None, end=TODAY - datetime.timedelta(days=3))
    watched = text(page(client, caf, surveiller="1"))
    assert "Mesnil" in watched and "1 jalon en retard" in watched


def test_search_ignores_accents_and_case_and_reads_communes(client, two_cafs):
    running, _, _ = two_cafs
    caf = users_for(running)["caf"]
    body = text(page(client, caf, q="ecouen"))
    assert "Mesnil" in body and "Landerneau" not in body
    assert "Mesnil" in text(page(client, caf, q="95395"))
    assert "Aucune convention ne répond" in text(page(client, caf, q="Quimper"))


def test_a_bad_end_year_is_said_and_ignored(client, two_cafs):
    running, _, _ = two_cafs
    body = text(page(client, users_for(running)["caf"], fin="vingt"))
    assert "Année de fin « vingt » invalide : filtre ignoré." in body and "Landerneau" in body


def test_sorting_by_end_both_ways(client, two_cafs):
    running, _, _ = two_cafs
    caf = users_for(running)["caf"]
    ascending = text(page(client, caf, tri="fin"))
    assert ascending.index("Mesnil") < ascending.index("Landerneau")
    descending = text(page(client, caf, tri="fin", ordre="desc"))
    assert descending.index("Landerneau") < descending.index("Mesnil")
    assert 'aria-sort="descending"' in descending


def test_excel_export_holds_the_filtered_rows(client, two_cafs):
    running, _, _ = two_cafs
    response = page(client, users_for(running)["caf"], phase="signee", format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content))["Portefeuille"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Convention" and len(rows) == 2
    assert rows[1][0] == "CTG Écouen – Le Mesnil-Aubry" and rows[1][9] == 25 and rows[1][10] == 50


def queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("portfolio:home")).status_code == 200
    return len(ctx.captured_queries)


def test_the_portfolio_keeps_its_queries_as_ctgs_grow(client):
    caf = CafFactory()
    user = user_with_role(Role.CAF, caf)
    client.force_login(user)
    first = ConventionFactory(caf=caf)
    scenarios.grow_plan(first, 3)
    small = queries(client)
    for _ in range(6):
        convention = ConventionFactory(caf=caf, collectivite=OrganisationFactory())
        scenarios.grow_plan(convention, 4)
    assert queries(client) == small
    assert small <= 14
