"""Evaluation milestones: generation (points d'étape, bilans, renewal retro-planning), the timeline
page and its edit controls (mark done, add, edit, delete), per role."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from evaluation.enums import MilestoneKind, MilestoneStatus
from evaluation.models import Milestone
from evaluation.services import milestones_generate, milestones_plan, milestones_preview
from exchange.importer import import_document
from exchange.reading import load_json
from tests.evaluation.helpers import form_data
from tests.factories import (
    AvenantFactory,
    BodyFactory,
    ConventionFactory,
    MilestoneFactory,
    users_for,
)
from tests.helpers import DEMO_ROUMOIS, login, page_form, text, two_writers

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
D = datetime.date


@pytest.fixture
def convention():
    return ConventionFactory(title="CTG Roumois Seine", start=D(2022, 1, 1), end=D(2026, 12, 31))


@pytest.fixture
def milestone(convention):
    return MilestoneFactory(convention=convention, title="Restitution du diagnostic", kind=MilestoneKind.DIAGNOSTIC,
                            start=None, end=TODAY + datetime.timedelta(days=40))


def rows(convention, prefix=""):
    return [
        (m.kind, m.title, m.start, m.end)
        for m in convention.milestones.filter(generated_key__startswith=prefix).order_by("end", "position")
    ]


# ---------------------------------------------------------------------------------------------
# Generation

RENEWAL_2026 = [
    (MilestoneKind.EVALUATION, "Évaluation de l'ancienne CTG", D(2025, 7, 1), D(2025, 10, 31)),
    (MilestoneKind.DIAGNOSTIC, "Élaboration du diagnostic de la future CTG", D(2025, 11, 1), D(2026, 3, 31)),
    (MilestoneKind.AUTRE, "Présentation de l'évaluation et du diagnostic aux élus", D(2026, 6, 1), D(2026, 6, 30)),
    (MilestoneKind.ENJEUX, "Définition des enjeux, des orientations et du plan d'action", D(2026, 6, 1), D(2026, 10, 31)),
    (MilestoneKind.PLAN_ACTION, "Déclinaison des fiches actions (projets phares, actions nouvelles)",
     D(2026, 10, 1), D(2026, 12, 31)),
    (MilestoneKind.ECRITURE, "Écriture puis finalisation de la CTG", D(2026, 12, 1), D(2027, 1, 31)),
    (MilestoneKind.VALIDATION_CAF, "Validation par la Caf", D(2027, 2, 1), D(2027, 2, 28)),
    (MilestoneKind.VALIDATION_CONSEILS, "Validation par les conseils communaux et communautaires",
     D(2027, 3, 1), D(2027, 3, 31)),
]


def planned_rows(planned, prefix=""):
    return [(m.kind, m.title, m.start, m.end) for m in planned if m.key.startswith(prefix)]


@pytest.fixture
def upcoming():
    """A convention still to begin: every milestone it should have is to come."""
    start = D(TODAY.year + 1, 1, 1)
    return ConventionFactory(title="CTG à venir", start=start, end=D(start.year + 4, 12, 31), signed_on=TODAY)


def test_renewal_calendar_of_a_ctg_ending_31_12_2026():
    assert planned_rows(milestones_plan(D(2022, 1, 1), D(2026, 12, 31)), "renouvellement:") == RENEWAL_2026


def test_points_d_etape_and_bilans_of_a_2022_2026_convention():
    planned = milestones_plan(D(2022, 1, 1), D(2026, 12, 31))
    assert planned_rows(planned, "point_etape:") == [
        (MilestoneKind.POINT_ETAPE_ANNUEL, f"Point d'étape annuel {year}", D(year, 10, 1), D(year, 12, 31))
        for year in (2022, 2023, 2024, 2025)
    ]
    assert planned_rows(planned, "bilan_") == [
        (MilestoneKind.BILAN_INTERMEDIAIRE, "Bilan intermédiaire", D(2024, 5, 1), D(2024, 7, 31)),
        (MilestoneKind.BILAN_FINAL, "Bilan final", D(2026, 6, 1), D(2026, 12, 31)),
    ]


def test_points_d_etape_skip_a_first_year_begun_after_july():
    keys = [m.key for m in milestones_plan(D(2025, 9, 1), D(2029, 8, 31)) if m.key.startswith("point_etape:")]
    assert keys == ["point_etape:2026", "point_etape:2027", "point_etape:2028"]


def test_a_convention_to_come_gets_every_milestone_planned(upcoming, users):
    result = milestones_generate(upcoming, by=users["caf"])
    assert rows(upcoming) == planned_rows(milestones_plan(upcoming.start, upcoming.end))
    assert len(result.create) == upcoming.milestones.count() == 14 and not result.present and not result.past
    assert set(upcoming.milestones.values_list("status", flat=True)) == {MilestoneStatus.PREVU}


def test_hand_made_milestones_stand_for_the_planned_ones_of_their_kind_and_period(users):
    """The demo's Roumois Seine (29/11/2022-31/12/2026) has seven milestones made by hand."""
    roumois = import_document(load_json(DEMO_ROUMOIS))
    preview = milestones_preview(roumois, today=D(2025, 6, 1))
    assert [(planned.title, existing.title, existing.status) for planned, existing in preview.present] == [
        ("Point d'étape annuel 2023", "Point d'étape annuel 2023", MilestoneStatus.FAIT),
        ("Bilan intermédiaire", "Bilan intermédiaire de la CTG", MilestoneStatus.FAIT),
        ("Évaluation de l'ancienne CTG", "Évaluation de la CTG 2022-2026 (plan d'actions et démarche)",
         MilestoneStatus.FAIT),
        ("Point d'étape annuel 2025", "Point d'étape annuel 2025", MilestoneStatus.FAIT),
        ("Élaboration du diagnostic de la future CTG", "Diagnostic partagé de la future CTG", MilestoneStatus.PREVU),
        ("Bilan final", "Bilan final de la CTG 2022-2026", MilestoneStatus.PREVU),
    ]
    # « Schéma pluriannuel SPPE transmis au CDSF » (« Autre », June 2026) is not the presentation to
    # the élus (« Autre », June 2026); the point d'étape 2024 of October 2024 is over.
    assert [m.title for m in preview.past] == ["Point d'étape annuel 2024"]
    assert [m.title for m in preview.create] == [
        "Présentation de l'évaluation et du diagnostic aux élus",
        "Définition des enjeux, des orientations et du plan d'action",
        "Déclinaison des fiches actions (projets phares, actions nouvelles)",
        "Écriture puis finalisation de la CTG",
        "Validation par la Caf",
        "Validation par les conseils communaux et communautaires",
    ]


