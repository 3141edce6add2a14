"""The CTG exchange format: import, export and round trips, avenants in force from their date,
the importing user in the history, a fixed number of queries."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Fiche
from conventions.models import Convention
from exchange.exporter import export_document
from exchange.importer import import_document
from tests.exchange.helpers import AFTER, BEFORE, EFFECTIVE, SLUG, normalised
from tests.factories import UserFactory
from tests.helpers import EXAMPLE_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich(example):
    """The example plus every part of the format it leaves empty."""
    doc = copy.deepcopy(example)
    c = doc["convention"]
    c["prefecture"] = {"sent_on": "2022-12-01", "received_on": "2022-12-01", "published_on": None,
                       "act_id": "027-200066405-20221129-CC_150_2022-DE"}
    c["communes"].append({"name": "Grand Bourgtheroulde", "insee": "27105", "population": None})
    c["axes"][0]["objectives"] = ["Coordonner les acteurs", "Animer la gouvernance"]
    c["fiches"].insert(0, {
        "key": "rpe-bourg", "number": 1, "axis": 1, "objective": 2, "title": "Créer un relais petite enfance",
        "themes": ["petite_enfance", "parentalite"], "nature": ["phare", "nouvelle"], "commune": "27105",
        "coordination_between_collectivities": True, "initial_diagnosis": "Pas de **RPE**.",
        "target_public": "Assistants maternels", "operational_objectives": "- Informer", "implementation": "Recrutement",
        "schedule": "2024", "start_year": 2024, "end_year": 2024, "lead": "Commune",
        "lead_organisations": ["200066405", "27"], "partners": "CAF", "referents": "Mme Martin",
        "expected_results": "Un RPE ouvert.", "evaluation_indicators": "Nombre de contacts.", "funding": "Caf : 50 %",
        "indicators": [{"key": "contacts", "name": "Nombre de contacts", "unit": "nombre", "baseline": 12.5, "target": 200}],
        "updates": [
            {"period": "2024-T1", "status": "non_demarree", "progress": 0, "comment": None, "difficulties": None,
             "indicator_values": {}, "author": None, "updated_on": None},
            {"period": "2024-T2", "status": "realisee", "progress": 100, "comment": "Ouvert.", "difficulties": None,
             "indicator_values": {"contacts": 150.5}, "author": "Coordinatrice CTG", "updated_on": "2024-07-01"},
        ],
    })
    c["amendments"].append({
        "number": 3, "status": "signe", "title": "Avenant numéro 3", "signed_on": "2026-02-01", "signed_at": None,
        "effective_from": "2026-03-01", "effective_until": None, "prefecture": None, "visas": [],
        "preamble": None, "object": "Compléter l'annexe 3.", "articles": [],
        "operations": [
            {"op": "add_equipment", "equipment": {
                "key": "laep-bourg", "kind": "laep", "name": "LAEP de Bourg-Achard", "address": "1 rue Haute",
                "commune": "27103", "places": 12, "caf_funding": 1234.56, "local_funding": None,
                "funded_by": "200066405", "bonus_territoire": False}},
            {"op": "amend_annex", "annex": 5, "mode": "replace", "body": "Nouvelle gouvernance."},
            {"op": "abrogate_fiche", "target": "observatoire-alsh"},
        ],
    })
    c["amendments"].append({
        "number": 4, "status": "brouillon", "title": "Projet d'avenant numéro 4", "signed_on": None, "signed_at": None,
        "effective_from": "2026-06-01", "effective_until": "2027-06-30", "prefecture": None, "visas": ["Vu le projet ;"],
        "preamble": None, "object": None, "articles": [{"number": "1", "title": None, "body": "Prolongation."}],
        "operations": [{"op": "add_fiche", "fiche": {
            **copy.deepcopy(c["fiches"][0]), "key": "rpe-2027", "number": 11, "commune": None, "objective": None,
            "lead_organisations": [], "indicators": [], "updates": []}}],
    })
    annexes = c["annexes"]
    annexes["previous_evaluation"] = "Bilan du CEJ."
    annexes["diagnosis"] = {
        "summary": "Un territoire jeune.", "issues": ["Manque de places d'accueil", "Isolement des familles"],
        "indicators": [{"territory": "27103", "level": "commune", "indicator": "Taux de couverture", "year": 2023,
                        "value": 41.5, "unit": "%"},
                       {"territory": "27", "level": "departement", "indicator": "Naissances", "year": None,
                        "value": 6000, "unit": None}],
    }
    annexes["equipment"].append({"key": "creche", "kind": "eaje_psu", "name": "Crèche", "address": None,
                                 "commune": None, "places": 20, "caf_funding": 0.5, "local_funding": 10,
                                 "funded_by": None, "bonus_territoire": False})
    annexes["sppe_schema"] = [{
        "kind": "eaje_psu", "name": "Crèche", "address": "2 rue Basse", "current_places": 20, "supported_places": 20,
        "projection": "developpement", "projected_places": 24.5, "horizon_year": 2030, "staffing_needs": "2 EJE",
        "investment_type": "extension", "investment_details": None}]
    annexes["evaluation_text"] = "Points d'étape annuels."
    governance = c["governance"]
    governance["bodies"][0]["members"] = [{"name": "M. le Président", "organisation": "CC Roumois Seine", "role": None}]
    governance["bodies"].append({"key": "cotech", "kind": "cotech", "name": "Comité technique", "composition": None,
                                 "frequency": None, "animators": None, "members": []})
    governance["meetings"] = [
        {"body": "copil", "date": "2026-03-12", "time": "14:30", "title": "COPIL annuel", "place": "Siège",
         "agenda": ["Bilan 2025", "Avenant n°2"],
         "participants": [{"name": "A", "organisation": "Caf", "present": True},
                          {"name": "B", "organisation": None, "present": None}],
         "decisions": ["Valider le bilan"], "minutes": "Compte-rendu.", "fiches": ["passerelles-2026", "rpe-bourg"]},
        {"body": "cotech", "date": "2026-01-10", "time": None, "title": "COTECH", "place": None, "agenda": [],
         "participants": [], "decisions": [], "minutes": None, "fiches": []},
    ]
    governance["cooperation_officers"].append({"name": "Chargée thématique", "organisation": "27", "scope": "thematique",
                                               "themes": ["petite_enfance", "jeunesse"], "fte": 0.5, "caf_funded": False})
    c["milestones"][1]["body"] = "cotech"
    return doc


# --- Round trips ------------------------------------------------------------------------------


def test_example_imports_and_exports_back_equal(example):
    convention = import_document(example)
    assert convention.slug == SLUG
    assert normalised(export_document(convention)) == normalised(example)


def test_every_part_of_the_format_round_trips(rich):
    convention = import_document(rich)
    exported = export_document(convention)
    assert normalised(exported) == normalised(rich)
    # An export is itself a valid document that imports to the same content.
    exported["convention"]["slug"] = "copie"
    again = export_document(import_document(copy.deepcopy(exported)))
    assert again == exported


def test_exported_keys_are_the_documented_keys(example):
    exported = export_document(import_document(example))
    fiche = exported["convention"]["fiches"][0]
    assert fiche["referents"] is None and fiche["objective"] is None  # absent: exported as null
    assert set(fiche) == set(example["convention"]["fiches"][0]) | {"objective"}
    assert set(exported["convention"]) == set(example["convention"])
    assert exported["convention"]["annexes"]["equipment"][0]["caf_funding"] == 5000
    assert isinstance(exported["convention"]["annexes"]["equipment"][0]["caf_funding"], int)


# --- Avenants ----------------------------------------------------------------------------------


def test_avenant_effects_are_visible_from_its_effective_date(example):
    convention = import_document(example)
    before, after = convention.as_of(BEFORE), convention.as_of(AFTER)
    assert sorted(before.fiches.values_list("key", flat=True)) == ["aller-vers", "passerelles-structures"]
    assert sorted(after.fiches.values_list("key", flat=True)) == [
        "gouvernance-ctg", "observatoire-alsh", "passerelles-2026"
    ]
    new_version = Fiche.objects.get(convention=convention, key="passerelles-2026")
    assert [f.key for f in new_version.lineage()] == ["passerelles-structures", "passerelles-2026"]
    assert list(before.equipment.values_list("key", flat=True)) == ["pij"]
    assert list(after.equipment.values_list("key", flat=True)) == []
    article = after.articles[0]
    assert article.number == "9" and article.body.startswith("Texte de la convention initiale")
    assert "démarche à visée évaluative" in article.body


def test_the_importing_user_is_recorded_in_the_history(example):
    user = UserFactory()
    user.save()
    convention = import_document(example, by=user)
    assert convention.history.get().history_user == user
    assert Fiche.history.filter(key="passerelles-2026").get().history_user == user


def test_export_on_a_date_lists_only_the_avenants_effective_by_then(example):
    convention = import_document(example)
    full = export_document(convention)
    before = export_document(convention, on=BEFORE)
    assert before["convention"]["amendments"] == []
    assert {**before["convention"], "amendments": full["convention"]["amendments"]} == full["convention"]
    on_effective_date = export_document(convention, on=EFFECTIVE)
    assert [a["number"] for a in on_effective_date["convention"]["amendments"]] == [2]


def test_export_on_a_date_is_itself_importable(rich):
    convention = import_document(rich)
    before = export_document(convention, on=BEFORE)
    # The meeting's link to a fiche of the (not yet effective) avenant n°2 is left out.
    assert before["convention"]["governance"]["meetings"][0]["fiches"] == ["rpe-bourg"]
    before["convention"]["slug"] = "roumois-seine-au-14-12-2025"
    copy_ = import_document(before)
    assert sorted(copy_.as_of(AFTER).fiches.values_list("key", flat=True)) == [
        "aller-vers", "passerelles-structures", "rpe-bourg"
    ]


def test_export_query_count_does_not_grow_with_the_plan(example, django_assert_max_num_queries):
    def queries_for(doc):
        convention = import_document(doc)
        with CaptureQueriesContext(connection) as context:
            export_document(convention)
        return len(context.captured_queries)

    small = queries_for(copy.deepcopy(example))
    big = copy.deepcopy(example)
    big["convention"]["slug"] = "grand-plan"
    template = big["convention"]["fiches"][0]
    for number in range(10, 40):
        big["convention"]["fiches"].append({**copy.deepcopy(template), "key": f"action-{number}", "number": number})
    assert queries_for(big) == small
    # 35 fiches; 31: the status history, the bilans and the links of agenda items (version 1 additions)
    with django_assert_max_num_queries(31):
        export_document(Convention.objects.get(slug="grand-plan"))


def test_import_marks_the_current_version_of_each_action():
    from exchange.importer import import_document
    from exchange.reading import load_json

    convention = import_document(load_json(EXAMPLE_PATH))
    assert sorted(convention.fiches.filter(is_current=True).values_list("key", flat=True)) == [
        "gouvernance-ctg", "observatoire-alsh", "passerelles-2026"]
