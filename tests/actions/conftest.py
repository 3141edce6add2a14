"""Fixtures of the actions tests: a plan to track over two quarters."""

import datetime

import pytest

from actions.models import IndicatorValue, Objective
from conventions.enums import ConventionStatus, OperationKind
from conventions.models import Commune, Operation
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
    collectivite_of,
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


@pytest.fixture
def preparation_plan():
    """A plan in préparation: « accueil » (axis 1, objective 1.1, two themes, two natures, a commune,
    a pilot, an indicator) and « parents » (axis 2, intercommunal)."""
    convention = ConventionFactory(slug="vexin", status=ConventionStatus.PREPARATION, signed_on=None)
    commune = Commune.objects.create(convention=convention, name="Bourg-Achard", insee="27107")
    axis = AxisFactory(convention=convention, number=1, title="Petite enfance")
    objective = Objective.objects.create(axis=axis, number=1, title="Accueillir tous les enfants")
    accueil = FicheFactory(
        axis=axis, objective=objective, number=1, key="accueil", title="Développer l'accueil",
        themes=["petite_enfance", "parentalite"], nature=["phare", "nouvelle"], commune=commune,
        coordination_between_collectivities=True,
    )
    accueil.lead_organisations.add(collectivite_of(convention))
    IndicatorFactory(fiche=accueil, key="places", name="Places ouvertes", unit="places", baseline=10, target=30)
    parents = FicheFactory(axis=AxisFactory(convention=convention, number=2, title="Parentalité"), number=2,
                           key="parents", title="Soutenir les parents", themes=["parentalite"])
    return convention, accueil, parents
