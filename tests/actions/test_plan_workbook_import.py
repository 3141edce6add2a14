"""The plan d'actions workbook into a convention in préparation: what it creates or changes,
reported before anything is written; every error by cell; all or nothing; refused once signed."""

import datetime
import io

import openpyxl
import pytest

from actions import services
from actions.models import Axis, Fiche, Indicator, Objective
from actions.plan_import import read_plan_workbook
from actions.workbook import WorkbookError
from conventions.enums import ConventionStatus
from conventions.models import FROZEN_MESSAGE
from ctg.concurrency import version_of
from ctg.errors import DomainError
from tests.actions.helpers import plan_bytes
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 1)


def snapshot(convention):
    fiches = Fiche.objects.filter(convention=convention).order_by("number")
    return (
        list(Axis.objects.filter(convention=convention).values_list("number", "title")),
        list(Objective.objects.filter(axis__convention=convention).values_list("axis__number", "number", "title")),
        [(f.number, f.axis.number, f.objective_id, f.title, f.theme_slugs, f.nature, f.commune_id, f.target_public,
          f.start_year, version_of(f), sorted(f.lead_organisations.values_list("pk", flat=True))) for f in fiches],
        list(Indicator.objects.filter(fiche__convention=convention).values_list("key", "name", "unit", "baseline", "target")),
    )


def errors(convention, content):
    with pytest.raises(WorkbookError) as caught:
        read_plan_workbook(convention, content)
    return caught.value.errors


def apply(convention, content, user=None):
    changes = read_plan_workbook(convention, content)
    services.plan_import(convention, changes, by=user or UserFactory())
    return changes


def test_export_then_import_changes_nothing(preparation_plan):
    convention, *_ = preparation_plan
    changes = read_plan_workbook(convention, plan_bytes(convention, ON))
    assert not changes and changes.summary == "aucune modification" and changes.lines() == []
    assert changes.kept == []


def test_the_filled_model_creates_axes_objectives_fiches_and_indicators(preparation_plan):
    convention, *_ = preparation_plan
    user = UserFactory()

    def fill(workbook):
        plan = workbook["Plan"]
        plan.append(["Axe 3 — Jeunesse", "3.1 — Donner la parole aux jeunes", 3, "Créer un conseil de jeunes", "Jeunesse",
                     None, None, "Expérimentale"] + [None] * 2 + ["Non", "Peu de lieux d'expression."])
        plan.append(["Jeunesse", "Donner la parole aux jeunes", None, "Ouvrir un local jeunes", "jeunesse",
                     "animation_vie_sociale"])  # title only: the same axis and objective; slugs too
        workbook["Indicateurs"].append([3, None, None, "Jeunes élus", "jeunes", 0, 12])

    before = Fiche.objects.count()
    changes = read_plan_workbook(convention, plan_bytes(convention, edit=fill))
    assert changes.summary == "1 axe créé, 1 objectif créé, 2 actions créées, 1 indicateur créé"
    assert changes.lines() == [
        "Axe 3 — Jeunesse : créé",
        "Objectif 3.1 — Donner la parole aux jeunes : créé",
        "Action 3 — Créer un conseil de jeunes : créée (axe 3)",
        "Action 4 — Ouvrir un local jeunes : créée (axe 3)",
        "Indicateur « Jeunes élus » de l'action 3 : créé",
    ]
    assert [f.number for f in changes.kept] == [1, 2]  # the model has no row: the plan's fiches are kept
    assert Fiche.objects.count() == before  # nothing written yet
    services.plan_import(convention, changes, by=user)
    axis = Axis.objects.get(convention=convention, number=3)
    objective = axis.objectives.get()
    conseil, local = Fiche.objects.filter(axis=axis).order_by("number")
    assert (conseil.number, conseil.title, conseil.objective, conseil.theme_slugs, conseil.nature) == (
        3, "Créer un conseil de jeunes", objective, ["jeunesse"], ["experimentale"])
    assert conseil.initial_diagnosis == "Peu de lieux d'expression." and conseil.is_current and conseil.key
    assert (local.number, local.objective, local.theme_slugs) == (4, objective, ["jeunesse", "animation_vie_sociale"])
    indicator = conseil.indicators.get()
    assert (indicator.name, indicator.unit, indicator.baseline, indicator.target, indicator.key) == (
        "Jeunes élus", "jeunes", 0, 12, "jeunes-elus")
    assert conseil.history.latest().history_user == user
    assert read_plan_workbook(convention, plan_bytes(convention, ON)).summary == "aucune modification"


