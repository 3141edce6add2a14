"""Plan d'actions and fiches: filters, coverage, writing, concurrent edits, structure, per role."""

import datetime

import pytest
from django.urls import reverse

from actions.models import Fiche, Objective, refresh_current_flags
from conventions.enums import ConventionStatus, OperationKind
from conventions.models import Commune, Operation
from tests.actions.helpers import form_data
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
    collectivite_of,
)
from tests.helpers import page_form, table_rows, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    # The plan is written while the convention is in préparation; once signed it is frozen
    # (tests/actions/test_frozen_plan.py).
    convention = ConventionFactory(status=ConventionStatus.PREPARATION, signed_on=None)
    axis = AxisFactory(convention=convention, number=1, title="Petite enfance et parentalité")
    AxisFactory(convention=convention, number=2, title="Jeunesse")
    commune = Commune.objects.create(convention=convention, name="Bourg-Achard", insee="27103")
    passerelles = FicheFactory(axis=axis, number=1, key="passerelles", title="Développer les passerelles",
                               themes=["petite_enfance", "enfance"], nature=["experimentale"])
    passerelles.lead_organisations.add(collectivite_of(convention))
    UpdateFactory(fiche=passerelles, period="2026-T1", status="en_cours")
    FicheFactory(axis=axis, number=2, key="laep", title="Créer un lieu d'accueil enfants-parents",
                 themes=["parentalite"], nature=["nouvelle"], commune=commune, lead="Centre social de Bourg-Achard")
    return convention


def plan_url(convention):
    return reverse("actions:plan", args=[convention.slug])


def titles(response):
    return [f.title for _, fiches in response.context["axes"] for f in fiches]


def test_the_plan_shows_each_actions_latest_update(client, convention, users):
    """The newest quarter of each action, whatever the order they were written in; « Aucun suivi »
    for an action without any."""
    passerelles = convention.fiches.get(key="passerelles")
    UpdateFactory(fiche=passerelles, period="2026-T2", status="realisee", progress=100)
    UpdateFactory(fiche=passerelles, period="2025-T4", status="non_demarree", progress=0)
    client.force_login(users["caf"])
    rows = [" | ".join(row) for row in table_rows(client.get(plan_url(convention)).content.decode())]
    assert "Réalisée 2026-T2 · 100 %" in next(row for row in rows if "Développer les passerelles" in row)
    assert "Aucun suivi" in next(row for row in rows if "enfants-parents" in row)


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["Développer les passerelles", "Créer un lieu d'accueil enfants-parents"]),
        ({"theme": "parentalite"}, ["Créer un lieu d'accueil enfants-parents"]),
        ({"status": "en_cours"}, ["Développer les passerelles"]),
        ({"status": "aucun"}, ["Créer un lieu d'accueil enfants-parents"]),
        ({"nature": "experimentale"}, ["Développer les passerelles"]),
        ({"commune": "27103"}, ["Créer un lieu d'accueil enfants-parents"]),
        ({"commune": "intercommunal"}, ["Développer les passerelles"]),
        ({"q": "centre social"}, ["Créer un lieu d'accueil enfants-parents"]),
    ],
)
def test_plan_filters(client, convention, users, query, expected):
    client.force_login(users["elu"])
    assert titles(client.get(plan_url(convention), query)) == expected


def test_plan_follows_the_chosen_date(client, convention, users):
    old = convention.fiches.get(key="passerelles")
    avenant = AvenantFactory(convention=convention, number=2, effective_from=datetime.date(2025, 12, 15))
    new = FicheFactory(axis=old.axis, number=old.number, key="passerelles-2026", avenant=avenant,
                       previous_version=old, title="Développer les passerelles entre structures")
    Operation.objects.create(avenant=avenant, op=OperationKind.REPLACE_FICHE, target_fiche=old, fiche=new)
    client.force_login(users["elu"])
    plan = reverse("actions:plan", args=[convention.slug])
    before = client.get(plan, {"date": "2025-12-14"}).content.decode()
    after = client.get(plan, {"date": "2025-12-16"}).content.decode()
    assert "entre structures" not in before and "entre structures" in after
    fiche_page = client.get(reverse("actions:fiche", args=[convention.slug, "passerelles"]), {"date": "2025-12-16"})
    assert "Remplacée par l'avenant n°2" in fiche_page.content.decode()


def test_filter_by_pilot_organisation(client, convention, users):
    client.force_login(users["caf"])
    pilot = collectivite_of(convention).pk
    assert titles(client.get(plan_url(convention), {"pilot": pilot})) == ["Développer les passerelles"]


