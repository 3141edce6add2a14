"""Who did what: the author of every history record, in or out of a request, and who signed an avenant."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import services as plan
from conventions import services
from conventions.enums import AvenantStatus, ConventionStatus
from conventions.models import Avenant, Equipment, Operation, Visa
from ctg.history import GENERATED_REASON
from evaluation import services as evaluation
from evaluation.models import Milestone
from tests.conventions.helpers import draft_with_an_operation, sign
from tests.factories import AvenantFactory, ConventionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return ConventionFactory(start=datetime.date(2022, 1, 1), end=datetime.date(2026, 12, 31))


@pytest.fixture
def someone():
    user = UserFactory(first_name="Paul", last_name="Durand")
    user.save()
    return user


# ---------------------------------------------------------------------------------------------
# Who signed an avenant


def test_signing_an_avenant_records_who_signed_it_and_when_and_shows_it_on_its_page(client, convention, named_users):
    draft_with_an_operation(convention, named_users["caf"])
    sign(client, convention, named_users["caf"])

    avenant = Avenant.objects.get(convention=convention, number=1)
    assert avenant.signed_by == named_users["caf"]
    assert avenant.signature_recorded_at is not None
    client.force_login(named_users["elu"])
    page = client.get(reverse("conventions:avenant", args=[convention.slug, 1])).content.decode()
    assert f"Signé par Jeanne Martin le {timezone.localtime(avenant.signature_recorded_at):%d/%m/%Y à %H:%M}" in page


def test_an_avenant_signed_outside_the_application_names_no_signer(client, convention, named_users):
    AvenantFactory(convention=convention, number=1, status=AvenantStatus.SIGNE)
    client.force_login(named_users["caf"])
    page = client.get(reverse("conventions:avenant", args=[convention.slug, 1])).content.decode()
    assert "Fait à" in page and "Signé par" not in page


# ---------------------------------------------------------------------------------------------
# History authors when a service runs outside a request (a command, an import, a shell)


def test_avenant_services_called_outside_a_request_record_their_author(convention, someone):
    avenant = draft_with_an_operation(convention, someone)
    services.operation_add_equipment(avenant, by=someone, kind="rpe", name="RPE intercommunal", address="",
                                     commune="", places=None, caf_funding=None, local_funding=None, funded_by=None,
                                     bonus_territoire=False)
    services.operation_move(avenant.operations.order_by("position").last(), -1, by=someone)
    services.avenant_sign(avenant, by=someone, signed_on=datetime.date(2025, 12, 15), signed_at="Bourg-Achard")

    avenant.refresh_from_db()
    assert avenant.signed_by == someone
    histories = [Avenant.history.filter(id=avenant.pk), Visa.history.filter(avenant_id=avenant.pk),
                 Operation.history.filter(avenant_id=avenant.pk), Equipment.history.filter(avenant_id=avenant.pk)]
    for records in histories:
        assert records.exists()
        assert {record.history_user for record in records} == {someone}
    # The move is in the history: the two operations swapped their places.
    assert Operation.history.filter(avenant_id=avenant.pk, history_type="~").count() == 2


def test_plan_governance_and_evaluation_services_record_their_author(convention, someone):
    convention.status = ConventionStatus.PREPARATION  # the plan's structure is written before signature
    convention.save()
    first = plan.axis_create(convention, "Gouvernance", by=someone)
    second = plan.axis_create(convention, "Petite enfance", by=someone)
    plan.objective_create(second, "Accueillir", by=someone)
    plan.axis_move(second, -1, by=someone)
    convention.end = datetime.date(datetime.date.today().year + 3, 12, 31)  # milestones to come
    convention.save()
    evaluation.milestones_generate(convention, by=someone)

    axes = convention.axes.model.history.filter(id__in=[first.pk, second.pk])
    assert axes.count() == 4  # two creations, and the swap of their numbers
    assert {record.history_user for record in axes} == {someone}
    generated = Milestone.history.filter(convention_id=convention.pk)
    assert generated.exists()
    assert {(record.history_user, record.history_change_reason) for record in generated} == {(someone, GENERATED_REASON)}


def test_a_service_called_with_no_user_leaves_the_history_without_author(convention):
    convention.status = ConventionStatus.PREPARATION
    convention.save()
    plan.axis_create(convention, "Gouvernance", by=None)
    assert convention.axes.model.history.get().history_user is None


def test_the_administration_shows_the_history_of_an_avenant_and_its_operations(client, convention,
                                                                              django_user_model):
    manager = django_user_model.objects.create_superuser("gestionnaire.ctg", "g@example.org", "x")
    avenant = draft_with_an_operation(convention, manager)
    client.force_login(manager)
    for name, pk in [("avenant", avenant.pk), ("operation", avenant.operations.get().pk)]:
        response = client.get(reverse(f"admin:conventions_{name}_history", args=[pk]))
        assert response.status_code == 200
        assert "gestionnaire.ctg" in response.content.decode().split("<tbody>")[1], name
