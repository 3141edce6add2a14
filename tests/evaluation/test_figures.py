"""Figures of the plan computed from the tracking table, on a small plan worked out by hand."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from actions.models import Fiche, IndicatorValue
from actions.periods import Period
from actions.tracking import fiches_to_update
from conventions.enums import AvenantStatus, OperationKind
from conventions.models import Operation
from evaluation.charts import progress_by_axis, status_distribution
from evaluation.figures import bilan_figures, plan_figures, target_share
from evaluation.models import Bilan
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
    users_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    """Axe 1: A réalisée (T4 2025), B en cours 50 % (T1 2026).
    Axe 2: C reportée 20 %, D abandonnée, E no tracking, end 2025 (late).
    Themes: A, B enfance; C, D jeunesse; E enfance + jeunesse."""
    convention = ConventionFactory()
    axis1 = AxisFactory(convention=convention, number=1, title="Petite enfance")
    axis2 = AxisFactory(convention=convention, number=2, title="Jeunesse")
    a = FicheFactory(axis=axis1, number=1, key="a", themes=["enfance"])
    b = FicheFactory(axis=axis1, number=2, key="b", themes=["enfance"])
    c = FicheFactory(axis=axis2, number=3, key="c", themes=["jeunesse"])
    d = FicheFactory(axis=axis2, number=4, key="d", themes=["jeunesse"])
    FicheFactory(axis=axis2, number=5, key="e", themes=["enfance", "jeunesse"], end_year=2025)
    UpdateFactory(fiche=a, period="2025-T3", status="en_cours", progress=60)
    UpdateFactory(fiche=a, period="2025-T4", status="realisee", progress=None)
    UpdateFactory(fiche=b, period="2026-T1", status="en_cours", progress=50)
    UpdateFactory(fiche=b, period="2026-T2", status="realisee", progress=100)  # after the period: ignored
    UpdateFactory(fiche=c, period="2026-T1", status="reportee", progress=20)
    UpdateFactory(fiche=d, period="2025-T2", status="abandonnee", progress=0)
    indicator = IndicatorFactory(fiche=b, target=40)
    IndicatorValue.objects.create(update=b.updates.get(period="2026-T1"), indicator=indicator, value=10)
    IndicatorValue.objects.create(update=b.updates.get(period="2026-T2"), indicator=indicator, value=35)
    return convention


def test_taux_de_realisation_on_a_known_plan(plan):
    figures = plan_figures(Fiche.objects.filter(convention=plan), Period(2026, 1))
    # 1 réalisée out of 5 in force; progress known for A (100, réalisée), B 50, C 20, D 0.
    assert (figures.overall.total, figures.overall.done, figures.overall.rate) == (5, 1, 20)
    assert figures.overall.mean_progress == round((100 + 50 + 20 + 0) / 4)
    assert [(s.label, s.total, s.done, s.rate, s.mean_progress) for s in figures.by_axis] == [
        ("Axe 1 — Petite enfance", 2, 1, 50, 75),
        ("Axe 2 — Jeunesse", 3, 0, 0, 10),
    ]
    assert [(s.label, s.total, s.rate) for s in figures.by_theme] == [("Enfance", 3, 33), ("Jeunesse", 3, 0)]
    assert dict((label, n) for _, label, n in figures.by_status) == {
        "Réalisée": 1, "En cours": 1, "Non démarrée": 0, "Reportée": 1, "Abandonnée": 1, "Sans suivi": 1,
    }
    assert [f.key for f in figures.late] == ["c", "e"]
    assert [f.key for f in figures.abandoned] == ["d"]
    # Updated in 2026-T1: B and C only.
    assert [f.key for f in fiches_to_update(plan, Period(2026, 1)).order_by("number")] == ["a", "d", "e"]
    (indicator,) = figures.indicators
    assert (indicator.latest.value, target_share(indicator)) == (10, 25)


def test_a_later_period_sees_later_updates(plan):
    figures = plan_figures(Fiche.objects.filter(convention=plan), Period(2026, 2))
    assert figures.overall.done == 2 and figures.overall.rate == 40
    assert figures.indicators[0].latest.value == 35


@pytest.mark.parametrize("baseline, target, latest, shown", [
    (86, 106, 86, "0 %"),  # still at the start: nothing of the way done (not 86 / 106 = 81 %)
    (86, 106, 96, "50 %"),
    (86, 106, 116, "150 %"),  # beyond the target
    (86, 106, 80, "0 %"),  # behind the start
    (30, 20, 25, "50 %"),  # a target below the start: 30 days of waiting down to 20
    (30, 20, 18, "120 %"),
    (20, 20, 18, "90 %"),  # a level to keep
    (None, 40, 10, "25 %"),  # no starting value: the way starts at 0
    (0, 0, 3, "—"),
    (86, None, 90, "—"),
])
def test_atteinte_measures_the_way_from_the_start_to_the_target(plan, client, baseline, target, latest, shown):
    b = Fiche.objects.get(convention=plan, key="b")
    indicator = b.indicators.get()
    indicator.baseline, indicator.target = baseline, target
    indicator.save()
    b.updates.get(period="2026-T2").indicator_values.update(value=latest)
    Bilan.objects.create(convention=plan, kind="intermediaire", start=datetime.date(2024, 1, 1),
                         end=datetime.date(2026, 6, 30))
    client.force_login(users_for(plan)["elu"])
    page = client.get(reverse("evaluation:bilan", args=[plan.slug, "intermediaire"])).content.decode()
    row = page[page.index("Nombre de familles accueillies"):]
    row = row[:row.index("</tr>")]
    assert row.rstrip().endswith(f'<td class="num">{shown}</td>')


def test_charts_carry_text_for_every_bar(plan):
    figures = plan_figures(Fiche.objects.filter(convention=plan), Period(2026, 1))
    axes = progress_by_axis(figures)
    assert [(b.label, b.text) for b in axes.bars] == [("Axe 1 — Petite enfance", "75 %"), ("Axe 2 — Jeunesse", "10 %")]
    assert axes.bars[0].width == pytest.approx(axes.bar_width * 0.75)
    statuses = status_distribution(figures)
    assert [b.text for b in statuses.bars] == ["1", "1", "0", "1", "1", "1"]


def test_a_bilan_names_the_actions_abrogated_during_its_period(plan, client):
    """An action done then abrogated by an avenant leaves the rates, and the bilan says so."""
    a = Fiche.objects.get(convention=plan, key="a")
    avenant = AvenantFactory(convention=plan, number=1, status=AvenantStatus.SIGNE,
                             effective_from=datetime.date(2026, 1, 15), signed_on=datetime.date(2026, 1, 15))
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ABROGATE_FICHE, target_fiche=a)
    before = AvenantFactory(convention=plan, number=2, status=AvenantStatus.BROUILLON,
                            effective_from=datetime.date(2026, 2, 1))
    Operation.objects.create(avenant=before, position=0, op=OperationKind.ABROGATE_FICHE,
                             target_fiche=Fiche.objects.get(convention=plan, key="b"))
    bilan = Bilan.objects.create(convention=plan, kind="intermediaire", start=datetime.date(2024, 1, 1),
                                 end=datetime.date(2026, 3, 31))
    figures = bilan_figures(bilan)
    assert figures.overall.total == 4 and figures.overall.done == 0  # a left the plan; the draft changes nothing
    assert [op.target_fiche.key for op in figures.abrogated] == ["a"]
    client.force_login(users_for(plan)["elu"])
    page = client.get(f"/conventions/{plan.slug}/bilans/intermediaire/").content.decode()
    assert "Actions abrogées par avenant pendant la période" in page
    assert "Action 1 — " in page and "abrogée par l'avenant n°1 à compter du 15/01/2026" in page
    workbook = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/conventions/{plan.slug}/bilans/intermediaire/export.xlsx").content
    ))
    rows = [[c.value for c in row] for row in workbook["Retards et abandons"].iter_rows(min_row=2)]
    assert ["Action 1 — " + a.title, "Axe 1", "Abrogée", None,
            "Abrogée par l'avenant n°1 à compter du 15/01/2026"] in rows