def test_htmx_filter_returns_only_the_results_region(client, convention, users):
    client.force_login(users["coordinateur"])
    response = client.get(plan_url(convention), {"theme": "parentalite"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="plan-results"')
    assert "Créer un lieu d" in content and "Développer les passerelles" not in content
    assert "<html" not in content


def test_coverage_flags_missing_mandatory_and_complementary_themes(client, convention, users):
    client.force_login(users["elu"])
    response = client.get(plan_url(convention))
    problems = response.context["coverage"]["problems"]
    assert any("Thématique obligatoire absente : jeunesse" in p for p in problems)
    assert any("accès aux droits ou l'animation de la vie sociale" in p for p in problems)
    assert any("ne couvre que les 4 thématiques obligatoires" in p for p in problems)
    counts = {row["theme"]: row["count"] for row in response.context["coverage"]["rows"]}
    assert counts["petite_enfance"] == 1 and counts["parentalite"] == 1 and counts["jeunesse"] == 0


def test_coverage_satisfied(client, convention, users):
    axis = convention.axes.first()
    FicheFactory(axis=axis, themes=["jeunesse", "acces_aux_droits"])
    client.force_login(users["elu"])
    assert client.get(plan_url(convention)).context["coverage"]["problems"] == []


def test_the_theme_box_lists_each_theme_once_and_autre_is_no_theme(client, convention, users):
    axis = convention.axes.first()
    FicheFactory(axis=axis, themes=["jeunesse", "acces_aux_droits", "logement"])
    FicheFactory(axis=axis, themes=["autre"])
    client.force_login(users["elu"])
    page = text(client.get(plan_url(convention)))
    box = page[page.index('id="couverture"'):page.index("</section>", page.index('id="couverture"'))]
    assert box.count("Accès aux droits") == 1
    assert "Autres thématiques couvertes : Logement." in box
    convention.fiches.filter(theme_links__theme="logement").delete()
    problems = client.get(plan_url(convention)).context["coverage"]["problems"]
    assert any("ne couvre que les 4 thématiques obligatoires" in p for p in problems)  # « Autre » widens nothing
    assert "Autres thématiques couvertes" not in text(client.get(plan_url(convention)))


def edit_url(fiche):
    return reverse("actions:fiche_edit", args=[fiche.convention.slug, fiche.key])


@pytest.mark.parametrize("role, status", [("caf", 302), ("coordinateur", 302), ("elu", 403), ("outsider", 404)])
def test_edit_permissions(client, convention, users, role, status):
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users[role])
    assert client.post(edit_url(fiche), form_data(fiche)).status_code == status
    fiche.refresh_from_db()
    changed = fiche.title == "Développer les passerelles entre structures"
    assert changed == (status == 302)


@pytest.mark.parametrize("role, visible", [("caf", True), ("coordinateur", True), ("elu", False)])
def test_edit_controls_only_for_editors(client, convention, users, role, visible):
    client.force_login(users[role])
    fiche_page = client.get(reverse("actions:fiche", args=[convention.slug, "passerelles"])).content.decode()
    plan_page = client.get(plan_url(convention)).content.decode()
    assert ("Modifier la fiche" in fiche_page) == visible
    assert ("Nouvelle fiche action" in plan_page) == visible


def test_edit_with_indicators_and_history(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users["coordinateur"])
    data = form_data(fiche, **{
        "indicators-TOTAL_FORMS": "1", "indicators-0-name": "Nombre de formations", "indicators-0-unit": "nombre",
        "indicators-0-baseline": "0", "indicators-0-target": "4",
    })
    response = client.post(edit_url(fiche), data)
    assert response.status_code == 302
    fiche.refresh_from_db()
    assert fiche.history.count() == 2 and fiche.indicators.get().key == "nombre-de-formations"
    page = client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])).content.decode()
    assert "Nombre de formations" in page
    assert "Historique des modifications" in page and users["coordinateur"].username in page
    assert "Développer les passerelles entre structures" in page


def test_history_shows_theme_and_indicator_changes(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users["caf"])
    one_indicator = {
        "indicators-TOTAL_FORMS": "1", "indicators-0-name": "Nombre de formations", "indicators-0-unit": "nombre",
        "indicators-0-baseline": "0", "indicators-0-target": "4",
    }
    assert client.post(edit_url(fiche), form_data(fiche, **one_indicator)).status_code == 302
    fiche.refresh_from_db()
    indicator = fiche.indicators.get()
    # Second edit: a theme more, the target raised; nothing else.
    assert client.post(edit_url(fiche), form_data(fiche, themes=["enfance", "jeunesse"], **{
        **one_indicator, "indicators-INITIAL_FORMS": "1", "indicators-0-id": str(indicator.pk),
        "indicators-0-target": "6,5",  # typed the French way
    })).status_code == 302
    [latest, *_] = client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])).context["history"]
    assert [(c.label, c.old, c.new) for c in latest["changes"]] == [
        ("Thématiques", "Enfance", "Enfance, Jeunesse"),
        ("Indicateurs chiffrés", "Nombre de formations (nombre) : départ 0, cible 4",
         "Nombre de formations (nombre) : départ 0, cible 6,5"),
    ]


