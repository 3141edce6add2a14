"""Figures of the plan computed from the tracking table, on a small plan worked out by hand."""

import pytest

from actions.models import Fiche, IndicatorValue
from actions.periods import Period
from evaluation.charts import progress_by_axis, status_distribution
from evaluation.figures import plan_figures, target_share
from tests.factories import (
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
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
    assert [f.key for f in figures.without_update] == ["a", "d", "e"]
    (indicator,) = figures.indicators
    assert (indicator.latest.value, target_share(indicator)) == (10, 25)


def test_a_later_period_sees_later_updates(plan):
    figures = plan_figures(Fiche.objects.filter(convention=plan), Period(2026, 2))
    assert figures.overall.done == 2 and figures.overall.rate == 40
    assert figures.indicators[0].latest.value == 35


def test_charts_carry_text_for_every_bar(plan):
    figures = plan_figures(Fiche.objects.filter(convention=plan), Period(2026, 1))
    axes = progress_by_axis(figures)
    assert [(b.label, b.text) for b in axes.bars] == [("Axe 1 — Petite enfance", "75 %"), ("Axe 2 — Jeunesse", "10 %")]
    assert axes.bars[0].width == pytest.approx(axes.bar_width * 0.75)
    statuses = status_distribution(figures)
    assert [b.text for b in statuses.bars] == ["1", "1", "0", "1", "1", "1"]
