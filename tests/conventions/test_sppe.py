"""Annexe 4, the SPPE schema: an investment project reads as one phrase, its type said once."""

import pytest

from conventions.models import SppeRow
from conventions.templatetags.conventions_tags import investment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("kind", "details", "expected"), [
    ("renovation", "Rénovation énergétique du bâtiment en 2027", "Rénovation énergétique du bâtiment en 2027"),
    ("extension", "10 places de plus, permis déposé", "Extension : 10 places de plus, permis déposé"),
    ("construction", "", "Construction"),
    ("", "Locaux à trouver", "Locaux à trouver"),
])
def test_the_investment_is_said_once(kind, details, expected):
    assert investment(SppeRow(investment_type=kind, investment_details=details)) == expected
