"""`Convention.objects.for_user`, the one scope every page fetches through: a Caf's staff see their
Caf's CTGs, a collectivité's coordinators and élus those it signs, nobody another territory's."""

import pytest

from conventions.enums import Role
from conventions.models import Convention
from tests.factories import (
    CafFactory,
    ConventionFactory,
    OrganisationFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def territories():
    caf, other_caf = CafFactory(), CafFactory()
    town, other_town = OrganisationFactory(), OrganisationFactory()
    return {
        "town": ConventionFactory(caf=caf, collectivite=town),
        "same_caf": ConventionFactory(caf=caf, collectivite=other_town),
        "elsewhere": ConventionFactory(caf=other_caf),
    }, caf, town


def visible(user):
    return set(Convention.objects.for_user(user).values_list("slug", flat=True))


@pytest.mark.parametrize("role, sees", [
    (Role.CAF, {"town", "same_caf"}),
    (Role.COORDINATEUR, {"town"}),
    (Role.ELU, {"town"}),
])
def test_each_role_sees_its_territory_only(territories, role, sees):
    conventions, caf, town = territories
    user = user_with_role(role, caf if role == Role.CAF else town)
    assert visible(user) == {conventions[name].slug for name in sees}


def test_a_person_of_a_caf_and_of_a_collectivite_sees_both(territories):
    conventions, caf, _ = territories
    user = user_with_role(Role.CAF, caf)
    user.memberships.create(organisation=conventions["elsewhere"].signatories.exclude(organisation__kind="caf")
                            .get().organisation, role=Role.COORDINATEUR)
    assert visible(user) == {conventions[name].slug for name in ("town", "same_caf", "elsewhere")}


def test_without_membership_nothing_and_a_superuser_everything(territories):
    conventions, *_ = territories
    assert visible(UserFactory()) == set()
    assert visible(UserFactory(is_superuser=True)) == {c.slug for c in conventions.values()}


def test_the_memberships_are_read_once_a_request(territories, django_assert_num_queries):
    _, caf, _ = territories
    user = user_with_role(Role.CAF, caf)
    with django_assert_num_queries(3):  # the memberships, then each list of slugs
        visible(user)
        visible(user)
