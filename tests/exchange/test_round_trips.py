"""The CTG exchange format: import, export, round trips, commands, and refused documents."""

import copy
import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext

from actions.models import Fiche
from conventions.models import Convention, Organisation
from evaluation.models import Milestone
from exchange.exporter import export_document
from exchange.importer import import_document
from exchange.reading import ExchangeError, load_json
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLE_PATH = Path(settings.BASE_DIR) / "tests" / "data" / "roumois-seine.json"
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


def test_export_query_count_does_not_grow_with_the_plan(example):
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


# --- Commands ----------------------------------------------------------------------------------


def test_import_command_prints_a_summary(tmp_path):
    out = StringIO()
    call_command("import_convention", str(EXAMPLE_PATH), stdout=out)
    assert f"Convention « {SLUG} » importée" in out.getvalue()
    assert "5 fiches actions (dont 3 par avenant), 1 avenant" in out.getvalue()
    assert Convention.objects.filter(slug=SLUG).exists()


def test_import_command_lists_every_error_and_exits_with_status_1(tmp_path, example):
    example["version"] = 2
    example["convention"]["fiches"][0]["themes"] = ["petite-enfance"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(example), encoding="utf-8")
    err = StringIO()
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_convention", str(path), stderr=err)
    assert excinfo.value.returncode == 1
    assert "Import refusé (2 erreurs) : rien n'a été enregistré." in str(excinfo.value)
    assert err.getvalue().splitlines() == [
        "version: version 2 non prise en charge (seule la version 1 est acceptée)",
        "convention.fiches[0].themes[0]: thématique inconnue « petite-enfance »",
    ]
    assert counts() == before


def test_import_command_refuses_bad_json_and_missing_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "ctg-exchange",\n  "version": 1,,\n}', encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_convention", str(path), stderr=err)
    assert err.getvalue().strip() == "JSON invalide : nom de clé entre guillemets doubles attendu (ligne 2, colonne 16)"
    with pytest.raises(CommandError):
        call_command("import_convention", str(tmp_path / "absent.json"), stderr=err)
    assert f"Fichier introuvable : {tmp_path / 'absent.json'}" in err.getvalue()


def test_import_command_replace(example, tmp_path):
    call_command("import_convention", str(EXAMPLE_PATH), stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("import_convention", str(EXAMPLE_PATH), stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("import_convention", str(EXAMPLE_PATH), "--replace", stdout=out)
    assert "importée (remplacement)" in out.getvalue()
    assert Convention.objects.filter(slug=SLUG).count() == 1


def test_export_command_writes_the_document_to_a_file(example, tmp_path):
    convention = import_document(example)
    target = tmp_path / "export.json"
    out = StringIO()
    call_command("export_convention", SLUG, "--format", "json", "--output", str(target), stdout=out)
    text = target.read_text(encoding="utf-8")
    assert json.loads(text) == export_document(convention)
    assert "Développer les passerelles" in text and '\n  "version": 1,' in text  # UTF-8, indented
    assert f"exportée dans {target}" in out.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]  # no temporary file left


def test_export_command_with_a_date_and_to_stdout(example):
    convention = import_document(example)
    out = StringIO()
    call_command("export_convention", SLUG, "--format", "json", "--date", "2025-12-14", stdout=out)
    assert json.loads(out.getvalue()) == export_document(convention, on=BEFORE)
    out = StringIO()
    call_command("export_convention", SLUG, "--output", "-", stdout=out)
    assert json.loads(out.getvalue())["convention"]["amendments"][0]["number"] == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["inconnue"], "Aucune convention « inconnue »."),
        ([SLUG, "--date", "14/12/2025"], "Date invalide « 14/12/2025 » : format attendu AAAA-MM-JJ."),
        ([SLUG, "--date", "2025-02-30"], "Date invalide « 2025-02-30 » : format attendu AAAA-MM-JJ."),
    ],
)
def test_export_command_errors_write_no_file(example, tmp_path, arguments, message):
    import_document(example)
    target = tmp_path / "export.json"
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("export_convention", *arguments, "--format", "json", "--output", str(target))
    assert excinfo.value.returncode == 1
    assert list(tmp_path.iterdir()) == []


def test_export_command_refuses_an_unknown_format(example):
    import_document(example)
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("export_convention", SLUG, "--format", "xml")


# --- Refused documents --------------------------------------------------------------------------


