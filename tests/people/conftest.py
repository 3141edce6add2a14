import pytest

from conventions.enums import Role
from tests.factories import ConventionFactory, collectivite_of, user_with_role, users_for


@pytest.fixture
def convention():
    return ConventionFactory(title="CTG Roumois Seine")


@pytest.fixture
def people(convention):
    """The roles of `users_for`, plus a Caf référent and a second collectivité's coordinator."""
    people = users_for(convention)
    people["referent"] = user_with_role(Role.CAF, convention.caf, referent=True, first_name="Claire",
                                        last_name="Martin", email="claire.martin@caf.example")
    people["local"] = collectivite_of(convention)
    return people