def test_a_diagnostic_begun_before_the_signature_is_not_the_renewal_one(upcoming):
    MilestoneFactory(convention=upcoming, kind=MilestoneKind.DIAGNOSTIC, title="Diagnostic de cette CTG",
                     start=TODAY - datetime.timedelta(days=90), end=TODAY + datetime.timedelta(days=10))
    preview = milestones_preview(upcoming)
    assert "Élaboration du diagnostic de la future CTG" in [m.title for m in preview.create]


def test_past_milestones_are_not_created_and_none_shows_late(client, users):
    convention = ConventionFactory(start=D(TODAY.year - 3, 1, 1), end=D(TODAY.year + 1, 12, 31),
                                   signed_on=D(TODAY.year - 3, 1, 1))
    preview = milestones_preview(convention)
    assert preview.past and preview.create
    login(client, users_for(convention), "caf")
    page = text(client.post(reverse("evaluation:generate", args=[convention.slug]), follow=True))
    assert f"{len(preview.create)} jalons créés ; {len(preview.past)} jalons passés ne sont pas créés." in page
    assert not convention.milestones.filter(end__lt=TODAY).exists()
    assert convention.milestones.count() == len(preview.create)
    assert "En retard" not in page


def test_bilans_and_points_d_etape_are_presented_in_copil(upcoming, users):
    copil = BodyFactory(convention=upcoming, kind="copil")
    milestones_generate(upcoming, by=users["caf"])
    assert upcoming.milestones.get(generated_key="bilan_final").body == copil
    assert upcoming.milestones.get(generated_key=f"point_etape:{upcoming.start.year + 1}").body == copil
    assert upcoming.milestones.get(generated_key="renouvellement:diagnostic").body is None