def test_bad_json_is_reported_with_its_position():
    with pytest.raises(ExchangeError) as excinfo:
        load_json('{\n  "format": "ctg-exchange"\n  "version": 1\n}')
    assert excinfo.value.errors == ["JSON invalide : virgule attendue (ligne 3, colonne 3)"]
    with pytest.raises(ExchangeError, match="clé « version » en double"):
        load_json('{"version": 1, "version": 1}')


def test_wrong_format_and_version(example):
    example["format"] = "ctg"
    example["version"] = "1"
    assert refused(example) == [
        "format: format inconnu « ctg » (attendu « ctg-exchange »)",
        "version: version « 1 » non prise en charge (seule la version 1 est acceptée)",
    ]


def test_missing_parts_and_wrong_types(example):
    assert refused([]) == ["document: objet attendu"]
    del example["convention"]["title"]
    example["convention"]["fiches"][0]["number"] = "3"
    example["convention"]["fiches"][1]["start_year"] = 2023.5
    example["convention"]["communes"][0]["name"] = None
    errors = refused(example)
    assert "convention.title: clé obligatoire manquante" in errors
    assert "convention.fiches[0].number: nombre entier attendu" in errors
    assert "convention.fiches[1].start_year: nombre entier attendu" in errors
    assert "convention.communes[0].name: valeur obligatoire" in errors


def test_unknown_keys_at_the_top_and_nested(example):
    example["comment"] = "?"
    example["convention"]["fiches"][1]["updates"][0]["mood"] = "bon"
    example["convention"]["amendments"][0]["operations"][0]["fiche"] = {}
    assert refused(example) == [
        "comment: clé inconnue",
        "convention.fiches[1].updates[0].mood: clé inconnue",
        "convention.amendments[0].operations[0].fiche: clé inconnue",
    ]


def test_unknown_theme_and_other_vocabulary(example):
    example["convention"]["fiches"][0]["themes"] = ["enfance", "petite-enfance"]
    example["convention"]["status"] = "en_vigueur"
    example["convention"]["amendments"][0]["operations"][0]["op"] = "delete_fiche"
    errors = refused(example)
    assert "convention.fiches[0].themes[1]: thématique inconnue « petite-enfance »" in errors
    assert "convention.status: statut de convention inconnu « en_vigueur »" in errors
    assert "convention.amendments[0].operations[0].op: opération inconnue « delete_fiche »" in errors


def test_avenant_targeting_a_fiche_that_does_not_exist(example):
    operations = example["convention"]["amendments"][0]["operations"]
    operations[0]["target"] = "aller-vers-2030"
    # A fiche added by the same avenant cannot be targeted either: it must exist earlier.
    operations.append({"op": "abrogate_fiche", "target": "gouvernance-ctg"})
    operations.append({"op": "abrogate_equipment", "target": "crèche"})
    errors = refused(example)
    assert errors == [
        "convention.amendments[0].operations[7].target: identifiant invalide « crèche » (minuscules, chiffres et tirets uniquement)",
        "convention.amendments[0].operations[0].target: fiche « aller-vers-2030 » inconnue : "
        "elle doit figurer dans le plan initial ou dans un avenant précédent",
        "convention.amendments[0].operations[6].target: fiche « gouvernance-ctg » inconnue : "
        "elle doit figurer dans le plan initial ou dans un avenant précédent",
    ]


def test_existing_slug_needs_replace_which_swaps_the_content(example):
    original = import_document(copy.deepcopy(example))
    assert refused(copy.deepcopy(example)) == [
        f"convention.slug: une convention « {SLUG} » existe déjà (utilisez --replace)"
    ]
    example["convention"]["title"] = "CTG Roumois Seine, version corrigée"
    del example["convention"]["fiches"][1]  # "aller-vers", and the avenant's operation on it
    del example["convention"]["amendments"][0]["operations"][0]
    replaced = import_document(example, replace=True)
    assert Convention.objects.filter(slug=SLUG).count() == 1
    assert not Convention.objects.filter(pk=original.pk).exists()
    assert replaced.title == "CTG Roumois Seine, version corrigée"
    assert sorted(replaced.fiches.values_list("key", flat=True)) == [
        "gouvernance-ctg", "observatoire-alsh", "passerelles-2026", "passerelles-structures"
    ]
    assert normalised(export_document(replaced)) == normalised(example)