def test_history_compares_themes_across_a_move_and_keeps_every_digit(client, convention, users):
    """A move writes history without thématiques or indicators; the next edit is still compared
    with the last ones recorded. Large values are written in full."""
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users["caf"])
    indicator_row = {"indicators-TOTAL_FORMS": "1", "indicators-0-name": "Habitants couverts",
                     "indicators-0-baseline": "1234567", "indicators-0-target": ""}
    assert client.post(edit_url(fiche), form_data(fiche, **indicator_row)).status_code == 302
    client.post(reverse("actions:fiche_move", args=[convention.slug, "laep"]), {"direction": "up"})
    fiche.refresh_from_db()
    assert fiche.number == 2  # the move wrote a record of its own
    indicator = fiche.indicators.get()
    assert client.post(edit_url(fiche), form_data(fiche, number="2", themes=["enfance", "jeunesse"], **{
        **indicator_row, "indicators-INITIAL_FORMS": "1", "indicators-0-id": str(indicator.pk),
        "indicators-0-baseline": "1234568",
    })).status_code == 302
    [latest, *_] = client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])).context["history"]
    assert [(c.label, c.old, c.new) for c in latest["changes"]] == [
        ("Thématiques", "Enfance", "Enfance, Jeunesse"),
        ("Indicateurs chiffrés", "Habitants couverts : départ 1234567, cible —",
         "Habitants couverts : départ 1234568, cible —"),
    ]


