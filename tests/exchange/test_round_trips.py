"""The CTG exchange format: import, export and round trips, avenants in force from their date,
the importing user in the history, a fixed number of queries."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Fiche, IndicatorValue, Update
from conventions.models import Convention
from ctg.history import IMPORT_REASON
from exchange.exporter import export_document
from exchange.importer import import_document
from tests.exchange.helpers import AFTER, BEFORE, EFFECTIVE, SLUG, differences, normalised
from tests.factories import UserFactory
from tests.helpers import EXAMPLE_PATH

pytestmark = pytest.mark.django_db


# --- Round trips ------------------------------------------------------------------------------


def test_example_imports_and_exports_back_equal(example):
    convention = import_document(example)
    assert convention.slug == SLUG
    assert normalised(export_document(convention)) == normalised(example)


def test_every_part_of_the_format_round_trips(rich):
    convention = import_document(copy.deepcopy(rich))
    exported = export_document(convention)
    found = list(differences(normalised(rich), normalised(exported)))
    assert not found, "\n".join(found)
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


def test_each_tracking_row_gets_its_creation_record(rich):
    """The tracking rows are written in bulk and their history copied by the database: one creation
    record per row, by the importing user, with the row's content."""
    user = UserFactory()
    user.save()
    convention = import_document(copy.deepcopy(rich), by=user)
    for model in (Update, IndicatorValue):
        rows = model.objects.order_by("pk")
        assert rows.exists()
        records = model.history.order_by("id")
        assert [record.id for record in records] == [row.pk for row in rows]
        assert {(record.history_type, record.history_user, record.history_change_reason) for record in records} == {
            ("+", user, IMPORT_REASON)}
    update = Update.objects.filter(fiche__convention=convention).exclude(comment="").first()
    record = update.history.get()
    assert (record.period, record.status, record.comment, record.fiche_id) == (
        update.period, update.status, update.comment, update.fiche_id)


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


def test_control_characters_are_cleaned_as_the_forms_clean_them(example):
    # A newline in a title made the séance's calendar file and its reminder fail; a lone
    # surrogate (valid JSON) is text no database stores.
    fiche = example["convention"]["fiches"][0]
    fiche["title"] = "Développer\nles passerelles\x00"
    fiche["implementation"] = "Première ligne\r\nseconde\x07 ligne\ud800"
    convention = import_document(example)
    stored = convention.fiches.get(key=fiche["key"])
    assert stored.title == "Développer les passerelles"
    assert stored.implementation == "Première ligne\nseconde ligne"