def test_an_edited_export_reports_and_writes_each_change(preparation_plan):
    convention, accueil, parents = preparation_plan
    other = OrganisationFactory(name="Commune de Bourg-Achard")
    convention.signatories.create(organisation=other, representative="Le maire", capacity="Maire", position=2)

    def edit(workbook):
        plan = workbook["Plan"]
        plan["A2"] = "Axe 1 — Petite enfance et familles"  # renames the axis
        plan["D2"] = "Développer l'accueil du jeune enfant"
        plan["F2"] = "Enfance"
        plan["J2"] = None  # intercommunal now
        plan["M2"] = "Familles et assistantes maternelles"
        plan["V2"] = "Commune de Bourg-Achard"
        plan["Y2"] = 2027
        plan["A3"] = "Axe 1"  # parents moves to axis 1…
        plan["B3"] = "1.2 — Soutenir la fonction parentale"  # …and a new objective of it
        workbook["Indicateurs"]["G2"] = 40

    changes = read_plan_workbook(convention, plan_bytes(convention, ON, edit=edit))
    assert changes.lines() == [
        "Axe 1 : intitulé « Petite enfance » → « Petite enfance et familles »",
        "Objectif 1.2 — Soutenir la fonction parentale : créé",
        "Action 1 — Développer l'accueil : intitulé : « Développer l'accueil » → « Développer l'accueil du jeune "
        "enfant » ; thématiques : Petite enfance, Parentalité → Petite enfance, Enfance ; commune : Bourg-Achard → "
        "Plan intercommunal ; public cible : « Familles du territoire » → « Familles et assistantes maternelles » ; "
        "année de fin : 2026 → 2027 ; organisations pilotes : "
        f"{accueil.lead_organisations.get().name} → Commune de Bourg-Achard",
        "Action 2 — Soutenir les parents : axe : 2 → 1 ; objectif : — → 1.2",
        "Indicateur « Places ouvertes » de l'action 1 : cible : 30 → 40",
    ]
    assert changes.summary == "1 axe renommé, 1 objectif créé, 2 actions modifiées, 1 indicateur modifié"
    services.plan_import(convention, changes, by=UserFactory())
    accueil.refresh_from_db()
    parents.refresh_from_db()
    assert accueil.axis.title == "Petite enfance et familles" and accueil.title == "Développer l'accueil du jeune enfant"
    assert accueil.theme_slugs == ["petite_enfance", "enfance"] and accueil.commune is None
    assert accueil.target_public == "Familles et assistantes maternelles" and accueil.end_year == 2027
    assert list(accueil.lead_organisations.all()) == [other] and accueil.history.count() == 2
    assert (parents.axis.number, parents.objective.number, parents.number) == (1, 2, 2)
    assert accueil.indicators.get().target == 40
    assert read_plan_workbook(convention, plan_bytes(convention, ON)).summary == "aucune modification"


def test_rows_are_matched_by_number_then_by_title(preparation_plan):
    convention, accueil, parents = preparation_plan

    def edit(workbook):
        plan = workbook["Plan"]
        plan["C2"] = None  # no number: « Développer l'accueil » is found by its title
        plan["M2"] = "Tous les parents"
        plan["C3"] = 7  # a number no action has: a new action
        plan["D3"] = "Créer un café des parents"

    changes = read_plan_workbook(convention, plan_bytes(convention, ON, edit=edit))
    assert changes.lines() == [
        "Action 7 — Créer un café des parents : créée (axe 2)",
        "Action 1 — Développer l'accueil : public cible : « Familles du territoire » → « Tous les parents »",
    ]
    assert changes.kept == [parents]


