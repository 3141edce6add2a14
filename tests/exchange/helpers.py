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


def differences(expected, actual, path="$"):
    """Every JSON path where two documents differ, for a readable failure."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            if key not in actual:
                yield f"{path}.{key}: absent de l'export"
            elif key not in expected:
                yield f"{path}.{key}: en trop dans l'export ({actual[key]!r:.80})"
            else:
                yield from differences(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: {len(expected)} éléments attendus, {len(actual)} exportés"
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            yield from differences(left, right, f"{path}[{index}]")
    elif expected != actual:
        yield f"{path}: {expected!r:.80} attendu, {actual!r:.80} exporté"


def counts():
    return (Convention.objects.count(), Fiche.objects.count(), Organisation.objects.count())


def refused(data, **kwargs):
    """Import `data`, expect a refusal that writes nothing, and return the error lines."""
    before = counts()
    with pytest.raises(ExchangeError) as excinfo:
        import_document(data, **kwargs)
    assert counts() == before
    return excinfo.value.errors
