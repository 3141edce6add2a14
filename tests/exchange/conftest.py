"""Fixtures of the exchange tests: the spec's Roumois Seine example, read from tests/data/, and the
same with every part of the format filled (`rich`)."""

import copy

import pytest

from exchange.reading import load_json
from tests.factories import UserFactory
from tests.helpers import EXAMPLE_PATH


@pytest.fixture
def example():
    return load_json(EXAMPLE_PATH)


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
    _with_additions(c)
    return doc


def _with_additions(c):
    """The version 1 additions, every one of them set (the people named are accounts here)."""
    UserFactory(username="caf.eure", first_name="Claire", last_name="Martin").save()
    UserFactory(username="coord.roumois").save()
    c["status_history"] = [
        {"status": "signee", "at": "2022-11-29T18:00:00+01:00", "by": "Claire Martin", "note": None},
        {"status": "renouvellement", "at": "2026-09-01T09:30:00+02:00", "by": None, "note": "Évaluation lancée."},
    ]
    update = c["fiches"][0]["updates"][1]
    update.update(saved_at="2024-07-01T10:15:00+02:00")
    c["fiches"][0]["updates"].append({
        "period": "2024-T3", "status": "realisee", "progress": 100, "comment": "Ouvert.", "difficulties": None,
        "indicator_values": {}, "author": "coord.roumois", "updated_on": "2024-10-02",
        "saved_at": "2024-10-02T08:00:00+02:00", "copied_from": "2024-T2",
    })
    governance = c["governance"]
    copil, cotech = governance["bodies"]
    copil["members"][0]["email"] = "president@roumois-seine.fr"
    copil["members"].append({"name": "Mme Martin", "organisation": "Caf de l'Eure", "role": "Conseillère", "email": None})
    cotech["frequency"] = "Selon les besoins"
    cotech["expected_per_year"] = 4
    meeting = governance["meetings"][0]
    meeting["end_time"] = "16:30"
    meeting["agenda"][1] = {"text": "Avenant n°2", "fiches": ["passerelles-2026"], "milestones": [1]}
    meeting["participants"][0].update(email="a@caf.fr", member={"body": "copil", "index": 1})
    meeting["decisions"] += [
        {"text": "Ajouter une fiche au plan.", "fiche": None, "calls_for_avenant": True},
        {"text": "Abroger l'observatoire.", "fiche": "observatoire-alsh", "calls_for_avenant": 3},
        {"text": "Suivre les passerelles.", "fiche": "passerelles-2026", "calls_for_avenant": False},
    ]
    governance["cooperation_officers"][0]["missions"] = "- Animer le COPIL\n- Tenir le tableau de suivi"
    c["milestones"][0].update(status="fait", done_at="2026-12-15T11:00:00+01:00", done_by="Claire Martin",
                              generated="bilan_final")
    c["bilans"] = [
        {"kind": "intermediaire", "period": {"start": "2022-11-29", "end": "2024-12-31"},
         "realisations": "Le guide est **diffusé**.", "territorial_changes": None, "approach": "COPIL annuel.",
         "early_childhood": None, "updated_at": "2025-01-20T17:40:00+01:00", "updated_by": "coord.roumois"},
        {"kind": "final", "period": {"start": "2022-11-29", "end": "2026-12-31"}, "realisations": None,
         "territorial_changes": None, "approach": None, "early_childhood": None,
         "updated_at": "2026-11-25T11:15:00+01:00", "updated_by": None},
    ]