def test_errors_keep_the_typing_and_explain_in_french(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users["caf"])
    data = form_data(fiche, number="2", themes=[], start_year="2027", end_year="2026",
                     target_public="Texte saisi à conserver")
    response = client.post(edit_url(fiche), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Le numéro 2 est déjà celui de l&#x27;action « Créer un lieu d&#x27;accueil enfants-parents »" in content
    assert "L&#x27;année de fin précède l&#x27;année de début." in content
    assert "Ce champ est obligatoire." in content
    assert "Texte saisi à conserver" in content
    fiche.refresh_from_db()
    assert fiche.title == "Développer les passerelles" and fiche.history.count() == 1


def test_an_objective_of_another_axis_is_refused_at_its_field(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    jeunesse = convention.axes.get(number=2)
    objective = Objective.objects.create(axis=jeunesse, number=1, title="Accompagner les 16-25 ans")
    client.force_login(users["caf"])
    response = client.post(edit_url(fiche), form_data(fiche, objective=str(objective.pk)))
    assert response.status_code == 200
    assert response.context["form"].errors["objective"] == ["Cet objectif appartient à l'axe 2, pas à l'axe 1."]
    fiche.refresh_from_db()
    assert fiche.objective is None


def test_title_without_verb_gets_a_hint_but_saves(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users["caf"])
    response = client.post(edit_url(fiche), form_data(fiche, title="Passerelles entre structures"), follow=True)
    fiche.refresh_from_db()
    assert fiche.title == "Passerelles entre structures"
    assert "commence d&#x27;ordinaire par un verbe" in response.content.decode()


def test_second_concurrent_save_is_refused_with_the_changes_shown(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    first, second = client, client.__class__()
    first.force_login(users["caf"])
    users["coordinateur"].first_name, users["coordinateur"].last_name = "Claire", "Durand"
    users["coordinateur"].save()
    second.force_login(users["coordinateur"])
    mine = page_form(second.get(edit_url(fiche)), "title")
    theirs = page_form(first.get(edit_url(fiche)), "title")
    theirs["target_public"] = "Version de la Caf"
    assert first.post(edit_url(fiche), theirs).status_code == 302

    mine["target_public"] = "Version du coordinateur"
    response = second.post(edit_url(fiche), mine)
    page = text(response)
    assert response.status_code == 409
    assert "Modifié entre-temps par" in page and users["caf"].username in page
    assert "Version de la Caf" in page and "Version du coordinateur" in page
    fiche.refresh_from_db()
    assert fiche.target_public == "Version de la Caf"
    # Saving again, having read the other version, is a deliberate choice.
    assert second.post(edit_url(fiche), page_form(response, "title")).status_code == 302
    fiche.refresh_from_db()
    assert fiche.target_public == "Version du coordinateur"


def test_a_concurrent_save_of_other_fields_is_merged(client, convention, users):
    """Each keeps what they changed: the second save takes the fields it did not touch as stored."""
    fiche = convention.fiches.get(key="passerelles")
    indicator = IndicatorFactory(fiche=fiche, name="Places créées", target=10)
    first, second = client, client.__class__()
    first.force_login(users["caf"])
    second.force_login(users["coordinateur"])
    mine = page_form(second.get(edit_url(fiche)), "title")
    theirs = page_form(first.get(edit_url(fiche)), "title")
    theirs.update({"target_public": "Version de la Caf", "themes": ["enfance", "jeunesse"], "indicators-0-target": "12"})
    assert first.post(edit_url(fiche), theirs).status_code == 302

    mine.update({"partners": "Caf, Éducation nationale", "schedule": "2026-2027"})
    response = second.post(edit_url(fiche), mine, follow=True)
    assert response.redirect_chain and "Modifié entre-temps par" in text(response)
    fiche.refresh_from_db()
    assert (fiche.target_public, fiche.partners, fiche.schedule) == ("Version de la Caf", "Caf, Éducation nationale", "2026-2027")
    assert fiche.theme_slugs == ["enfance", "jeunesse"]
    indicator.refresh_from_db()
    assert indicator.target == 12

def test_create_fiche(client, convention, users):
    client.force_login(users["coordinateur"])
    data = form_data(None, title="Structurer la gouvernance de la CTG", number="3", themes=["autre"])
    response = client.post(reverse("actions:fiche_create", args=[convention.slug]), data)
    fiche = Fiche.objects.get(title="Structurer la gouvernance de la CTG")
    assert response.status_code == 302 and response.url == fiche.get_absolute_url()
    assert fiche.is_current and fiche.key == "structurer-la-gouvernance-de-la-ctg" and fiche.theme_slugs == ["autre"]


def test_add_indicator_row_without_javascript_keeps_the_typing(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users["caf"])
    response = client.post(edit_url(fiche), form_data(fiche, add_indicator="1", target_public="Ma saisie"))
    assert response.status_code == 200
    assert response.context["indicators"].total_form_count() == 1
    assert "Ma saisie" in response.content.decode()


def indicator_rows(fiche, rows):
    """The indicators formset as the fiche form posts it: (pk or None, name, target) per row."""
    data = {"indicators-TOTAL_FORMS": str(len(rows)),
            "indicators-INITIAL_FORMS": str(sum(pk is not None for pk, _, _ in rows))}
    for i, (pk, name, target) in enumerate(rows):
        data.update({f"indicators-{i}-id": str(pk or ""), f"indicators-{i}-name": name,
                     f"indicators-{i}-target": target, f"indicators-{i}-baseline": "0"})
    return data


def test_a_new_indicator_comes_last_and_stays_there_across_edits(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    client.force_login(users["caf"])

    def save(rows):
        fiche.refresh_from_db()
        assert client.post(edit_url(fiche), form_data(fiche, **indicator_rows(fiche, rows))).status_code == 302
        page = text(client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])))
        shown = [name for name in ("Familles", "Ateliers", "Enfants") if f"{name}</" in page]
        return sorted(shown, key=lambda name: page.index(f"{name}</"))

    assert save([(None, "Familles", "10"), (None, "Ateliers", "4")]) == ["Familles", "Ateliers"]
    familles, ateliers = fiche.indicators.order_by("position")
    assert save([(familles.pk, "Familles", "10"), (ateliers.pk, "Ateliers", "4"), (None, "Enfants", "30")]) == [
        "Familles", "Ateliers", "Enfants"]
    enfants = fiche.indicators.get(name="Enfants")
    assert save([(familles.pk, "Familles", "12"), (ateliers.pk, "Ateliers", "4"), (enfants.pk, "Enfants", "30")]) == [
        "Familles", "Ateliers", "Enfants"]


def test_htmx_indicator_row_carries_the_new_total(client, convention, users):
    client.force_login(users["caf"])
    url = reverse("actions:indicator_row", args=[convention.slug])
    content = client.get(url, {"indicators-TOTAL_FORMS": "2"}, headers={"HX-Request": "true"}).content.decode()
    assert 'name="indicators-2-name"' in content
    assert 'name="indicators-TOTAL_FORMS" value="3"' in content and 'hx-swap-oob="true"' in content
    client.force_login(users["elu"])
    assert client.get(url).status_code == 403


def test_markdown_preview_is_sanitised(client, convention, users):
    client.force_login(users["caf"])
    url = reverse("actions:markdown_preview", args=[convention.slug])
    content = client.post(url, {"field": "funding", "funding": "**Caf** <script>alert(1)</script>"}).content.decode()
    assert "<strong>Caf</strong>" in content and "<script>" not in content


TEXT_FIELDS = ["title", "initial_diagnosis", "target_public", "operational_objectives", "implementation", "lead",
               "partners", "expected_results", "evaluation_indicators", "funding", "referents", "schedule"]


def test_script_typed_in_any_field_never_reaches_a_page_as_markup(client, convention, users):
    fiche = convention.fiches.get(key="passerelles")
    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    Fiche.objects.filter(pk=fiche.pk).update(**{name: f"Créer {payload}" for name in TEXT_FIELDS})
    IndicatorFactory(fiche=fiche, name=payload)
    client.force_login(users["caf"])
    for url in [plan_url(convention), reverse("actions:fiche", args=[convention.slug, fiche.key]), edit_url(fiche),
                reverse("actions:structure", args=[convention.slug])]:
        content = client.get(url).content.decode()
        assert "<script>alert" not in content and "<img src=x" not in content, url


def test_axes_and_objectives_lifecycle(client, convention, users):
    client.force_login(users["caf"])
    slug = convention.slug
    client.post(reverse("actions:axis_create", args=[slug]), {"new-axis-title": "Accès aux droits"})
    assert list(convention.axes.values_list("number", "title")) == [
        (1, "Petite enfance et parentalité"), (2, "Jeunesse"), (3, "Accès aux droits")]
    client.post(reverse("actions:axis_edit", args=[slug, 3]), {"title": "Accès aux droits et inclusion"})
    client.post(reverse("actions:objective_create", args=[slug, 3]), {"new-objective-title": "Informer les familles"})
    objective = Objective.objects.get(axis__number=3, axis__convention=convention)
    assert objective.number == 1 and objective.axis.title == "Accès aux droits et inclusion"
    client.post(reverse("actions:objective_delete", args=[slug, objective.pk]))
    assert not Objective.objects.filter(pk=objective.pk).exists()
    response = client.post(reverse("actions:axis_delete", args=[slug, 1]), follow=True)
    assert "contient encore 2 fiches action" in response.content.decode()
    assert convention.axes.count() == 3
    client.post(reverse("actions:axis_delete", args=[slug, 2]))
    assert list(convention.axes.values_list("number", flat=True)) == [1, 2]


def test_the_axes_count_the_fiches_of_the_plan_not_the_abrogated_ones(client, convention, users):
    avenant = AvenantFactory(convention=convention, effective_from=datetime.date(2025, 1, 1))
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ABROGATE_FICHE,
                             target_fiche=convention.fiches.get(key="laep"))
    refresh_current_flags(convention)
    client.force_login(users["caf"])
    page = text(client.get(reverse("actions:structure", args=[convention.slug])))
    assert "Axe 1</strong> — Petite enfance et parentalité <span class=\"muted small\">(1 fiche, 0 objectifs)" in page