def test_generating_twice_neither_duplicates_nor_overwrites(upcoming, users):
    first = len(milestones_generate(upcoming, by=users["caf"]).create)
    edited = upcoming.milestones.get(generated_key="bilan_final")
    edited.title, edited.end = "Bilan final partagé avec les partenaires", upcoming.end - datetime.timedelta(days=31)
    edited.save()
    year = upcoming.start.year
    upcoming.milestones.get(generated_key=f"point_etape:{year}").delete()
    MilestoneFactory(convention=upcoming, title="Jalon saisi à la main", kind=MilestoneKind.AUTRE)
    second = milestones_generate(upcoming, by=users["caf"])
    assert (len(second.create), len(second.present)) == (1, first - 1)
    assert upcoming.milestones.count() == first + 1
    edited.refresh_from_db()
    assert edited.title == "Bilan final partagé avec les partenaires"
    assert upcoming.milestones.filter(generated_key=f"point_etape:{year}").count() == 1


def test_a_generated_key_is_unique_per_convention(convention):
    MilestoneFactory(convention=convention, generated_key="bilan_final")
    MilestoneFactory(convention=convention)  # hand-made ones have no key, any number of them
    MilestoneFactory(convention=convention)
    MilestoneFactory(generated_key="bilan_final")  # another convention
    with pytest.raises(IntegrityError), transaction.atomic():
        MilestoneFactory(convention=convention, generated_key="bilan_final")


def test_the_end_extended_by_a_signed_avenant_is_used(upcoming, users):
    extended = D(upcoming.end.year + 1, 6, 30)
    AvenantFactory(convention=upcoming, effective_from=TODAY, signed_on=TODAY, effective_until=extended)
    assert upcoming.as_of(TODAY).end == extended
    milestones_generate(upcoming, by=users["caf"])
    final = upcoming.milestones.get(generated_key="bilan_final")
    assert (final.start, final.end) == (D(upcoming.end.year, 12, 1), extended)
    assert upcoming.milestones.get(generated_key="renouvellement:validation_conseils").end == D(extended.year, 9, 30)
    assert upcoming.milestones.filter(generated_key=f"point_etape:{upcoming.end.year}").exists()


def test_the_preview_says_what_will_be_created_and_kept_and_changes_nothing(client, upcoming):
    MilestoneFactory(convention=upcoming, kind=MilestoneKind.BILAN_INTERMEDIAIRE, title="Bilan à mi-parcours",
                     start=None, end=D(upcoming.start.year + 2, 9, 30), status=MilestoneStatus.FAIT)
    login(client, users_for(upcoming), "coordinateur")
    url = reverse("evaluation:generate", args=[upcoming.slug])
    page = text(client.get(reverse("evaluation:milestones", args=[upcoming.slug])))
    assert f'href="{url}"' in page
    page = text(client.get(url))
    assert "Jalons qui seront créés (13)" in page and "Jalons déjà présents, conservés tels quels (1)" in page
    assert "<td>Bilan intermédiaire</td>" in page and "Bilan à mi-parcours" in page
    assert "Créer 13 jalons" in page
    assert upcoming.milestones.count() == 1


def test_generate_button_creates_then_reports_nothing_new(client, upcoming):
    login(client, users_for(upcoming), "coordinateur")
    url = reverse("evaluation:generate", args=[upcoming.slug])
    response = client.post(url, follow=True)
    assert "14 jalons créés." in text(response)
    assert f"Point d'étape annuel {upcoming.start.year + 1}" in text(response)
    response = client.post(url, follow=True)
    assert "Aucun jalon à créer : rien n'a été modifié." in text(response)
    assert upcoming.milestones.count() == 14
    assert "Retour aux jalons" in text(client.get(url)) and "Créer" not in text(client.get(url))


