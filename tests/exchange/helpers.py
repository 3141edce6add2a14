"""Helpers of the exchange tests: the example's slug and avenant dates, comparing documents,
importing one that must be refused."""

from datetime import date

import pytest

from actions.models import Fiche
from conventions.models import Convention, Organisation
from exchange.importer import import_document
from exchange.reading import ExchangeError

SLUG = "roumois-seine-2022"
BEFORE, EFFECTIVE, AFTER = date(2025, 12, 14), date(2025, 12, 15), date(2025, 12, 16)


def normalised(value):
    """An absent optional key equals null: drop the nulls before comparing."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    return value


def counts():
    return (Convention.objects.count(), Fiche.objects.count(), Organisation.objects.count())


def refused(data, **kwargs):
    """Import `data`, expect a refusal that writes nothing, and return the error lines."""
    before = counts()
    with pytest.raises(ExchangeError) as excinfo:
        import_document(data, **kwargs)
    assert counts() == before
    return excinfo.value.errors
