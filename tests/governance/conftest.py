"""Governance fixtures: a convention in force today, its COPIL with two members, a fiche, a
milestone and a séance to come."""

import datetime

import pytest

from governance.models import Member
from tests.factories import (
    BodyFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    MilestoneFactory,
)
from tests.governance.helpers import TODAY


@pytest.fixture
def convention():
    return ConventionFactory(title="CTG Roumois Seine", start=TODAY.replace(year=TODAY.year - 3),
                             end=TODAY.replace(year=TODAY.year + 2))


@pytest.fixture
def copil(convention):
    body = BodyFactory(convention=convention, key="copil", name="Comité de pilotage CTG",
                       frequency="Une à deux fois par an")
    Member.objects.create(body=body, name="Mme Martin", organisation="Caf de l'Eure", email="martin@example.org", position=0)
    Member.objects.create(body=body, name="M. Leroy", organisation="CC Roumois Seine", role="Vice-président", position=1)
    return body


@pytest.fixture
def fiche(convention):
    return FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles")


@pytest.fixture
def milestone(convention):
    return MilestoneFactory(convention=convention, title="Bilan intermédiaire", kind="bilan_intermediaire",
                            start=None, end=TODAY + datetime.timedelta(days=40))


@pytest.fixture
def meeting(copil):
    return MeetingFactory(body=copil, title="COPIL de printemps", date=TODAY + datetime.timedelta(days=20),
                          time=datetime.time(14, 0), place="Bourg-Achard")
