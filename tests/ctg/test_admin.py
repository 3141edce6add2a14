"""The Django admin as a whole: every model reachable, every page answers, history, constant
queries, staff only, rows that mix two conventions refused."""

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.core.checks import run_checks
from django.urls import reverse
from simple_history.models import HistoricalChanges

from actions.models import Fiche, Objective, Update
from conventions.models import Convention, Operation
from documents.models import GeneratedDocument
from evaluation.models import Milestone
from governance.models import Decision
from people.models import AccessEvent, Invitation
from tests import scenarios
from tests.factories import AxisFactory, BodyFactory, ConventionFactory, FicheFactory
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db


APPS = ["conventions", "actions", "governance", "evaluation", "documents"]

# Queries of each changelist with three conventions holding a row of every model: a ceiling any
# new query breaks.
CHANGELIST_BUDGETS = {
    "actions.axis": 6,
    "actions.fiche": 7,
    "actions.indicator": 6,
    "actions.objective": 6,
    "actions.update": 9,
    "auth.group": 5,
    "axes.accessattempt": 8,
    "auth.user": 6,
    "conventions.article": 6,
    "conventions.avenant": 8,
    "conventions.commune": 6,
    "conventions.convention": 8,
    "conventions.deliberation": 8,
    "conventions.diagnosisindicator": 7,
    "conventions.diagnosisissue": 6,
    "conventions.equipment": 6,
    "conventions.membership": 5,
    "conventions.operation": 6,
    "conventions.organisation": 5,
    "conventions.signatory": 6,
    "conventions.spperow": 6,
    "conventions.visa": 6,
    "documents.generateddocument": 8,
    "evaluation.bilan": 6,
    "evaluation.milestone": 8,
    "governance.body": 6,
    "governance.calendartoken": 5,
    "governance.cooperationofficer": 6,
    "governance.meeting": 8,
    "governance.member": 5,
    "governance.reminder": 5,
    "people.accessevent": 6,
    "people.invitation": 5,
}


def test_admin_configuration_passes_the_system_checks():
    # Among others: every autocomplete target has an admin with search_fields.
    assert run_checks(tags=["admin"]) == []


def test_every_model_is_registered_or_edited_inline():
    inlined = {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    models = [
        model for app in APPS for model in apps.get_app_config(app).get_models()
        if not issubclass(model, HistoricalChanges)
    ]
    # StatusChange, SignedOriginal: shown inline under their convention (and avenant).
    assert len(models) == 35
    assert [m.__name__ for m in models if m not in admin.site._registry and m not in inlined] == []


def test_index_lists_every_registered_model(staff_client):
    content = staff_client.get(reverse("admin:index")).content.decode()
    for model in admin.site._registry:
        assert admin_url(model, "changelist") in content
    for label in ["Fiches actions", "Points de suivi trimestriels", "Séances", "Jalons", "Avenants"]:
        assert label in content


def test_every_admin_page_answers_with_data(staff_client, full_convention):
    for model in admin.site._registry:
        assert staff_client.get(admin_url(model, "changelist")).status_code == 200, model
        # Generated documents are made by the application only, failed logins by the login page,
        # invitations and access events by « Personnes »: nothing to add by hand.
        expected = 403 if model in (GeneratedDocument, AccessAttempt, Invitation, AccessEvent) else 200
        assert staff_client.get(admin_url(model, "add")).status_code == expected, model
        obj = model.objects.first()
        if obj is not None:
            assert staff_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model


@pytest.mark.parametrize("model", [Convention, Fiche, Update], ids=lambda m: m.__name__)
def test_history_pages_list_the_versions(staff_client, full_convention, model):
    obj = model.objects.first()
    obj.save()
    response = staff_client.get(admin_url(obj, "history", obj.pk))
    assert [record.history_type for record in response.context["page_obj"]] == ["~", "+"]


def test_no_changelist_grows_with_the_data(staff_client, full_convention, django_assert_max_num_queries):
    urls = [admin_url(model, "changelist") for model in admin.site._registry]
    before = {url: count_queries(staff_client, url) for url in urls}
    scenarios.full_convention()
    scenarios.full_convention()
    assert {url: count_queries(staff_client, url) for url in urls} == before
    assert set(CHANGELIST_BUDGETS) == {model._meta.label_lower for model in admin.site._registry}
    for model in admin.site._registry:
        with django_assert_max_num_queries(CHANGELIST_BUDGETS[model._meta.label_lower], info=model._meta.label):
            staff_client.get(admin_url(model, "changelist"))


def test_non_staff_user_is_redirected_to_the_admin_login(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("agent", password="secret"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={reverse('admin:index')}"
    assert client.get(admin_url(Fiche, "changelist")).status_code == 302


def test_admin_refuses_rows_that_mix_two_conventions(staff_client, full_convention):
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
