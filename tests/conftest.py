import pytest

# Browser fixtures live in one module so a single Playwright instance serves every browser test.
pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