# ---------------------------------------------------------------------------------------------
# Timeline page


def test_planned_milestone_past_its_end_is_late(client, convention, users):
    MilestoneFactory(convention=convention, title="Bilan intermédiaire", end=TODAY - datetime.timedelta(days=1),
                     start=None)
    MilestoneFactory(convention=convention, title="Bilan déjà fait", end=TODAY - datetime.timedelta(days=1),
                     start=None, status=MilestoneStatus.FAIT)
    page = text(login(client, users, "elu").get(reverse("evaluation:milestones", args=[convention.slug])))
    assert page.count("En retard") == 1
    assert page.count("timeline__item--late") == 1


def test_mark_done_records_who_and_when(client, convention, users, milestone):
    users["coordinateur"].first_name, users["coordinateur"].last_name = "Claire", "Durand"
    users["coordinateur"].save()
    login(client, users, "coordinateur")
    response = client.post(reverse("evaluation:milestone_done", args=[convention.slug, milestone.pk]))
    assert response.status_code == 302
    assert response.url == reverse("evaluation:milestones", args=[convention.slug]) + f"#jalon-{milestone.pk}"
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.FAIT
    assert milestone.done_by == users["coordinateur"]
    assert timezone.localdate(milestone.done_at) == TODAY
    page = text(client.get(reverse("evaluation:milestones", args=[convention.slug])))
    assert f"fait le {TODAY:%d/%m/%Y} par Claire Durand" in page


def test_mark_done_with_htmx_returns_the_timeline_item(client, convention, users, milestone):
    milestone.end = TODAY - datetime.timedelta(days=3)
    milestone.save()
    login(client, users, "caf")
    response = client.post(reverse("evaluation:milestone_done", args=[convention.slug, milestone.pk]),
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = text(response)
    assert body.strip().startswith(f'<li class="timeline__item timeline__item--fait" id="jalon-{milestone.pk}">')
    assert "fait le" in body and "En retard" not in body and "Marquer comme fait" not in body
    assert "<html" not in body


def test_marking_done_twice_keeps_the_first_record(client, convention, users, milestone):
    login(client, users, "caf").post(reverse("evaluation:milestone_done", args=[convention.slug, milestone.pk]))
    milestone.refresh_from_db()
    first = milestone.done_at
    login(client, users, "coordinateur").post(reverse("evaluation:milestone_done", args=[convention.slug, milestone.pk]))
    milestone.refresh_from_db()
    assert (milestone.done_at, milestone.done_by) == (first, users["caf"])


# ---------------------------------------------------------------------------------------------
# Add, edit, delete


def test_add_a_milestone(client, convention, users):
    copil = BodyFactory(convention=convention, name="COPIL CTG")
    login(client, users, "caf")
    response = client.post(reverse("evaluation:milestone_create", args=[convention.slug]),
                           form_data(body=copil.pk, notes="Présenté au COPIL de juin."))
    created = convention.milestones.get()
    assert response.status_code == 302 and response.url.endswith(f"#jalon-{created.pk}")
    assert (created.title, created.start, created.end, created.body) == (
        "Bilan intermédiaire", D(2024, 5, 1), D(2024, 7, 31), copil)
    assert created.generated_key == ""


def test_edit_a_milestone(client, convention, users, milestone):
    login(client, users, "coordinateur")
    url = reverse("evaluation:milestone_edit", args=[convention.slug, milestone.pk])
    page = text(client.get(url))
    assert 'value="Restitution du diagnostic"' in page
    response = client.post(url, form_data(title="Restitution du diagnostic aux élus", status=MilestoneStatus.FAIT))
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.title == "Restitution du diagnostic aux élus"
    assert milestone.done_by == users["coordinateur"] and milestone.done_at is not None
    client.post(url, form_data(status=MilestoneStatus.PREVU))
    milestone.refresh_from_db()
    assert (milestone.done_at, milestone.done_by) == (None, None)


def test_form_errors_are_in_french_at_the_field_and_keep_what_was_typed(client, convention, users, milestone):
    login(client, users, "caf")
    url = reverse("evaluation:milestone_edit", args=[convention.slug, milestone.pk])
    response = client.post(url, form_data(title="Bilan à revoir", start="2024-08-01", end="2024-07-31"))
    assert response.status_code == 200
    page = text(response)
    assert "Le jalon n'est pas enregistré" in page
    assert '<p class="field-error" id="id_end_error">L\'échéance ne peut pas précéder le début.</p>' in page
    assert 'value="Bilan à revoir"' in page and 'value="2024-08-01"' in page and 'value="2024-07-31"' in page
    response = client.post(url, form_data(title="", end=""))
    page = text(response)
    assert '<p class="field-error" id="id_title_error">Ce champ est obligatoire.</p>' in page
    assert '<p class="field-error" id="id_end_error">Ce champ est obligatoire.</p>' in page
    milestone.refresh_from_db()
    assert milestone.title == "Restitution du diagnostic"


def test_two_people_editing_a_milestone(client, convention, users, milestone):
    """The first save wins; the second sees it with its own typing kept, merges what it did not touch, and confirms."""
    second = client.__class__()
    login(client, users, "caf")
    second.force_login(users["coordinateur"])
    url = reverse("evaluation:milestone_edit", args=[convention.slug, milestone.pk])
    response = two_writers(client, second, url, "title", {"end": "2026-12-15", "notes": "Avancé en décembre."},
                           {"end": "2027-01-20", "title": "Restitution du diagnostic aux élus"})
    page = text(response)
    assert response.status_code == 409
    assert "Modifié entre-temps par" in page and users["caf"].username in page
    assert "20/01/2027" in page and "15/12/2026" in page and 'value="Restitution du diagnostic aux élus"' in page
    milestone.refresh_from_db()
    assert (milestone.title, milestone.end, milestone.notes) == ("Restitution du diagnostic", D(2026, 12, 15), "Avancé en décembre.")
    assert second.post(url, page_form(response, "title")).status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.end, milestone.notes) == (
        "Restitution du diagnostic aux élus", D(2027, 1, 20), "Avancé en décembre.")


