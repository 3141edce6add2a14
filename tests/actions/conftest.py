"""Fixtures of the actions tests: a plan to track over two quarters."""

import datetime

import pytest

from actions.models import IndicatorValue
from conventions.enums import OperationKind
from conventions.models import Operation
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
)


@pytest.fixture
def tracking_plan():
    """Three actions; "accueil" has an indicator and a T1 update; "parents" was abrogated on
    15/02/2026 (still in force during T1, not during T2); "passerelles" came on 15/02/2026."""
    convention = ConventionFactory(slug="roumois")
    axis = AxisFactory(convention=convention, number=1, title="Petite enfance")
    accueil = FicheFactory(axis=axis, number=1, key="accueil", title="Développer l'accueil")
    indicator = IndicatorFactory(fiche=accueil, key="places", name="Places ouvertes", target=30)
    update = UpdateFactory(fiche=accueil, period="2026-T1", status="en_cours", progress=40, comment="Avancement conforme.")
    IndicatorValue.objects.create(update=update, indicator=indicator, value=12)
    parents = FicheFactory(axis=axis, number=2, key="parents", title="Soutenir les parents")
    avenant = AvenantFactory(convention=convention, number=1, effective_from=datetime.date(2026, 2, 15))
    passerelles = FicheFactory(axis=axis, number=3, key="passerelles", title="Créer des passerelles", avenant=avenant)
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ABROGATE_FICHE, target_fiche=parents)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.ADD_FICHE, fiche=passerelles)
    return convention, accueil, parents, passerelles
