"""The exchange format carries what the lifecycle records (version 1 additions): the status
« abandonnee », the Caf's validation and the collectivité of each deliberation; an export writes
them only when there is something to write."""

import copy
import datetime
from pathlib import Path

import pytest
from django.conf import settings

from conventions.enums import ConventionStatus
from exchange.exporter import export_document
from exchange.importer import import_document
from exchange.reading import ExchangeError, load_json

pytestmark = pytest.mark.django_db

EXAMPLE = Path(settings.BASE_DIR) / "tests" / "data" / "roumois-seine.json"


@pytest.fixture
def document():
    document = copy.deepcopy(load_json(EXAMPLE))
    c = document["convention"]
    c["status"] = "preparation"
    c["caf_validation"] = {"body": "Conseil d'administration", "date": "2022-11-20"}
    c["annexes"].setdefault("deliberations", [])[:] = [
        {"body": "Conseil communautaire", "number": None, "date": "2022-11-28", "title": "Signature de la CTG",
         "signatory": "200066405"},
        {"body": "Conseil municipal", "number": None, "date": "2022-11-21", "title": "Avis de la commune"},
    ]
    return document


def test_the_caf_validation_and_the_deliberations_collectivite_round_trip(document):
    convention = import_document(copy.deepcopy(document))
    assert (convention.caf_validation_body, convention.caf_validation_on) == ("Conseil d'administration",
                                                                             datetime.date(2022, 11, 20))
    assert [d.organisation.code if d.organisation else None for d in convention.deliberations.all()] == ["200066405", None]
    exported = export_document(convention)["convention"]
    assert exported["caf_validation"] == {"body": "Conseil d'administration", "date": "2022-11-20"}
    assert [d.get("signatory") for d in exported["annexes"]["deliberations"]] == ["200066405", None]
    assert "signatory" not in exported["annexes"]["deliberations"][1]


def test_an_export_without_them_keeps_the_earlier_shape():
    exported = export_document(import_document(load_json(EXAMPLE)))["convention"]
    assert "caf_validation" not in exported
    assert all("signatory" not in d for d in exported["annexes"]["deliberations"])


def test_an_abandoned_preparation_imports(document):
    document["convention"]["status"] = "abandonnee"
    assert import_document(document).status == ConventionStatus.ABANDONNEE


def test_a_deliberation_names_one_of_the_parties(document):
    document["convention"]["annexes"]["deliberations"][0]["signatory"] = "999"
    with pytest.raises(ExchangeError) as refusal:
        import_document(document)
    assert ("convention.annexes.deliberations[0].signatory: organisation « 999 » inconnue : ce doit être le code de "
            "la Caf ou d'un signataire") in refusal.value.errors
