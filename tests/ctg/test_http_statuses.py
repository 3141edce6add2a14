"""One HTTP status convention for every form (see the README, « Développement »):

- an invalid form answers 200: the same page again, the errors in French next to their fields,
  what the user typed kept (with htmx, the same holds for the part swapped in);
- 409 only for a real conflict: someone else saved the same fiche since it was opened;
- 403 for a refusal: a role that only reads, or an act that is frozen (a signed avenant).

A few representative forms of each app check it here; each app's tests check their own forms."""

import datetime
import io

import pytest
from django.urls import reverse

from conventions.enums import AvenantStatus, ConventionStatus
from evaluation.models import Bilan
from tests.actions.helpers import form_data as fiche_data
from tests.evaluation.helpers import form_data as milestone_data
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    MilestoneFactory,
)
from tests.governance.helpers import body_data
from tests.helpers import login, management, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    convention = ConventionFactory(title="CTG Roumois Seine", start=datetime.date(2022, 1, 1),
                                   end=datetime.date(2026, 12, 31))
    FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles")
    return convention


def assert_shown_again(response, error, typed):
    """An invalid form: 200, the French error on the page, the typing kept."""
    page = text(response)
    assert response.status_code == 200
    assert error in page
    assert typed in page


# --- Invalid forms: 200 ------------------------------------------------------------------------


def in_preparation(convention):
    """Its plan is written in place only before the signature."""
    convention.status = ConventionStatus.PREPARATION
    convention.save()
    return convention


def test_a_fiche_with_an_error(client, convention, users):
    fiche = in_preparation(convention).fiches.get()
    login(client, users, "coordinateur")
    response = client.post(reverse("actions:fiche_edit", args=[convention.slug, fiche.key]), fiche_data(
        fiche, start_year="2027", end_year="2026", target_public="Les familles des Monts-du-Roumois"))
    assert_shown_again(response, "L'année de fin précède l'année de début.", "Les familles des Monts-du-Roumois")
    assert fiche.history.count() == 1


def test_an_instance_with_a_bad_member_email(client, convention, users):
    login(client, users, "caf")
    response = client.post(reverse("governance:body_create", args=[convention.slug]), body_data(**{
        **management("members", total=1), "members-0-name": "Claire Petit", "members-0-email": "claire-arobase",
    }))
    assert_shown_again(response, "Saisissez une adresse de courriel valide.", 'value="claire-arobase"')
    assert 'value="Claire Petit"' in text(response) and not convention.bodies.exists()


def test_an_avenant_taking_effect_after_the_convention(client, convention, users):
    login(client, users, "caf")
    response = client.post(reverse("conventions:avenant_create", args=[convention.slug]), {
        "title": "", "effective_from": "2027-03-01", "effective_until": "", "signed_at": "Bourg-Achard",
        "visas": "Vu le décret n° 2025-253 du 20 mars 2025 ;", "preamble": "", "object": "Actualiser le SPPE.",
    })
    assert_shown_again(response, "La date d'effet doit être comprise dans la période de la convention "
                                 "(du 01/01/2022 au 31/12/2026).", "Vu le décret n° 2025-253 du 20 mars 2025 ;")
    assert 'value="2027-03-01"' in text(response) and not convention.avenants.exists()


def test_an_avenant_operation_refused_by_its_form(client, convention, users):
    ArticleFactory(convention=convention, number="9", title="Suivi, bilan et évaluation")
    avenant = AvenantFactory(convention=convention, number=1, status=AvenantStatus.BROUILLON)
    login(client, users, "caf")
    response = client.post(reverse("conventions:operation_add", args=[convention.slug, 1, "modifier-article"]),
                           {"modifier-article-article_number": "9", "modifier-article-mode": "",
                            "modifier-article-body": "Les signataires s'engagent dans une démarche évaluative."})
    assert_shown_again(response, "Ce champ est obligatoire.", "Les signataires s'engagent dans une démarche évaluative.")
    assert not avenant.operations.exists()


def test_a_milestone_ending_before_it_starts(client, convention, users):
    milestone = MilestoneFactory(convention=convention, title="Restitution du diagnostic")
    login(client, users, "coordinateur")
    response = client.post(reverse("evaluation:milestone_edit", args=[convention.slug, milestone.pk]),
                           milestone_data(title="Bilan à revoir", start="2024-08-01", end="2024-07-31"))
    assert_shown_again(response, "L'échéance ne peut pas précéder le début.", 'value="Bilan à revoir"')
    milestone.refresh_from_db()
    assert milestone.title == "Restitution du diagnostic"


def test_a_bilan_ending_before_it_starts(client, convention, users):
    Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end)
    login(client, users, "caf")
    response = client.post(reverse("evaluation:bilan_edit", args=[convention.slug, "final"]),
                           {"start": "2024-01-01", "end": "2023-01-01", "realisations": "Une micro-crèche a ouvert."})
    assert_shown_again(response, "ne peut pas précéder son début", "Une micro-crèche a ouvert.")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_tracking_row_with_an_error(client, convention, users, htmx):
    login(client, users, "coordinateur")
    response = client.post(reverse("actions:tracking_row", args=[convention.slug, "2026-T1", "passerelles"]), {
        "passerelles-status": "en_cours", "passerelles-progress": "140", "passerelles-comment": "Deux passerelles",
    }, headers={"HX-Request": "true"} if htmx else {})
    assert_shown_again(response, "inférieure ou égale à 100", "Deux passerelles")
    assert 'value="140"' in text(response) and not convention.fiches.get().updates.exists()


def test_a_file_that_is_not_a_workbook(client, convention, users):
    login(client, users, "caf")
    upload = io.BytesIO(b"Cle;Statut\npasserelles;fini\n")
    upload.name = "suivi.csv"
    response = client.post(reverse("actions:tracking_import", args=[convention.slug, "2026-T1"]), {"workbook": upload})
    assert response.status_code == 200
    assert "Ce fichier n'est pas un classeur Excel (.xlsx)." in text(response)


# --- A conflict: 409; a refusal: 403 ------------------------------------------------------------


def test_a_concurrent_change_of_the_same_fiche_is_a_conflict(client, convention, users):
    fiche = in_preparation(convention).fiches.get()
    other = client.__class__()
    login(client, users, "caf")
    other.force_login(users["coordinateur"])
    opened = fiche_data(fiche, target_public="Version du coordinateur")
    assert client.post(reverse("actions:fiche_edit", args=[convention.slug, fiche.key]),
                       fiche_data(fiche, target_public="Version de la Caf")).status_code == 302
    response = other.post(reverse("actions:fiche_edit", args=[convention.slug, fiche.key]), opened)
    assert response.status_code == 409
    assert "en a enregistré d'autres" in text(response) and "Version du coordinateur" in text(response)


def test_changing_a_signed_avenant_is_refused_not_a_conflict(client, convention, users):
    AvenantFactory(convention=convention, number=1, status=AvenantStatus.SIGNE)
    login(client, users, "caf")
    response = client.post(reverse("conventions:avenant_edit", args=[convention.slug, 1]),
                           {"effective_from": "2025-12-20", "visas": ""})
    assert response.status_code == 403
    assert "L'avenant n°1 est signé : il ne peut plus être modifié." in text(response)


def test_a_reader_is_refused(client, convention, users):
    fiche = convention.fiches.get()
    login(client, users, "elu")
    response = client.post(reverse("actions:fiche_edit", args=[convention.slug, fiche.key]), fiche_data(fiche))
    assert response.status_code == 403