def test_every_error_is_given_with_its_cell_and_nothing_is_written(preparation_plan):
    convention, *_ = preparation_plan
    before = snapshot(convention)

    def edit(workbook):
        plan = workbook["Plan"]
        plan["E2"] = "petite-enfance"
        plan["H2"] = "Prioritaire"
        plan["J2"] = "Paris"
        plan["K2"] = "Peut-être"
        plan["X2"] = "deux mille"
        plan["D3"] = None
        plan.append(["Axe 9", None, 1, "Doublon", "Enfance"])
        plan.append(["Axe 2 — Autre titre", None, 8, "Action", None])
        plan.append(["Axe 1", None, None, "Action", "Enfance", None, None, None, None, None, None] + [None] * 10
                    + ["Inconnue SA"] + [None, 2026, 2024])
        plan.append(["Axe 2", "5.1 — Objectif", 9, "Action bis", "Enfance"])
        indicateurs = workbook["Indicateurs"]
        indicateurs.append([42, None, None, "Orphelin"])
        indicateurs.append([1, None, "inconnue", "Clé fausse"])
        indicateurs.append([1, None, None, "Places ouvertes", None, "beaucoup"])

    assert errors(convention, plan_bytes(convention, ON, edit=edit)) == [
        "Plan!E2 : thématique inconnue « petite-enfance »",
        "Plan!H2 : nature inconnue « Prioritaire »",
        "Plan!J2 : commune « Paris » absente de la convention",
        "Plan!K2 : « Peut-être » : « Oui » ou « Non » attendu",
        "Plan!X2 : année « deux mille » invalide : nombre entier attendu",
        "Plan!D3 : intitulé manquant",
        "Plan!A4 : aucun axe n°9 : écrivez « 9 — intitulé » pour le créer",
        "Plan!C4 : action n°1 déjà présente ligne 2",
        "Plan!A5 : l'axe 2 est intitulé « Parentalité » ligne 3",
        "Plan!E5 : thématique manquante : une au moins",
        "Plan!Y6 : année de fin 2024 antérieure à l'année de début 2026",
        "Plan!V6 : organisation pilote inconnue « Inconnue SA » : la Caf ou une partie à la convention attendue",
        "Plan!B7 : l'objectif « 5.1 — Objectif » est numéroté dans l'axe 5, la ligne est de l'axe 2",
        "Indicateurs!A3 : aucune action n°42 dans la feuille Plan",
        "Indicateurs!C4 : aucun indicateur de l'action 1 n'a la clé « inconnue » : laissez la clé vide pour en créer un",
        "Indicateurs!F5 : valeur « beaucoup » invalide : nombre attendu",
        "Indicateurs!D5 : indicateur déjà présent ligne 2",
    ]
    assert snapshot(convention) == before


def test_an_action_edited_meanwhile_stops_the_whole_import(preparation_plan):
    """Prepared outside the transaction, written in one: an action saved after the preview makes
    the import write nothing, not even the axis it would have created first."""
    convention, accueil, _ = preparation_plan

    def edit(workbook):
        workbook["Plan"]["D2"] = "Nouvel intitulé"
        workbook["Plan"].append(["Axe 5 — Nouvel axe", None, None, "Créer une action", "Enfance"])

    changes = read_plan_workbook(convention, plan_bytes(convention, ON, edit=edit))
    accueil.target_public = "Saisi entre-temps"
    accueil.save()
    before = snapshot(convention)
    with pytest.raises(DomainError, match="a changé pendant l'import"):
        services.plan_import(convention, changes, by=UserFactory())
    assert snapshot(convention) == before


@pytest.mark.parametrize("status", [ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT])
def test_a_signed_convention_refuses_the_import(preparation_plan, status):
    convention, *_ = preparation_plan
    content = plan_bytes(convention, ON, edit=lambda workbook: workbook["Plan"].__setitem__("D2", "Autre"))
    changes = read_plan_workbook(convention, content)
    convention.status = status
    convention.save()
    assert errors(convention, content) == [FROZEN_MESSAGE]
    assert "avenant" in FROZEN_MESSAGE
    before = snapshot(convention)
    with pytest.raises(DomainError, match="avenant"):  # signed between the preview and the confirmation
        services.plan_import(convention, changes, by=UserFactory())
    assert snapshot(convention) == before