def test_moving_an_axis_renumbers_the_actions(client, convention, users):
    jeunesse = convention.axes.get(number=2)
    FicheFactory(axis=jeunesse, number=3, key="jeunes", title="Accompagner les jeunes")
    client.force_login(users["caf"])
    client.post(reverse("actions:axis_move", args=[convention.slug, 2]), {"direction": "up"})
    numbers = dict(convention.fiches.values_list("key", "number"))
    assert numbers == {"jeunes": 1, "passerelles": 2, "laep": 3}
    assert convention.axes.get(title="Jeunesse").number == 1


def test_moving_a_fiche_swaps_numbers_within_its_axis(client, convention, users):
    client.force_login(users["coordinateur"])
    client.post(reverse("actions:fiche_move", args=[convention.slug, "laep"]), {"direction": "up"})
    assert dict(convention.fiches.values_list("key", "number")) == {"laep": 1, "passerelles": 2}
    response = client.post(reverse("actions:fiche_move", args=[convention.slug, "laep"]), {"direction": "up"}, follow=True)
    assert "déjà à cette extrémité" in response.content.decode()


@pytest.mark.parametrize("name", ["actions:structure", "actions:fiche_create"])
def test_structure_pages_per_role(client, convention, users, name):
    url = reverse(name, args=[convention.slug])
    for role, status in [("caf", 200), ("coordinateur", 200), ("elu", 403), ("outsider", 404)]:
        client.force_login(users[role])
        assert client.get(url).status_code == status, role
