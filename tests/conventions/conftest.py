"""Fixtures of the conventions tests."""

import pytest

from tests.factories import users_for


@pytest.fixture
def named_users(convention):
    """Every role on the convention, as the root `users`; the Caf user has a name, Jeanne Martin."""
    users = users_for(convention)
    users["caf"].first_name, users["caf"].last_name = "Jeanne", "Martin"
    users["caf"].save()
    return users
