"""The import_convention and export_convention commands: summaries, errors, exit status, files."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conventions.models import Convention
from exchange.exporter import export_document
from exchange.importer import import_document
from tests.exchange.helpers import BEFORE, SLUG, counts
from tests.helpers import EXAMPLE_PATH

pytestmark = pytest.mark.django_db


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


def test_a_document_nested_thousands_of_levels_deep_is_refused_in_french(tmp_path):
    # json.loads recursed once per level and the command died with a RecursionError traceback.
    path = tmp_path / "deep.json"
    path.write_text('{"format": "ctg-exchange", "version": 1, "convention": ' + "[" * 50_000 + "]" * 50_000 + "}")
    err = StringIO()
    with pytest.raises(CommandError, match=r"Import refusé \(1 erreur\)"):
        call_command("import_convention", str(path), stderr=err)
    assert err.getvalue().strip() == "JSON invalide : plus de 100 niveaux d'objets et de listes imbriqués"
    assert counts() == (0, 0, 0)
