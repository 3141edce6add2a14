"""Fixtures of the conventions tests: a convention created in the application, in preparation,
one user per role on it; named users for the history and journal."""

import datetime

import pytest

from conventions import services
from conventions.enums import OrganisationKind, Role
from conventions.models import Organisation
from tests.factories import CafFactory, user_with_role, users_for


@pytest.fixture
def caf():
    return CafFactory(name="Caisse d'allocations familiales de l'Eure")


@pytest.fixture
def creator(caf):
    return user_with_role(Role.CAF, caf, first_name="Claire", last_name="Martin")


def create_convention(caf, by, *, title="Convention territoriale globale Roumois Seine 2027-2031", communes=None):
    """A convention made by `convention_create`: the Caf's two representatives, an EPCI, its communes."""
    epci, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.EPCI, code="200066405", defaults={"name": "Communauté de communes Roumois Seine"})
    return services.convention_create(
        by=by, title=title, caf=caf, start=datetime.date(2027, 1, 1), end=datetime.date(2031, 12, 31),
        signed_at="Bourg-Achard",
        caf_representatives=[("M. Philippe CHARPIN", "Président du conseil d'administration"),
                             ("Mme Aurore VERNIEUWE", "Directrice")],
        collectivites=[{"organisation": epci, "new_organisation": None, "representative": "M. Sylvain BONENFANT",
                        "capacity": "Président"}],
        communes=communes or [("27103", "Bourg-Achard", 4500), ("27005", "Amfreville-Saint-Amand", 1200)],
    )


@pytest.fixture
def prepared(caf, creator):
    return create_convention(caf, creator)


@pytest.fixture
def roles(prepared, creator):
    """One user per role on `prepared` (the Caf's is its creator), plus an outsider (another Caf)."""
    users = users_for(prepared)
    users["caf"] = creator
    return users


@pytest.fixture
def named_users(convention):
    """Every role on the convention, as the root `users`; the Caf user has a name, Jeanne Martin."""
    users = users_for(convention)
    users["caf"].first_name, users["caf"].last_name = "Jeanne", "Martin"
    users["caf"].save()
    return users
