"""Fixtures of the exchange tests: the spec's Roumois Seine example, read from tests/data/."""

import pytest

from exchange.reading import load_json
from tests.helpers import EXAMPLE_PATH


@pytest.fixture
def example():
    return load_json(EXAMPLE_PATH)
