"""The Django administration cannot bypass the lifecycle: statuses are read-only (transitions are
admin actions calling the same services), a signed avenant stays signed, and the contractual rows
of a signed convention cannot be changed, added, deleted or reverted there."""

import datetime

import pytest
from django.urls import reverse

from actions.models import Axis, Fiche, FicheTheme, Indicator, Objective
from conventions.enums import AvenantStatus, ConventionStatus, OperationKind
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
    Signatory,
    SppeRow,
    Visa,
)
from tests.conventions.test_lifecycle import complete, preparation
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    collectivite_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("gestionnaire", "g@example.org", "secret",
                                                      first_name="Gaëlle", last_name="Gestion")


@pytest.fixture
def staff(client, superuser):
    client.force_login(superuser)
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def run_action(staff, model, action, *objects):
    return staff.post(admin_url(model, "changelist"), {
        "action": action, "_selected_action": [o.pk for o in objects], "index": "0",
    }, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def signed():
    """A signed convention with a row of every contractual kind, and a signed and a draft avenant."""
    convention = ConventionFactory(signed_on=datetime.date(2022, 1, 10))
    local = collectivite_of(convention)
    Commune.objects.create(convention=convention, name="Bourg-Achard", insee="27089")
    Visa.objects.create(convention=convention, text="Vu le code de la sécurité sociale")
    ArticleFactory(convention=convention, number="1", title="Objet")
    axis = AxisFactory(convention=convention, number=1)
    objective = Objective.objects.create(axis=axis, number=1, title="Accueillir")
    fiche = FicheFactory(axis=axis, objective=objective, key="accueil", number=1)
    IndicatorFactory(fiche=fiche)
    Equipment.objects.create(convention=convention, key="rpe", kind="rpe", name="RPE", funded_by=local)
    DiagnosisIndicator.objects.create(convention=convention, territory="27", level="departement", indicator="Naissances")
    DiagnosisIssue.objects.create(convention=convention, text="Renforcer l'accueil")
    SppeRow.objects.create(convention=convention, kind="rpe", name="RPE")
    Deliberation.objects.create(convention=convention, organisation=local, body="Conseil communautaire",
                                date=datetime.date(2022, 1, 5), title="Approbation de la CTG")
    signed_avenant = AvenantFactory(convention=convention, number=1)
    Operation.objects.create(avenant=signed_avenant, op=OperationKind.AMEND_ANNEX, annex=5, mode="complete", body="…")
    draft = AvenantFactory(convention=convention, number=2, status=AvenantStatus.BROUILLON, signed_on=None)
    FicheFactory(axis=axis, key="accueil-avenant-2", number=1, avenant=draft, previous_version=fiche)
    return convention


def test_the_status_is_read_only_and_changes_through_the_actions(staff, superuser):
    convention = preparation()
    form = staff.get(admin_url(Convention, "change", convention.pk)).context["adminform"].form
    assert "status" not in form.fields and "title" in form.fields
    response = run_action(staff, Convention, "sign", convention)
    refusal = " ".join(messages_of(response))
    assert "La convention ne peut pas être signée : Indiquez la date de signature." in refusal
    assert "Délibération manquante (annexe 7)" in refusal
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.PREPARATION

    complete(convention)
    Convention.objects.filter(pk=convention.pk).update(signed_on=datetime.date(2027, 3, 15), signed_at="Bourg-Achard")
    assert "convention signée." in " ".join(messages_of(run_action(staff, Convention, "sign", convention)))
    run_action(staff, Convention, "start_renewal", convention)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.RENOUVELLEMENT
    assert [(c.to_status, c.by) for c in convention.status_changes.all()] == [
        ("signee", superuser), ("renouvellement", superuser)]


def test_abandon_and_resume_are_admin_actions(staff):
    convention = preparation()
    run_action(staff, Convention, "abandon", convention)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.ABANDONNEE
    refused = run_action(staff, Convention, "start_renewal", convention)
    assert "Seule une convention signée peut entrer en renouvellement." in " ".join(messages_of(refused))
    run_action(staff, Convention, "resume", convention)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.PREPARATION


def test_a_signed_convention_keeps_only_its_prefecture_stamp_editable(staff, signed):
    response = staff.get(admin_url(Convention, "change", signed.pk))
    form = response.context["adminform"].form
    assert set(form.fields) == {"prefecture_sent_on", "prefecture_received_on", "prefecture_published_on",
                                "prefecture_act_id"}
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_change_permission, inline.formset.prefix
    assert staff.post(admin_url(Convention, "delete", signed.pk), {"post": "yes"}).status_code == 403
    assert Convention.objects.filter(pk=signed.pk).exists()


def test_a_signed_avenant_cannot_be_set_back_to_draft(staff, signed):
    avenant = signed.avenants.get(number=1)
    response = staff.get(admin_url(Avenant, "change", avenant.pk))
    assert "status" not in response.context["adminform"].form.fields
    assert not any(i.has_add_permission or i.has_change_permission for i in response.context["inline_admin_formsets"])
    management = {f"{prefix}-{key}": "0" for prefix in ("operations", "visas", "articles", "signed_originals")
                  for key in ("TOTAL_FORMS", "INITIAL_FORMS")}
    staff.post(admin_url(Avenant, "change", avenant.pk), {**management, "status": AvenantStatus.BROUILLON,
                                                          "title": "Réécrit", "prefecture_act_id": "ID-1"})
    avenant.refresh_from_db()
    assert (avenant.status, avenant.title, avenant.prefecture_act_id) == (AvenantStatus.SIGNE,
                                                                           "Avenant numéro 1 à la Convention territoriale globale",
                                                                           "ID-1")
    assert staff.post(admin_url(Avenant, "delete", avenant.pk), {"post": "yes"}).status_code == 403
    draft = signed.avenants.get(number=2)
    assert "status" not in staff.get(admin_url(Avenant, "change", draft.pk)).context["adminform"].form.fields


def rows(convention):
    """(model, row) for every contractual row of the convention."""
    fiche = convention.fiches.get(key="accueil")
    return [
        (Signatory, convention.signatories.first()), (Commune, convention.communes.get()), (Visa, convention.visas.get()),
        (Article, convention.articles.get()), (Axis, convention.axes.get()), (Objective, Objective.objects.get(axis__convention=convention)),
        (Fiche, fiche), (Indicator, fiche.indicators.get()), (Equipment, convention.equipment.get()),
        (DiagnosisIndicator, convention.diagnosis_indicators.get()), (DiagnosisIssue, convention.diagnosis_issues.get()),
        (SppeRow, convention.sppe_rows.get()), (Deliberation, convention.deliberations.get()),
        (Operation, Operation.objects.get(avenant__number=1, avenant__convention=convention)),
    ]


def test_the_contractual_rows_of_a_signed_convention_are_read_only(staff, signed):
    for model, row in rows(signed):
        change = admin_url(model, "change", row.pk)
        response = staff.get(change)
        assert response.status_code == 200 and not response.context["has_change_permission"], model.__name__
        assert staff.post(change, {}).status_code == 403, model.__name__
        assert staff.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403, model.__name__
        assert model.objects.filter(pk=row.pk).exists()


def test_a_fiche_a_draft_avenant_proposes_stays_editable(staff, signed):
    proposed = signed.fiches.get(key="accueil-avenant-2")
    response = staff.get(admin_url(Fiche, "change", proposed.pk))
    assert response.context["has_change_permission"] and "title" in response.context["adminform"].form.fields
    themes = {i.formset.prefix: i for i in response.context["inline_admin_formsets"]}
    assert themes["theme_links"].has_add_permission
    assert FicheTheme.objects.filter(fiche=proposed).exists()


def test_no_row_is_added_to_a_signed_convention(staff, signed):
    response = staff.post(admin_url(Article, "add"), {
        "convention": signed.pk, "number": "12", "title": "Ajouté", "body": "Texte", "position": "0",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "La convention est signée : son texte, ses annexes et son plan d'actions ne changent plus que par avenant."]
    assert not Article.objects.filter(number="12").exists()
    response = staff.post(admin_url(Axis, "add"), {
        "convention": signed.pk, "number": "5", "title": "Axe ajouté",
        **{f"{p}-{k}": "0" for p in ("objectives", "fiches") for k in ("TOTAL_FORMS", "INITIAL_FORMS")},
    })
    assert response.status_code == 200 and not Axis.objects.filter(title="Axe ajouté").exists()


def test_a_later_deliberation_for_an_avenant_is_still_recorded(staff, signed):
    response = staff.post(admin_url(Deliberation, "add"), {
        "convention": signed.pk, "organisation": collectivite_of(signed).pk, "body": "Conseil communautaire",
        "number": "CC_201_2025", "date": "15/12/2025", "title": "Avenant n°2 à la CTG", "position": "1",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    later = Deliberation.objects.get(number="CC_201_2025")
    assert staff.get(admin_url(Deliberation, "change", later.pk)).context["has_change_permission"]
    response = staff.post(admin_url(Deliberation, "add"), {
        "convention": signed.pk, "body": "Conseil", "date": "01/01/2022", "title": "Antidatée", "position": "2",
    })
    assert response.status_code == 200 and not Deliberation.objects.filter(title="Antidatée").exists()


def test_a_history_revert_cannot_rewrite_a_signed_text(staff, signed):
    article = signed.articles.get()
    Convention.objects.filter(pk=signed.pk).update(status=ConventionStatus.PREPARATION)
    article.body = "Texte de la préparation"
    article.save()
    old = article.history.earliest()
    Convention.objects.filter(pk=signed.pk).update(status=ConventionStatus.SIGNEE)
    url = admin_url(Article, "simple_history", article.pk, old.history_id)
    response = staff.post(url, {"convention": signed.pk, "number": "1", "title": "Objet", "body": "Ancien texte",
                                "position": "0"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.body == "Texte de la préparation"