def test_inverted_periods(example):
    example["convention"]["period"] = {"start": "2026-12-31", "end": "2022-11-29"}
    example["convention"]["amendments"][0]["effective_until"] = "2025-12-01"
    example["convention"]["milestones"][0]["start"] = "2027-01-01"
    assert refused(example) == [
        "convention.period.end: la fin (29/11/2022) doit être postérieure au début (31/12/2026)",
        "convention.amendments[0].effective_until: le terme (01/12/2025) précède la prise d'effet (15/12/2025)",
        "convention.milestones[0].end: l'échéance (31/12/2026) précède le début (01/01/2027)",
    ]


def test_several_errors_are_reported_at_once(example):
    c = example["convention"]
    c["slug"] = "Roumois Seine"
    c["signed_on"] = "29/11/2022"
    c["fiches"][0]["axis"] = 9
    c["fiches"][0]["lead_organisations"] = ["200066405", "999"]
    c["fiches"][1]["updates"][0]["progress"] = 150
    c["fiches"][1]["updates"][0]["period"] = "2024-Q4"
    c["fiches"][1]["commune"] = "27999"
    c["governance"]["cooperation_officers"][0]["fte"] = 1.125
    c["milestones"][0]["body"] = "cotech"
    assert refused(example) == [
        "convention.slug: identifiant invalide « Roumois Seine » (minuscules, chiffres et tirets uniquement)",
        "convention.signed_on: date invalide « 29/11/2022 » (format attendu AAAA-MM-JJ)",
        "convention.fiches[1].updates[0].period: période invalide « 2024-Q4 » (format attendu AAAA-Tn, n de 1 à 4)",
        "convention.fiches[1].updates[0].progress: valeur 150 hors limites (attendu : entre 0 et 100)",
        "convention.governance.cooperation_officers[0].fte: au plus 2 décimales",
        "convention.fiches[0].axis: axe 9 inconnu",
        "convention.fiches[0].lead_organisations[1]: organisation « 999 » inconnue : "
        "ce doit être le code de la Caf ou d'un signataire",
        "convention.fiches[1].commune: commune « 27999 » absente des communes de la convention",
        "convention.milestones[0].body: instance « cotech » inconnue",
    ]


def test_keys_numbers_and_periods_must_not_collide(example):
    c = example["convention"]
    c["fiches"][1]["key"] = "passerelles-structures"
    added = c["amendments"][0]["operations"][2]["fiche"]
    added["number"] = 8  # "gouvernance-ctg" has number 8 too, from the same date
    c["fiches"][0]["updates"].append({**c["fiches"][0]["updates"][0]})
    c["fiches"][0]["updates"][0]["indicator_values"] = {"formations": 2}
    errors = refused(example)
    assert "convention.fiches[1].key: clé « passerelles-structures » déjà utilisée par la fiche convention.fiches[0]" in errors
    assert ("convention.amendments[0].operations[3].fiche.number: numéro 8 déjà porté par la fiche "
            "« observatoire-alsh », en vigueur en même temps le 15/12/2025") in errors
    assert "convention.fiches[0].updates[1].period: période « 2025-T2 » déjà suivie en convention.fiches[0].updates[0]" in errors
    assert ("convention.fiches[0].updates[0].indicator_values.formations: "
            "indicateur « formations » inconnu pour cette fiche") in errors


def test_a_new_fiche_may_not_take_the_number_of_a_fiche_still_in_force(example):
    # "aller-vers" (n°5) is abrogated by the avenant: its number is free from that date…
    operations = example["convention"]["amendments"][0]["operations"]
    operations[2]["fiche"]["number"] = 5
    assert import_document(copy.deepcopy(example))
    # …but not while it is still in force.
    del operations[0]
    example["convention"]["slug"] = "autre"
    assert refused(example) == [
        "convention.amendments[0].operations[1].fiche.number: numéro 5 déjà porté par la fiche "
        "« aller-vers », en vigueur en même temps le 15/12/2025"
    ]


def test_a_database_refusal_writes_nothing(example):
    def refuse(sender, **kwargs):
        raise IntegrityError("CHECK constraint failed: milestone_end_after_start")

    pre_save.connect(refuse, sender=Milestone)
    try:
        errors = refused(example)
    finally:
        pre_save.disconnect(refuse, sender=Milestone)
    assert errors == [
        "convention: enregistrement refusé par la base de données, rien n'a été importé "
        "(CHECK constraint failed: milestone_end_after_start)"
    ]


def test_import_marks_the_current_version_of_each_action():
    from exchange.importer import import_document
    from exchange.reading import load_json

    convention = import_document(load_json(EXAMPLE_PATH))
    assert sorted(convention.fiches.filter(is_current=True).values_list("key", flat=True)) == [
        "gouvernance-ctg", "observatoire-alsh", "passerelles-2026"]
