"""Fixtures the tests of several apps share. An app's own fixtures are in tests/<app>/conftest.py,
the browser's in tests/browser/conftest.py."""

import pytest

from tests.factories import users_for


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def users(convention):
    """One user per role on the `convention` of the test's module or app, plus an outsider."""
    return users_for(convention)