def test_body_is_limited_to_the_conventions_instances(client, convention, users, milestone):
    other = BodyFactory(name="COPIL d'une autre CTG")
    own = BodyFactory(convention=convention, name="COPIL Roumois Seine")
    login(client, users, "caf")
    url = reverse("evaluation:milestone_edit", args=[convention.slug, milestone.pk])
    page = text(client.get(url))
    assert "COPIL Roumois Seine" in page and "COPIL d'une autre CTG" not in page
    response = client.post(url, form_data(body=other.pk))
    assert response.status_code == 200 and 'id="id_body_error"' in text(response)
    assert client.post(url, form_data(body=own.pk)).status_code == 302


def test_delete_asks_for_confirmation_then_deletes(client, convention, users, milestone):
    login(client, users, "caf")
    url = reverse("evaluation:milestone_delete", args=[convention.slug, milestone.pk])
    page = text(client.get(url))
    assert "Supprimer le jalon « Restitution du diagnostic » ?" in page
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


# ---------------------------------------------------------------------------------------------
# Roles


def edit_urls(convention, milestone):
    return {
        "generate": reverse("evaluation:generate", args=[convention.slug]),
        "create": reverse("evaluation:milestone_create", args=[convention.slug]),
        "edit": reverse("evaluation:milestone_edit", args=[convention.slug, milestone.pk]),
        "delete": reverse("evaluation:milestone_delete", args=[convention.slug, milestone.pk]),
    }


