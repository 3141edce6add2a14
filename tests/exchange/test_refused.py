"""Refused exchange documents: every error with its JSON path and a French message, nothing written."""

import copy
import json

import pytest
from django.db import IntegrityError
from django.db.models.signals import pre_save

from conventions.models import Convention
from evaluation.models import Milestone
from exchange.exporter import export_document
from exchange.importer import import_document
from exchange.reading import ExchangeError, load_json
from tests.exchange.helpers import SLUG, normalised, refused

pytestmark = pytest.mark.django_db


def test_bad_json_is_reported_with_its_position():
    with pytest.raises(ExchangeError) as excinfo:
        load_json('{\n  "format": "ctg-exchange"\n  "version": 1\n}')
    assert excinfo.value.errors == ["JSON invalide : virgule attendue (ligne 3, colonne 3)"]
    with pytest.raises(ExchangeError, match="clé « version » en double"):
        load_json('{"version": 1, "version": 1}')


def test_nesting_is_bounded_but_brackets_inside_texts_do_not_count(example):
    with pytest.raises(ExchangeError) as excinfo:
        load_json("[" * 101 + "]" * 101)
    assert excinfo.value.errors == ["JSON invalide : plus de 100 niveaux d'objets et de listes imbriqués"]
    assert load_json("[" * 100 + "]" * 100)
    assert load_json(json.dumps({"texte": "[" * 5000})) == {"texte": "[" * 5000}


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
    assert replaced.pk == original.pk  # the same convention, its content replaced
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


def test_far_dates_periods_and_negative_numbers_are_refused(example):
    # Year 9999 was accepted, then made the feed, the tracking and the milestone generation fail.
    c = example["convention"]
    c["amendments"][0]["effective_until"] = "9999-12-31"
    c["milestones"][0]["end"] = "9999-12-31"
    c["signed_on"] = "1899-12-31"
    c["fiches"][1]["updates"][0]["period"] = "9999-T4"
    c["fiches"][1]["start_year"] = 9999
    c["governance"]["cooperation_officers"][0]["fte"] = -0.5
    c["fiches"][0]["number"] = 0
    errors = refused(example)
    for line in [
        "convention.amendments[0].effective_until: date « 9999-12-31 » hors limites "
        "(attendu : entre le 01/01/1900 et le 31/12/2200)",
        "convention.milestones[0].end: date « 9999-12-31 » hors limites (attendu : entre le 01/01/1900 et le 31/12/2200)",
        "convention.signed_on: date « 1899-12-31 » hors limites (attendu : entre le 01/01/1900 et le 31/12/2200)",
        "convention.fiches[1].updates[0].period: période « 9999-T4 » hors limites (attendu : années 1900 à 2200)",
        "convention.fiches[1].start_year: valeur 9999 hors limites (attendu : entre 1900 et 2200)",
        "convention.governance.cooperation_officers[0].fte: valeur -0.5 hors limites (attendu : entre 0 et 10)",
        "convention.fiches[0].number: valeur 0 hors limites (attendu : entre 1 et 2147483647)",
    ]:
        assert line in errors


def test_texts_are_bounded_like_the_forms(example):
    c = example["convention"]
    c["fiches"][0]["implementation"] = "x" * 20_001
    c["preamble"] = "y" * 20_000
    c["fiches"][0]["title"] = "z" * 301
    assert refused(example) == [
        "convention.fiches[0].title: texte trop long (301 caractères, au plus 300)",
        "convention.fiches[0].implementation: texte trop long (20001 caractères, au plus 20000)",
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