def test_a_file_that_is_not_the_plan_workbook_is_refused(preparation_plan):
    convention, *_ = preparation_plan
    assert errors(convention, b"not a workbook") == ["Ce fichier n'est pas un classeur Excel (.xlsx)."]

    def without_plan(workbook):
        workbook["Plan"].title = "Feuil1"

    assert errors(convention, plan_bytes(convention, edit=without_plan)) == ["Le classeur n'a pas de feuille « Plan »."]

    def without_columns(workbook):
        workbook["Plan"]["C1"] = "Numéro d'ordre"
        workbook["Plan"]["E1"] = "Thèmes"

    assert errors(convention, plan_bytes(convention, edit=without_columns)) == [
        "La feuille « Plan » n'a pas de colonne « N° », « Thématique 1 » en ligne 1."]
    assert errors(convention, plan_bytes(convention)) == ["La feuille « Plan » ne contient aucune action."]


def test_headers_are_found_by_their_text_and_missing_optional_columns_keep_the_values(preparation_plan):
    """A short workbook typed by hand: its columns in any order, only some of them."""
    convention, accueil, _ = preparation_plan
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Plan"
    sheet.append(["  intitulé ", "N°", "AXE", "Thématique 1", "Public cible"])
    sheet.append(["Développer l'accueil", 1, "1", "Petite enfance", "Les tout-petits"])
    sheet.append(["Créer une ludothèque", None, "Axe 2 : Parentalité", "Parentalité", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    changes = read_plan_workbook(convention, buffer.getvalue())
    assert changes.lines() == [
        "Action 3 — Créer une ludothèque : créée (axe 2)",
        "Action 1 — Développer l'accueil : thématiques : Petite enfance, Parentalité → Petite enfance ; "
        "public cible : « Familles du territoire » → « Les tout-petits »",
    ]
    services.plan_import(convention, changes, by=UserFactory())
    accueil.refresh_from_db()
    assert accueil.objective is not None and accueil.commune is not None  # columns the workbook did not have
    assert accueil.indicators.count() == 1


def test_more_errors_by_cell(preparation_plan):
    convention, *_ = preparation_plan

    def edit(workbook):
        plan = workbook["Plan"]
        plan["C3"] = "trois"
        plan["W3"] = "x" * 120
        plan.append(["Axe 1", "4", None, "développer  l'accueil", "Enfance"])  # the title of action 1, again
        indicateurs = workbook["Indicateurs"]
        indicateurs.append([None, None, None, "Sans action"])
        indicateurs.append([2, None, None, None, "places"])

    assert errors(convention, plan_bytes(convention, ON, edit=edit)) == [
        "Plan!C3 : numéro « trois » invalide : nombre entier attendu",
        "Plan!W3 : texte de 120 caractères : 100 au plus",
        "Plan!B4 : aucun objectif n°4 dans l'axe 1 : écrivez « 1.4 — intitulé » pour le créer",
        "Plan!D4 : action « développer  l'accueil » déjà présente ligne 2",
        "Indicateurs!A3 : numéro de l'action manquant",
        "Indicateurs!D4 : nom de l'indicateur manquant",
    ]


def test_numbers_and_years_are_bounded_like_the_forms(preparation_plan):
    # A number past what an integer column holds answered 500; a year 9999 was taken.
    convention, *_ = preparation_plan

    def edit(workbook):
        workbook["Plan"]["C3"] = 10**12
        workbook["Plan"]["X3"] = 9999

    assert errors(convention, plan_bytes(convention, ON, edit=edit)) == [
        "Plan!C3 : numéro 1000000000000 hors limites : de 1 à 2147483647",
        "Plan!X3 : année 9999 hors limites : de 1900 à 2200",
    ]
