"""A signed text is never rewritten: once the convention is signed its body, annexes, axes,
objectives and fiches change only through an avenant (« Proposer dans un avenant »), for every
role, in the views and in the services; the fiches a draft avenant proposes stay editable, and so
does what is not contractual (tracking, governance, milestones, bilans)."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import services as plan
from actions.forms import FicheForm, IndicatorFormSet
from actions.models import Fiche, Objective, refresh_current_flags
from conventions.enums import AmendMode, AvenantStatus, ConventionStatus, OperationKind
from conventions.models import Avenant, Convention, Operation
from ctg.errors import DomainError
from tests.actions.helpers import form_data
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    users_for,
)

pytestmark = pytest.mark.django_db

BEFORE_LAST_SIGNATURE = datetime.date(2023, 6, 1)
AFTER_IT = datetime.date(2024, 6, 1)


@pytest.fixture
def convention():
    """Signed on 01/01/2022, amended by avenant n°1 (signed 15/12/2023, in force from 01/01/2024:
    action 2 modified, article 2 completed); avenant n°2 is a draft proposing a new version of
    action 3."""
    today = timezone.localdate()
    convention = ConventionFactory(start=datetime.date(2022, 1, 1), end=today + datetime.timedelta(days=3 * 365),
                                   signed_on=datetime.date(2022, 1, 1), signed_at="Bourg-Achard")
    ArticleFactory(convention=convention, number="1", title="Objet", body="La convention a pour objet…")
    ArticleFactory(convention=convention, number="2", title="Engagements", body="Les partenaires s'engagent…")
    first = AxisFactory(convention=convention, number=1, title="Petite enfance")
    second = AxisFactory(convention=convention, number=2, title="Jeunesse")
    AxisFactory(convention=convention, number=3, title="Axe sans fiche")
    objective = Objective.objects.create(axis=first, number=1, title="Accueillir")
    accueil = FicheFactory(axis=first, objective=objective, number=1, key="accueil", title="Développer l'accueil",
                           themes=["petite_enfance", "parentalite"])
    IndicatorFactory(fiche=accueil, key="places", name="Places créées")
    passerelles = FicheFactory(axis=first, number=2, key="passerelles", title="Créer des passerelles")
    FicheFactory(axis=second, number=3, key="jeunes", title="Accompagner les jeunes", themes=["jeunesse"])
    signed = AvenantFactory(convention=convention, number=1, signed_on=datetime.date(2023, 12, 15),
                            effective_from=datetime.date(2024, 1, 1))
    version = FicheFactory(axis=first, number=2, key="passerelles-avenant-1", title="Créer des passerelles renforcées",
                           avenant=signed, previous_version=passerelles)
    Operation.objects.create(avenant=signed, position=1, op=OperationKind.REPLACE_FICHE, target_fiche=passerelles,
                             fiche=version)
    Operation.objects.create(avenant=signed, position=2, op=OperationKind.AMEND_ARTICLE, article_number="2",
                             mode=AmendMode.COMPLETE, body="Ainsi que sur le SPPE.")
    refresh_current_flags(convention)
    draft = AvenantFactory(convention=convention, number=2, status=AvenantStatus.BROUILLON, signed_on=None,
                           effective_from=today)
    proposed = FicheFactory(axis=second, number=3, key="jeunes-avenant-2", title="Accompagner les jeunes (projet)",
                            avenant=draft, previous_version=convention.fiches.get(key="jeunes"))
    Operation.objects.create(avenant=draft, position=1, op=OperationKind.REPLACE_FICHE,
                             target_fiche=proposed.previous_version, fiche=proposed)
    return convention


@pytest.fixture
def users(convention):
    return users_for(convention)


def shown(convention, on):
    """Everything the convention shows as in force on `on`, as bytes: its articles, annexes and
    end, its axes and objectives, and every fiche in force with all its content."""
    convention = Convention.objects.get(pk=convention.pk)
    state = convention.as_of(on)
    fiches = state.fiches.with_details().prefetch_related("indicators").order_by("number")
    return json.dumps({
        "title": convention.title, "preamble": convention.preamble, "end": str(state.end),
        "visas": list(convention.visas.filter(avenant__isnull=True).values_list("text", flat=True)),
        "articles": [(a.number, a.title, a.body, [str(m) for m in a.amendments]) for a in state.articles],
        "annexes": {n: (t.body, [str(m) for m in t.amendments]) for n, t in state.annex_texts.items()},
        "axes": [(a.number, a.title, [(o.number, o.title) for o in a.objectives.all()])
                 for a in convention.axes.prefetch_related("objectives")],
        "fiches": [{
            **{name: str(getattr(f, name)) for name in Fiche.CONTENT_FIELDS},
            "key": f.key, "themes": f.theme_slugs, "leads": sorted(o.pk for o in f.lead_organisations.all()),
            "indicators": [(i.key, i.name, i.unit, i.baseline, i.target) for i in f.indicators.all()],
        } for f in fiches],
        "equipment": list(state.equipment.values_list("key", "name", "caf_funding")),
    }, ensure_ascii=False, sort_keys=True, default=str).encode()


def endpoints(convention):
    """Every request that edits the plan or the text: (name, url, data, status for an editor)."""
    slug = convention.slug

    def url(name, *args):
        return reverse(name, args=[slug, *args])

    accueil = convention.fiches.get(key="accueil")
    version = convention.fiches.get(key="passerelles-avenant-1")
    replaced = convention.fiches.get(key="passerelles")
    proposed = convention.fiches.get(key="jeunes-avenant-2")
    objective = Objective.objects.get(axis__convention=convention)
    operation = Operation.objects.filter(avenant__number=1, avenant__convention=convention).first()
    rewrite = {"title": "Réécrire l'action", "target_public": "Personne", "themes": ["logement"]}
    return [
        ("fiche signée", url("actions:fiche_edit", accueil.key), form_data(accueil, number="1", **rewrite), 403),
        ("fiche d'un avenant signé", url("actions:fiche_edit", version.key), form_data(version, number="2", **rewrite), 403),
        ("fiche remplacée", url("actions:fiche_edit", replaced.key), form_data(replaced, number="2", **rewrite), 403),
        ("nouvelle fiche", url("actions:fiche_create"), form_data(accueil, number="9", **rewrite), 403),
        ("déplacer une fiche", url("actions:fiche_move", accueil.key), {"direction": "down"}, 403),
        ("organiser le plan", url("actions:structure"), None, 403),
        ("nouvel axe", url("actions:axis_create"), {"new-axis-title": "Axe ajouté"}, 403),
        ("renommer un axe", url("actions:axis_edit", 1), {"title": "Axe renommé"}, 403),
        ("déplacer un axe", url("actions:axis_move", 2), {"direction": "up"}, 403),
        ("supprimer un axe", url("actions:axis_delete", 3), {}, 403),
        ("nouvel objectif", url("actions:objective_create", 1), {"new-objective-title": "Objectif ajouté"}, 403),
        ("renommer un objectif", url("actions:objective_edit", objective.pk), {"title": "Objectif renommé"}, 403),
        ("supprimer un objectif", url("actions:objective_delete", objective.pk), {}, 403),
        ("modifier un avenant signé", url("conventions:avenant_edit", 1),
         {"title": "Réécrit", "effective_from": "2022-06-01", "visas": "", "articles-TOTAL_FORMS": "0",
          "articles-INITIAL_FORMS": "0"}, 403),
        ("signer à nouveau un avenant signé", url("conventions:avenant_sign", 1),
         {"signed_on": "2022-06-01", "signed_at": "Ailleurs"}, 403),
        ("opération sur un avenant signé", url("conventions:operation_add", 1, "modifier-article"),
         {"modifier-article-article_number": "1", "modifier-article-mode": "replace", "modifier-article-body": "X"}, 403),
        ("retirer une opération signée", url("conventions:operation_delete", 1, operation.pk), {}, 403),
        ("déplacer une opération signée", url("conventions:operation_move", 1, operation.pk), {"direction": "down"}, 403),
        ("réécrire l'article 1 d'un avenant signé", url("conventions:avenant_object_article", 1), {}, 403),
        ("signer à nouveau la convention", url("conventions:signature"),
         {"signed_on": "2023-01-01", "signed_at": "Ailleurs"}, 403),
        ("validation de la Caf après signature", url("conventions:caf_validation"),
         {"caf_validation_body": "Conseil", "caf_validation_on": "2022-01-01"}, 403),
        # Allowed, and still without effect on what was signed: a draft avenant is never applied.
        ("fiche proposée par un brouillon", url("actions:fiche_edit", proposed.key),
         form_data(proposed, number="3", **rewrite), 302),
        ("proposer dans un avenant", url("conventions:fiche_propose", accueil.key), {}, 302),
        ("proposer un article dans un avenant", url("conventions:text_propose", "article", "2"), {}, 302),
        ("proposer une annexe dans un avenant", url("conventions:text_propose", "annexe", "5"), {}, 302),
        ("opération sur le brouillon", url("conventions:operation_add", 2, "modifier-article"),
         {"modifier-article-article_number": "1", "modifier-article-mode": "replace", "modifier-article-body": "Y"}, 302),
    ]


@pytest.mark.parametrize("role", ["caf", "coordinateur", "elu", "outsider"])
def test_no_action_of_any_role_changes_what_the_convention_shows_before_its_last_signature(client, convention,
                                                                                           users, role):
    before, after = shown(convention, BEFORE_LAST_SIGNATURE), shown(convention, AFTER_IT)
    client.force_login(users[role])
    for name, url, data, editor_status in endpoints(convention):
        response = client.get(url) if data is None else client.post(url, data)
        expected = {"caf": editor_status, "coordinateur": editor_status, "elu": 403, "outsider": 404}[role]
        if name in ("signer à nouveau un avenant signé", "signer à nouveau la convention",
                    "validation de la Caf après signature") and role == "coordinateur":
            expected = 403  # only the Caf signs
        assert response.status_code == expected, name
        assert shown(convention, BEFORE_LAST_SIGNATURE) == before, name
        assert shown(convention, AFTER_IT) == after, name


def test_a_refusal_says_why_in_french(client, convention, users):
    client.force_login(users["coordinateur"])
    accueil = convention.fiches.get(key="accueil")
    response = client.post(reverse("actions:fiche_edit", args=[convention.slug, accueil.key]), form_data(accueil))
    assert response.status_code == 403
    assert ("La convention est signée : son texte, ses annexes et son plan d&#x27;actions ne changent plus que par "
            "avenant.") in response.content.decode()
    response = client.post(reverse("actions:fiche_edit", args=[convention.slug, "passerelles"]), form_data(accueil))
    assert "Cette version de la fiche n&#x27;est plus en vigueur : elle fait partie de l&#x27;historique." in (
        response.content.decode())


def test_the_services_refuse_too(convention, users):
    caf = users["caf"]
    axis = convention.axes.get(number=1)
    objective = Objective.objects.get(axis=axis)
    accueil = convention.fiches.get(key="accueil")
    before = shown(convention, BEFORE_LAST_SIGNATURE)
    for call in [
        lambda: plan.axis_create(convention, "Axe", by=caf),
        lambda: plan.axis_rename(axis, "Axe renommé", by=caf),
        lambda: plan.axis_move(axis, 1, by=caf),
        lambda: plan.axis_delete(convention.axes.get(number=3), by=caf),
        lambda: plan.objective_create(axis, "Objectif", by=caf),
        lambda: plan.objective_rename(objective, "Objectif renommé", by=caf),
        lambda: plan.objective_delete(objective, by=caf),
        lambda: plan.fiche_move(accueil, 1, by=caf),
    ]:
        with pytest.raises(DomainError, match="La convention est signée"):
            call()
    data = form_data(accueil, title="Réécrire", number="1")
    form = FicheForm(data, instance=accueil, convention=convention)
    indicators = IndicatorFormSet(data, instance=accueil, prefix="indicators")
    assert form.is_valid() and indicators.is_valid()
    with pytest.raises(DomainError, match="La convention est signée"):
        plan.fiche_save(form, indicators, by=caf)
    assert shown(convention, BEFORE_LAST_SIGNATURE) == before


@pytest.mark.parametrize("role", ["caf", "coordinateur"])
def test_a_signed_fiche_offers_to_propose_its_change_in_an_avenant(client, convention, users, role):
    client.force_login(users[role])
    page = client.get(reverse("actions:fiche", args=[convention.slug, "accueil"])).content.decode()
    assert "Modifier la fiche" not in page
    assert "Proposer dans l&#x27;avenant n°2" in page or "Proposer dans l'avenant n°2" in page
    assert "Fiche signée" in page
    proposed = client.get(reverse("actions:fiche", args=[convention.slug, "jeunes-avenant-2"])).content.decode()
    assert "Modifier la fiche" in proposed


def test_an_elu_sees_neither_modify_nor_propose(client, convention, users):
    client.force_login(users["elu"])
    page = client.get(reverse("actions:fiche", args=[convention.slug, "accueil"])).content.decode()
    assert "Modifier la fiche" not in page and "Proposer dans" not in page


def test_proposing_opens_the_editor_on_a_draft_version_and_creates_the_draft_avenant_if_needed(client, convention,
                                                                                             users):
    Avenant.objects.filter(convention=convention, number=2).delete()
    client.force_login(users["coordinateur"])
    accueil = convention.fiches.get(key="accueil")
    page = client.get(reverse("actions:fiche", args=[convention.slug, "accueil"])).content.decode()
    assert "Proposer dans un avenant" in page
    response = client.post(reverse("conventions:fiche_propose", args=[convention.slug, "accueil"]))
    draft = convention.avenants.get(number=2)
    assert (draft.status, draft.effective_from) == (AvenantStatus.BROUILLON, timezone.localdate())
    version = Fiche.objects.get(previous_version=accueil, avenant=draft)
    assert response.status_code == 302
    assert response.url == reverse("actions:fiche_edit", args=[convention.slug, version.key])
    editor = client.get(response.url)
    assert editor.status_code == 200 and editor.context["form"]["title"].value() == "Développer l'accueil"
    assert [i.name for i in version.indicators.all()] == ["Places créées"]
    assert client.post(response.url, form_data(version, number="1", title="Développer l'accueil renforcé")).status_code == 302
    # Proposing again reopens the same version, in the same draft.
    again = client.post(reverse("conventions:fiche_propose", args=[convention.slug, "accueil"]))
    assert again.url == response.url and convention.avenants.count() == 2
    accueil.refresh_from_db()
    assert accueil.title == "Développer l'accueil"


@pytest.mark.parametrize(("part", "number", "field"), [("article", "2", "article_number"), ("annexe", "5", "annex")])
def test_proposing_an_article_or_an_annexe_opens_its_operation_filled_with_the_text_in_force(
        client, convention, users, part, number, field):
    Avenant.objects.filter(convention=convention, number=2).delete()
    convention.governance_text = "Un comité de pilotage se réunit une fois par an."
    convention.save()
    client.force_login(users["coordinateur"])
    page = client.get(reverse("conventions:detail" if part == "article" else "conventions:annexes",
                              args=[convention.slug])).content.decode()
    assert reverse("conventions:text_propose", args=[convention.slug, part, number]) in page
    response = client.post(reverse("conventions:text_propose", args=[convention.slug, part, number]))
    draft = convention.avenants.get(status=AvenantStatus.BROUILLON)
    assert response.status_code == 302 and response.url.startswith(
        reverse("conventions:avenant", args=[convention.slug, draft.number]))
    opened = client.get(response.url)
    kind = "modifier-article" if part == "article" else "modifier-annexe"
    assert opened.context["open_form"] == kind
    form = opened.context["operation_forms"][kind][1]
    in_force = ("Les partenaires s'engagent…\n\nAinsi que sur le SPPE." if part == "article"
                else "Un comité de pilotage se réunit une fois par an.")
    assert (str(form[field].value()), form["mode"].value(), form["body"].value()) == (number, AmendMode.REPLACE, in_force)
    # Proposing again reuses the draft; nothing applies before its signature.
    before = shown(convention, AFTER_IT)
    client.post(reverse("conventions:text_propose", args=[convention.slug, part, number]))
    client.post(reverse("conventions:operation_add", args=[convention.slug, draft.number, kind]),
                {f"{kind}-{field}": number, f"{kind}-mode": "replace", f"{kind}-body": "Texte proposé."})
    assert convention.avenants.count() == 2 and draft.operations.count() == 1
    assert shown(convention, AFTER_IT) == before


def test_an_elu_is_not_offered_to_propose_an_article(client, convention, users):
    client.force_login(users["elu"])
    page = client.get(reverse("conventions:detail", args=[convention.slug])).content.decode()
    assert "Proposer dans un avenant" not in page
    assert client.post(reverse("conventions:text_propose", args=[convention.slug, "article", "1"])).status_code == 403


def test_an_unknown_article_or_annexe_is_not_found(client, convention, users):
    client.force_login(users["caf"])
    for part, number in [("article", "99"), ("annexe", "8"), ("chapitre", "1")]:
        assert client.post(reverse("conventions:text_propose", args=[convention.slug, part, number])).status_code == 404


def test_the_signed_plan_shows_no_direct_editing(client, convention, users):
    client.force_login(users["caf"])
    content = client.get(reverse("actions:plan", args=[convention.slug])).content.decode()
    assert "Nouvelle fiche action" not in content and "Organiser les axes" not in content
    assert "Plan d'actions signé" in content and "Rédiger un avenant" in content


def test_a_convention_in_preparation_is_edited_directly_not_by_avenant(client, users):
    convention = ConventionFactory(status=ConventionStatus.PREPARATION, signed_on=None)
    client.force_login(users_for(convention)["caf"])
    response = client.get(reverse("conventions:avenant_create", args=[convention.slug]))
    assert response.status_code == 403
    assert "un avenant ne modifie qu&#x27;une convention signée" in response.content.decode()
    assert "Rédiger un avenant" not in client.get(convention.get_absolute_url()).content.decode()


def test_only_the_caf_signs_an_avenant(client, convention, users):
    data = {"signed_on": "2026-12-01", "signed_at": "Bourg-Achard"}
    url = reverse("conventions:avenant_sign", args=[convention.slug, 2])
    client.force_login(users["coordinateur"])
    assert "Signer l&#x27;avenant" not in client.get(reverse("conventions:avenant", args=[convention.slug, 2])).content.decode()
    assert client.post(url, data).status_code == 403
    assert convention.avenants.get(number=2).status == AvenantStatus.BROUILLON
    client.force_login(users["caf"])
    assert client.post(url, data).status_code == 302
    assert convention.avenants.get(number=2).status == AvenantStatus.SIGNE


def test_what_is_not_contractual_stays_editable_after_signature(client, convention, users):
    client.force_login(users["coordinateur"])
    period = "2026-T4"
    response = client.post(reverse("actions:tracking_row", args=[convention.slug, period, "accueil"]),
                           {"accueil-status": "en_cours", "accueil-progress": "50", "accueil-comment": "Avance."})
    assert response.status_code == 302
    assert convention.fiches.get(key="accueil").updates.get(period=period).progress == 50
    assert client.post(reverse("evaluation:generate", args=[convention.slug])).status_code == 302
    assert convention.milestones.exists()
    for name in ["governance:body_create", "governance:officers"]:
        assert client.get(reverse(name, args=[convention.slug])).status_code == 200, name
