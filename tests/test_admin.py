"""The Django admin: every model reachable, pages answer, inlines, searches, constant queries."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.checks import run_checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.models import HistoricalChanges

from actions.models import Fiche, IndicatorValue, Objective, Update
from conventions.enums import AvenantStatus, OperationKind, OrganisationKind
from conventions.models import (
    Article,
    Avenant,
    Commune,
    Convention,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Operation,
    Organisation,
    SppeRow,
    Visa,
)
from documents.models import GeneratedDocument
from evaluation.enums import MilestoneStatus
from evaluation.models import Bilan, Milestone
from governance.models import AgendaItem, CooperationOfficer, Decision, Member, Participant
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    AxisFactory,
    BodyFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    MeetingFactory,
    MilestoneFactory,
    UpdateFactory,
    collectivite_of,
    users_for,
)

pytestmark = pytest.mark.django_db

APPS = ["conventions", "actions", "governance", "evaluation", "documents"]


def build_plan():
    """A convention holding a row of every model of the four apps."""
    convention = ConventionFactory()
    local = collectivite_of(convention)
    users_for(convention)
    Commune.objects.create(convention=convention, name="Bourg-Achard", insee="27089", population=2900)
    Visa.objects.create(convention=convention, text="Vu les articles L. 263-1 et suivants du code de la sécurité sociale")
    ArticleFactory(convention=convention, number="1", title="Objet de la convention")

    axis = AxisFactory(convention=convention)
    objective = Objective.objects.create(axis=axis, number=1, title="Mieux informer les familles")
    fiche = FicheFactory(axis=axis, objective=objective, title="Créer un guichet unique des familles",
                         themes=["enfance", "parentalite"])
    fiche.lead_organisations.add(local)
    indicator = IndicatorFactory(fiche=fiche, name="Familles accompagnées")
    update = UpdateFactory(fiche=fiche, period="2026-T1")
    IndicatorValue.objects.create(update=update, indicator=indicator, value=12)

    avenant = AvenantFactory(convention=convention, number=1)
    Visa.objects.create(convention=convention, avenant=avenant, text="Vu la convention signée le 1er janvier 2022")
    Article.objects.create(convention=convention, avenant=avenant, number="1", title="Modifications apportées")
    new = FicheFactory(axis=axis, avenant=avenant, previous_version=fiche, title="Créer un guichet unique élargi")
    equipment = Equipment.objects.create(convention=convention, key="rpe", kind="rpe", name="RPE du Roumois",
                                         funded_by=local, caf_funding=12000)
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.REPLACE_FICHE, target_fiche=fiche, fiche=new)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.ABROGATE_EQUIPMENT,
                             target_equipment=equipment)

    DiagnosisIndicator.objects.create(convention=convention, territory="27089", level="commune",
                                      indicator="Naissances", year=2024, value=31)
    DiagnosisIssue.objects.create(convention=convention, text="Renforcer l'offre d'accueil du jeune enfant")
    SppeRow.objects.create(convention=convention, kind="eaje_psu", name="Crèche Les Lutins", current_places=24)
    Deliberation.objects.create(convention=convention, body="Conseil communautaire", number="CC_201_2025",
                                date=datetime.date(2025, 12, 15), title="Avenant n°1 à la CTG")

    meeting = MeetingFactory(body__convention=convention)
    meeting.fiches.add(fiche)
    Member.objects.create(body=meeting.body, name="Mme Martin", organisation="Caf de l'Eure")
    AgendaItem.objects.create(meeting=meeting, text="Point d'étape annuel")
    Participant.objects.create(meeting=meeting, name="M. Durand", present=True)
    Decision.objects.create(meeting=meeting, text="Le plan d'actions est validé.")
    CooperationOfficer.objects.create(convention=convention, name="Claire Petit", organisation=local,
                                      scope="territorial", themes=["enfance"], caf_funded=True)
    MilestoneFactory(convention=convention, body=meeting.body)
    Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end,
                         realisations="Ouverture d'une micro-crèche.")
    return convention


@pytest.fixture
def plan():
    return build_plan()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "secret")


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def test_admin_configuration_passes_the_system_checks():
    # Among others: every autocomplete target has an admin with search_fields.
    assert run_checks(tags=["admin"]) == []


def test_every_model_is_registered_or_edited_inline():
    inlined = {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    models = [
        model for app in APPS for model in apps.get_app_config(app).get_models()
        if not issubclass(model, HistoricalChanges)
    ]
    assert len(models) == 34  # StatusChange: shown inline under its convention
    assert [m.__name__ for m in models if m not in admin.site._registry and m not in inlined] == []


def test_index_lists_every_registered_model(staff_client):
    content = staff_client.get(reverse("admin:index")).content.decode()
    for model in admin.site._registry:
        assert admin_url(model, "changelist") in content
    for label in ["Fiches actions", "Points de suivi trimestriels", "Séances", "Jalons", "Avenants"]:
        assert label in content


def test_every_admin_page_answers_with_data(staff_client, plan):
    for model in admin.site._registry:
        assert staff_client.get(admin_url(model, "changelist")).status_code == 200, model
        # Generated documents are made by the application only: nothing to add by hand.
        expected = 403 if model is GeneratedDocument else 200
        assert staff_client.get(admin_url(model, "add")).status_code == expected, model
        obj = model.objects.first()
        if obj is not None:
            assert staff_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model


@pytest.mark.parametrize("model", [Convention, Fiche, Update], ids=lambda m: m.__name__)
def test_history_pages_list_the_versions(staff_client, plan, model):
    obj = model.objects.first()
    obj.save()
    response = staff_client.get(admin_url(obj, "history", obj.pk))
    assert [record.history_type for record in response.context["page_obj"]] == ["~", "+"]


def test_fiche_search_by_title(staff_client, plan):
    FicheFactory(title="Développer les accueils de loisirs")
    response = staff_client.get(admin_url(Fiche, "changelist"), {"q": "accueils de loisirs"})
    assert [f.title for f in response.context["cl"].result_list] == ["Développer les accueils de loisirs"]


def test_fiche_change_page_shows_its_inlines(staff_client, plan):
    fiche = Fiche.objects.get(title="Créer un guichet unique des familles")
    response = staff_client.get(admin_url(Fiche, "change", fiche.pk))
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert [i.name for i in formsets["indicators"].queryset] == ["Familles accompagnées"]
    assert [u.period for u in formsets["updates"].queryset] == ["2026-T1"]
    assert [t.theme for t in formsets["theme_links"].queryset] == ["enfance", "parentalite"]
    assert "Familles accompagnées" in response.content.decode()


def test_convention_inlines_hold_only_its_own_visas_and_articles(staff_client, plan):
    response = staff_client.get(admin_url(plan, "change", plan.pk))
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert [a.title for a in formsets["articles"].queryset] == ["Objet de la convention"]
    assert [v.avenant for v in formsets["visas"].queryset] == [None]
    assert set(formsets) == {"signatories", "communes", "visas", "articles", "avenants", "status_changes"}


def test_visas_and_articles_added_in_an_avenant_belong_to_its_convention(staff_client, plan):
    management = {f"{prefix}-{key}": "0" for prefix in ("operations", "visas", "articles")
                  for key in ("TOTAL_FORMS", "INITIAL_FORMS")}
    response = staff_client.post(admin_url(Avenant, "add"), {
        **management,
        "convention": plan.pk, "number": "2", "status": AvenantStatus.BROUILLON, "title": "Avenant numéro 2",
        "effective_from": "01/01/2026",
        "visas-TOTAL_FORMS": "1", "visas-0-text": "Vu l'avenant n°1", "visas-0-position": "0",
        "articles-TOTAL_FORMS": "1", "articles-0-number": "1", "articles-0-title": "Objet",
        "articles-0-body": "Le présent avenant a pour objet…", "articles-0-position": "0",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    avenant = Avenant.objects.get(convention=plan, number=2)
    assert [v.convention for v in avenant.visas.all()] == [plan]
    assert [a.convention for a in avenant.articles.all()] == [plan]


def test_fiche_changelist_queries_do_not_grow_with_the_number_of_fiches(staff_client):
    axis = AxisFactory()
    for _ in range(5):
        FicheFactory(axis=axis, themes=["enfance", "jeunesse"])
    few = count_queries(staff_client, admin_url(Fiche, "changelist"))
    for _ in range(25):
        FicheFactory(axis=axis, themes=["enfance", "jeunesse"])
    assert Fiche.objects.count() == 30
    assert count_queries(staff_client, admin_url(Fiche, "changelist")) == few


def test_no_changelist_grows_with_the_data(staff_client, plan):
    urls = [admin_url(model, "changelist") for model in admin.site._registry]
    before = {url: count_queries(staff_client, url) for url in urls}
    build_plan()
    build_plan()
    assert {url: count_queries(staff_client, url) for url in urls} == before


def test_caf_autocomplete_offers_only_cafs(staff_client, plan):
    response = staff_client.get(reverse("admin:autocomplete"), {
        "app_label": "conventions", "model_name": "convention", "field_name": "caf", "term": "",
    })
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == set(Organisation.objects.filter(kind=OrganisationKind.CAF).values_list("pk", flat=True))
    assert plan.caf.pk in ids
    assert Organisation.objects.exclude(kind=OrganisationKind.CAF).exists()


def test_saving_a_fiche_in_the_admin_bumps_its_version(rf, superuser):
    fiche = FicheFactory()
    request = rf.post("/")
    request.user = superuser
    admin.site._registry[Fiche].save_model(request, fiche, form=None, change=True)
    fiche.refresh_from_db()
    assert fiche.version == 2


def test_mark_milestones_done_action(staff_client, superuser, plan):
    milestone = Milestone.objects.get()
    response = staff_client.post(
        admin_url(Milestone, "changelist"), {"action": "mark_done", "_selected_action": [milestone.pk]}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_by) == (MilestoneStatus.FAIT, superuser)


def test_non_staff_user_is_redirected_to_the_admin_login(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("agent", password="secret"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={reverse('admin:index')}"
    assert client.get(admin_url(Fiche, "changelist")).status_code == 302


def test_admin_refuses_rows_that_mix_two_conventions(staff_client, plan):
    """The application's forms only offer a convention's own rows; the administration offers them
    all, so the models refuse a mix, in French, at the field."""
    from django.core.exceptions import ValidationError

    from governance.models import Meeting

    other = ConventionFactory()
    foreign_axis = AxisFactory(convention=other, number=1, title="Axe d'ailleurs")
    fiche = Fiche.objects.get(title="Créer un guichet unique des familles")
    fiche.axis = foreign_axis
    with pytest.raises(ValidationError) as refused:
        fiche.full_clean()
    assert refused.value.message_dict["axis"] == ["« Axe 1 — Axe d'ailleurs » appartient à une autre convention."]

    fiche.refresh_from_db()
    fiche.objective = Objective.objects.create(axis=AxisFactory(convention=fiche.convention, number=9), number=1,
                                               title="Ailleurs")
    with pytest.raises(ValidationError) as refused:
        fiche.full_clean()
    assert refused.value.message_dict["objective"][0].startswith("Cet objectif appartient à l'axe 9")

    meeting = Meeting.objects.first()
    meeting.body = BodyFactory(convention=other)
    with pytest.raises(ValidationError) as refused:
        meeting.full_clean()
    assert "body" in refused.value.message_dict

    milestone = Milestone.objects.first()
    milestone.body = meeting.body
    with pytest.raises(ValidationError):
        milestone.full_clean()

    decision = Decision.objects.first()
    decision.fiche = FicheFactory(axis=foreign_axis)
    with pytest.raises(ValidationError) as refused:
        decision.full_clean()
    assert "fiche" in refused.value.message_dict

    operation = Operation.objects.filter(target_fiche__isnull=False).first()
    operation.target_fiche = decision.fiche
    with pytest.raises(ValidationError) as refused:
        operation.full_clean()
    assert "target_fiche" in refused.value.message_dict