def post_urls(convention, milestone):
    return {
        **edit_urls(convention, milestone),
        "done": reverse("evaluation:milestone_done", args=[convention.slug, milestone.pk]),
    }


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 200), ("outsider", 404)])
def test_timeline_per_role(client, convention, users, milestone, role, status):
    response = login(client, users, role).get(reverse("evaluation:milestones", args=[convention.slug]))
    assert response.status_code == status
    if status == 200:
        assert "Restitution du diagnostic" in text(response)


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 403), ("outsider", 404)])
def test_editing_pages_per_role(client, convention, users, milestone, role, status):
    login(client, users, role)
    for name, url in edit_urls(convention, milestone).items():
        assert client.get(url).status_code == status, name


@pytest.mark.parametrize("role, status", [("elu", 403), ("outsider", 404)])
def test_readers_and_outsiders_cannot_write(client, convention, users, milestone, role, status):
    login(client, users, role)
    for name, url in post_urls(convention, milestone).items():
        assert client.post(url, form_data(title="Piraté")).status_code == status, name
        assert client.post(url, form_data(title="Piraté"), headers={"HX-Request": "true"}).status_code == status, name
    milestone.refresh_from_db()
    assert (milestone.title, milestone.status) == ("Restitution du diagnostic", MilestoneStatus.PREVU)
    assert convention.milestones.count() == 1


@pytest.mark.parametrize("role", ["caf", "coordinateur"])
def test_editors_can_write(client, convention, users, milestone, role):
    login(client, users, role)
    urls = post_urls(convention, milestone)
    assert client.post(urls["create"], form_data(title="Nouveau")).status_code == 302
    assert client.post(urls["edit"], form_data(title="Modifié")).status_code == 302
    assert client.post(urls["generate"]).status_code == 302
    assert client.post(urls["done"]).status_code == 302
    assert client.post(urls["delete"]).status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_edit_controls_only_for_editors(client, convention, users, milestone):
    url = reverse("evaluation:milestones", args=[convention.slug])
    page = text(login(client, users, "coordinateur").get(url))
    for control in ("Marquer comme fait", "Générer les jalons", "Ajouter un jalon", "Modifier", "Supprimer"):
        assert control in page, control
    page = text(login(client, users, "elu").get(url))
    for control in ("Marquer comme fait", "Générer les jalons", "Ajouter un jalon", "Modifier", "Supprimer"):
        assert control not in page, control


def test_another_conventions_milestone_is_not_found_here(client, convention, users):
    other = MilestoneFactory(title="Jalon voisin")
    login(client, users, "caf")
    for name in ("milestone_edit", "milestone_delete", "milestone_done"):
        url = reverse(f"evaluation:{name}", args=[convention.slug, other.pk])
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, form_data()).status_code == 404, name
    other.refresh_from_db()
    assert (other.title, other.status) == ("Jalon voisin", MilestoneStatus.PREVU)


def test_anonymous_is_sent_to_login(client, convention, milestone):
    for url in [reverse("evaluation:milestones", args=[convention.slug]), *post_urls(convention, milestone).values()]:
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_a_convention_extended_to_9999_by_other_means_still_generates(client, convention, users):
    # An avenant's far term made « Générer les jalons » answer 500 for good: the plan stops at
    # the last day the application accepts.
    avenant = AvenantFactory(convention=convention, effective_from=D(2025, 12, 15), signed_on=D(2025, 12, 15))
    type(avenant).objects.filter(pk=avenant.pk).update(effective_until=D(9999, 12, 31))
    login(client, users, "coordinateur")
    response = client.post(reverse("evaluation:generate", args=[convention.slug]), follow=True)
    assert response.status_code == 200
    assert convention.milestones.get(generated_key="bilan_final").end == D(2200, 12, 31)
    assert max(convention.milestones.values_list("end", flat=True)) <= D(2201, 12, 31)
    assert client.get(reverse("evaluation:milestones", args=[convention.slug])).status_code == 200


def test_the_plan_of_dates_stored_out_of_range_stays_within_the_calendar():
    planned = milestones_plan(D(1, 1, 1), D(9999, 12, 31), signed_on=D(9999, 12, 31))
    assert planned and all(D(1900, 1, 1) <= m.end <= D(2201, 12, 31) for m in planned)
