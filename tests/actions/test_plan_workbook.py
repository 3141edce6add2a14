"""The plan d'actions workbook out of the application: the empty model and the plan of a
convention as in force on a date (docs/plan-d-actions-excel.md)."""

import datetime
import io

import openpyxl
import pytest

from actions.models import Fiche
from actions.plan_workbook import PlanWorkbook
from tests.actions.helpers import plan_bytes

pytestmark = pytest.mark.django_db

HEADERS = [
    "Axe", "Objectif", "N°", "Intitulé", "Thématique 1", "Thématique 2", "Thématique 3", "Nature 1", "Nature 2",
    "Commune", "Enjeu de coordination entre collectivités", "Diagnostic initial", "Public cible",
    "Objectifs opérationnels", "Modalités de mise en œuvre", "Résultats attendus", "Indicateurs d'évaluation",
    "Financements mobilisables", "Services mobilisés et responsable de l'action", "Partenaires sollicités", "Référents",
    "Organisations pilotes", "Échéances de réalisation", "Année de début", "Année de fin",
]


def load(content):
    return openpyxl.load_workbook(io.BytesIO(content))


def rows(sheet):
    return [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(v is not None for v in row)]


def validations(sheet):
    return {str(v.sqref): v for v in sheet.data_validations.dataValidation}


def test_the_model_has_every_column_and_no_row(preparation_plan):
    convention, *_ = preparation_plan
    filename, mimetype, content = PlanWorkbook().generate(convention)
    assert filename == "plan-vexin-modele.xlsx" and mimetype.startswith("application/vnd.openxmlformats")
    workbook = load(content)
    assert workbook.sheetnames == ["Plan", "Indicateurs", "Listes"]
    plan = workbook["Plan"]
    assert [c.value for c in plan[1]] == HEADERS
    assert plan.freeze_panes == "A2" and plan["A1"].font.b
    assert rows(plan) == []
    # Every canonical box of a fiche has its column, headed by the fiche form's label.
    assert {Fiche._meta.get_field(name).verbose_name.capitalize() for name in Fiche.BOX_FIELDS} <= set(HEADERS)
    assert [c.value for c in workbook["Indicateurs"][1]] == [
        "N° action", "Action", "Clé", "Indicateur", "Unité", "Valeur de départ", "Cible"]
    assert rows(workbook["Indicateurs"]) == []


def test_the_model_validates_themes_and_natures_with_error_alerts(preparation_plan):
    convention, *_ = preparation_plan
    workbook = load(PlanWorkbook().generate(convention)[2])
    rules = validations(workbook["Plan"])
    themes, natures = rules["E2:G501"], rules["H2:I501"]
    assert themes.type == "list" and themes.formula1 == "Listes!$A$2:$A$16"
    assert natures.type == "list" and natures.formula1 == "Listes!$B$2:$B$5"
    for rule in rules.values():
        assert rule.showErrorMessage and rule.errorStyle == "stop" and rule.error and rule.errorTitle
    assert themes.errorTitle == "Thématique inconnue"
    assert rules["J2:J501"].formula1 == "Listes!$C$2:$C$2"  # the convention's one commune
    assert rules["K2:K501"].formula1 == '"Oui,Non"'
    assert rules["X2:Y501"].type == "whole"
    listes = workbook["Listes"]
    column = [row[0] for row in rows(listes)]
    assert column[:4] == ["Petite enfance", "Enfance", "Jeunesse", "Parentalité"] and len(column) == 15
    assert [row[1] for row in rows(listes)][:4] == ["Projet phare", "Expérimentale", "Nouvelle action", "Action existante"]
    assert [row[2] for row in rows(listes)][0] == "Bourg-Achard"
    assert "Communauté de communes" in " ".join(str(row[3]) for row in rows(listes))


def test_export_fills_one_row_per_fiche(preparation_plan):
    convention, accueil, parents = preparation_plan
    filename, _, content = PlanWorkbook(datetime.date(2026, 3, 1)).generate(convention)
    assert filename == "plan-vexin-2026-03-01.xlsx"
    workbook = load(content)
    first, second = rows(workbook["Plan"])
    pilot = accueil.lead_organisations.get().name
    assert first == (
        "Axe 1 — Petite enfance", "1.1 — Accueillir tous les enfants", 1, "Développer l'accueil", "Petite enfance",
        "Parentalité", None, "Projet phare", "Nouvelle action", "Bourg-Achard", "Oui", accueil.initial_diagnosis,
        accueil.target_public, accueil.operational_objectives, accueil.implementation, accueil.expected_results,
        accueil.evaluation_indicators, None, accueil.lead, accueil.partners, None, pilot, "2025-2026", 2025, 2026,
    )
    assert second[:11] == ("Axe 2 — Parentalité", None, 2, "Soutenir les parents", "Parentalité", None, None,
                           "Nouvelle action", None, None, "Non")
    assert rows(workbook["Indicateurs"]) == [(1, "Développer l'accueil", "places", "Places ouvertes", "places", 10, 30)]
    assert validations(workbook["Plan"])["E2:G503"].formula1 == "Listes!$A$2:$A$16"


def test_a_fiche_with_many_themes_gets_as_many_columns(preparation_plan):
    convention, accueil, _ = preparation_plan
    for position, theme in enumerate(["enfance", "jeunesse"], start=2):
        accueil.theme_links.create(theme=theme, position=position)
    plan = load(plan_bytes(convention, datetime.date(2026, 3, 1)))["Plan"]
    headers = [c.value for c in plan[1]]
    assert headers[4:8] == ["Thématique 1", "Thématique 2", "Thématique 3", "Thématique 4"]
    assert rows(plan)[0][4:8] == ("Petite enfance", "Parentalité", "Enfance", "Jeunesse")


def test_text_is_never_a_formula(preparation_plan):
    convention, accueil, _ = preparation_plan
    Fiche.objects.filter(pk=accueil.pk).update(funding='=HYPERLINK("http://evil")')
    plan = load(plan_bytes(convention, datetime.date(2026, 3, 1)))["Plan"]
    assert plan["R2"].value == '=HYPERLINK("http://evil")' and plan["R2"].data_type == "s"


def test_export_is_the_plan_in_force_on_the_date(tracking_plan):
    """An avenant signed with effect on 15/02/2026 abrogated « parents » and added « passerelles »."""
    convention, *_ = tracking_plan
    before = rows(load(plan_bytes(convention, datetime.date(2026, 2, 14)))["Plan"])
    after = rows(load(plan_bytes(convention, datetime.date(2026, 2, 15)))["Plan"])
    assert [(r[2], r[3]) for r in before] == [(1, "Développer l'accueil"), (2, "Soutenir les parents")]
    assert [(r[2], r[3]) for r in after] == [(1, "Développer l'accueil"), (3, "Créer des passerelles")]
