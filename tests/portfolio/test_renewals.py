"""The renewal wave and the portfolio's totals; the calendar of all the user's CTGs."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conventions.enums import ConventionStatus, Role
from conventions.models import Commune
from evaluation.enums import MilestoneKind
from governance.models import CooperationOfficer
from tests.factories import (
    CafFactory,
    ConventionFactory,
    MeetingFactory,
    MilestoneFactory,
    OrganisationFactory,
    user_with_role,
    users_for,
)
from tests.helpers import text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def portfolio():
    caf = CafFactory()
    ending = ConventionFactory(caf=caf, title="CTG Roumois Seine", start=datetime.date(TODAY.year - 4, 1, 1),
                               end=datetime.date(TODAY.year + 1, 12, 31))
    later = ConventionFactory(caf=caf, title="CTG Pornic Agglo", start=datetime.date(TODAY.year - 1, 1, 1),
                              end=datetime.date(TODAY.year + 3, 12, 31))
    ConventionFactory(caf=caf, title="CTG abandonnée", status=ConventionStatus.ABANDONNEE, signed_on=None)
    for convention, population in ((ending, 41848), (later, 1200)):
        Commune.objects.create(convention=convention, insee=f"27{population % 1000:03d}", name=f"Commune {population}",
                               population=population)
    CooperationOfficer.objects.create(convention=ending, name="Chargée CTG", scope="intercommunal", fte=Decimal("0.5"),
                                      caf_funded=True)
    CooperationOfficer.objects.create(convention=later, name="Coordinateur", scope="intercommunal", fte=Decimal("1"),
                                      caf_funded=False)
    MilestoneFactory(convention=ending, kind=MilestoneKind.DIAGNOSTIC, title="Diagnostic partagé",
                     start=datetime.date(TODAY.year + 1, 3, 1), end=datetime.date(TODAY.year + 1, 6, 30))
    return caf, ending, later


def test_the_wave_groups_ctgs_by_end_year_with_their_renewal_milestones(client, portfolio):
    caf, ending, later = portfolio
    client.force_login(users_for(ending)["caf"])
    response = client.get(reverse("portfolio:renewals"))
    body = text(response)
    assert response.status_code == 200
    # The chart has its title, its description and a data table as text equivalent.
    assert 'role="img"' in body and "<title id=\"wave-title\">" in body
    assert f"Fin en {TODAY.year + 1} : CTG Roumois Seine" in body
    assert f"Diagnostic partagé le 01/03/{TODAY.year + 1}" in body
    assert body.index(f"Fin en {TODAY.year + 1}") < body.index(f"Fin en {TODAY.year + 3}")
    assert "CTG abandonnée" not in body


def test_each_bar_is_named_by_its_territory_and_years_short_enough_to_stay_whole():
    from portfolio.rows import PortfolioRow

    convention = ConventionFactory.build(title="Convention territoriale globale de la Communauté de communes Lieuvin",
                                         start=datetime.date(2023, 1, 1))
    epci = OrganisationFactory.build(kind="epci", name="Communauté de communes Lieuvin Pays d'Auge")
    row = PortfolioRow(convention=convention, phase=ConventionStatus.SIGNEE, end=datetime.date(2028, 12, 31),
                       months_left=None, signatories=[epci], communes=[])
    assert row.chart_label == "CC Lieuvin Pays d'Auge 2023–2028"
    assert len(row.chart_label) <= 36


def test_the_totals(client, portfolio):
    caf, ending, later = portfolio
    client.force_login(users_for(ending)["caf"])
    body = text(client.get(reverse("portfolio:renewals")))
    assert "<dd>2</dd>" in body  # CTG en cours
    assert "43\u202f048" in body or "43\xa0048" in body or "43 048" in body  # population
    assert "<dd>0,5</dd>" in body  # ETP financed by the Caf only


def test_the_wave_shows_nothing_of_another_caf(client, portfolio):
    caf, ending, later = portfolio
    stranger = user_with_role(Role.CAF, CafFactory())
    client.force_login(stranger)
    body = text(client.get(reverse("portfolio:renewals")))
    assert "Roumois" not in body and "<dd>0</dd>" in body


def test_a_coordinator_sees_the_wave_of_their_ctgs(client, portfolio):
    caf, ending, later = portfolio
    client.force_login(users_for(ending)["coordinateur"])
    body = text(client.get(reverse("portfolio:renewals")))
    assert "Roumois" in body and "Pornic" not in body


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "budget"), [("portfolio:renewals", 16), ("agenda:overview", 8)])
def test_constant_queries_as_ctgs_grow(client, portfolio, name, budget):
    caf, ending, later = portfolio
    client.force_login(users_for(ending)["caf"])
    MilestoneFactory(convention=ending, kind=MilestoneKind.DIAGNOSTIC, end=TODAY + datetime.timedelta(days=5))
    MeetingFactory(body__convention=ending, date=TODAY + datetime.timedelta(days=7))
    url = reverse(name)
    before = count(client, url)
    for _ in range(5):
        convention = ConventionFactory(caf=caf, collectivite=OrganisationFactory())
        MilestoneFactory(convention=convention, kind=MilestoneKind.DIAGNOSTIC, end=TODAY + datetime.timedelta(days=5))
        MeetingFactory(body__convention=convention, date=TODAY + datetime.timedelta(days=7))
    assert count(client, url) == before
    assert before <= budget


def test_the_calendar_lists_every_ctgs_meetings_and_milestones(client, portfolio):
    caf, ending, later = portfolio
    MeetingFactory(body__convention=ending, title="COPIL de Roumois", date=TODAY + datetime.timedelta(days=3))
    MeetingFactory(body__convention=later, title="COPIL de Pornic", date=TODAY + datetime.timedelta(days=4))
    other = ConventionFactory(title="Ailleurs")
    MeetingFactory(body__convention=other, title="COPIL d'ailleurs", date=TODAY + datetime.timedelta(days=4))
    client.force_login(users_for(ending)["caf"])
    body = text(client.get(reverse("agenda:overview")))
    assert "COPIL de Roumois" in body and "COPIL de Pornic" in body and "COPIL d'ailleurs" not in body
    assert "S'abonner dans mon agenda (iCalendar)" in body
    client.force_login(users_for(ending)["elu"])
    body = text(client.get(reverse("agenda:overview")))
    assert "COPIL de Roumois" in body and "COPIL de Pornic" not in body


def test_the_calendar_says_a_bad_month(client, portfolio):
    caf, ending, later = portfolio
    client.force_login(users_for(ending)["caf"])
    body = text(client.get(reverse("agenda:overview"), {"mois": "9999-99"}))
    assert "Mois « 9999-99 » invalide" in body
