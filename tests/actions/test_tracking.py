"""The quarterly tracking page: its rows (the fiches in force during the quarter), per role,
the in-place row edit, copying the previous quarter."""

import datetime

import pytest
from django.urls import reverse

from actions.models import Update
from actions.periods import Period, periods_between
from conventions.enums import AvenantStatus
from tests.actions.helpers import T1, page_url, row_url, snapshot, upload, workbook_bytes
from tests.factories import (
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    UpdateFactory,
    users_for,
)
from tests.helpers import page_form, text

pytestmark = pytest.mark.django_db


# Periods


def test_periods_parse_label_and_bounds():
    period = Period.parse(" 2026-T4 ")
    assert (period.start, period.end, period.label) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31), "4e trimestre 2026")
    assert str(period.next()) == "2027-T1" and str(Period(2026, 1).previous()) == "2025-T4"
    assert [str(p) for p in periods_between(datetime.date(2025, 11, 5), datetime.date(2026, 4, 1))] == [
        "2025-T4", "2026-T1", "2026-T2"
    ]
    with pytest.raises(ValueError, match="attendu AAAA-Tn"):
        Period.parse("2026-Q1")


def test_rows_are_the_fiches_in_force_during_the_quarter(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    t1 = client.get(page_url(convention)).content.decode()
    assert all(title in t1 for title in ["Développer l&#x27;accueil", "Soutenir les parents", "Créer des passerelles"])
    t2 = client.get(page_url(convention, Period(2026, 2))).content.decode()
    assert "Soutenir les parents" not in t2 and "Créer des passerelles" in t2
    t4 = client.get(page_url(convention, Period(2025, 4))).content.decode()
    assert "Créer des passerelles" not in t4


def test_rows_without_update_are_marked(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["elu"])
    html = client.get(page_url(convention)).content.decode()
    assert "2 actions sans suivi à jour" in html
    assert html.count("Sans suivi ce trimestre") == 2
    assert "12" in html and "cible 30" in html


def test_tracking_redirects_to_the_chosen_or_current_quarter(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    response = client.get(reverse("actions:tracking", args=[convention.slug]) + "?periode=2024-T3")
    assert response.url == page_url(convention, Period(2024, 3))
    # Outside the convention: the nearest quarter.
    response = client.get(reverse("actions:tracking", args=[convention.slug]) + "?periode=2031-T1")
    assert response.url == page_url(convention, Period(2026, 4))
    assert client.get(page_url(convention, Period(2030, 1))).status_code == 404
    assert client.get(reverse("actions:tracking_period", args=[convention.slug, "2026-T9"])).status_code == 404


def test_the_page_opens_on_the_latest_quarter_with_data_until_the_current_one_has_some(client):
    today = datetime.date.today()
    current = Period.containing(today)
    convention = ConventionFactory(start=datetime.date(today.year - 2, 1, 1), end=datetime.date(today.year + 2, 12, 31))
    fiche = FicheFactory(axis__convention=convention, key="accueil")
    client.force_login(users_for(convention)["caf"])
    url = reverse("actions:tracking", args=[convention.slug])
    assert client.get(url).url == page_url(convention, current)  # nothing tracked yet: the current quarter
    earlier = current.previous().previous()
    UpdateFactory(fiche=fiche, period=str(earlier), status="en_cours")
    assert client.get(url).url == page_url(convention, earlier)
    UpdateFactory(fiche=fiche, period=str(current), status="realisee")
    assert client.get(url).url == page_url(convention, current)


def test_the_previous_quarter_is_shown_beside_each_input(tracking_plan, client):
    convention, accueil, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    form = text(client.get(row_url(convention, "accueil", Period(2026, 2)), headers={"HX-Request": "true"}))
    pk = accueil.indicators.get().pk
    assert '<p class="help" id="id_accueil-status_helptext">En 2026-T1 : En cours</p>' in form
    assert '<p class="help" id="id_accueil-progress_helptext">En 2026-T1 : 40 %</p>' in form
    assert '<p class="help" id="id_accueil-comment_helptext">En 2026-T1 : « Avancement conforme. »</p>' in form
    assert f'<p class="help" id="id_accueil-indicator_{pk}_helptext">Cible : 30 · en 2026-T1 : 12</p>' in form
    assert 'aria-describedby="id_accueil-progress_helptext"' in form
    # Without htmx too, and nothing for a quarter without a previous update.
    page = text(client.get(page_url(convention, Period(2026, 2)) + "?modifier=accueil"))
    assert "En 2026-T1 : En cours" in page
    first = text(client.get(row_url(convention, "accueil"), headers={"HX-Request": "true"}))
    assert "En 2025-T4" not in first and "Cible : 30</p>" in first


# Roles


@pytest.mark.parametrize("role, page, edit", [
    ("caf", 200, 200), ("coordinateur", 200, 200), ("elu", 200, 403), ("outsider", 404, 404),
])
def test_roles(tracking_plan, client, role, page, edit):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)[role])
    response = client.get(page_url(convention))
    assert response.status_code == page
    if page == 200:
        assert ("Mettre à jour" in response.content.decode()) == (edit == 200)
        assert client.get(reverse("actions:tracking_export", args=[convention.slug, "2026-T1"])).status_code == 200
    before = snapshot()
    response = client.post(row_url(convention, "parents"), {"parents-status": "realisee"}, headers={"HX-Request": "true"})
    assert response.status_code == edit
    assert client.post(reverse("actions:tracking_copy", args=[convention.slug, "2026-T2"])).status_code in (
        (302,) if edit == 200 else (edit,)
    )
    if edit != 200:
        assert upload(client, convention, workbook_bytes(convention)).status_code == edit
        assert snapshot() == before


# In-place row edit


def test_htmx_row_save_returns_the_row_with_who_and_when(tracking_plan, client):
    convention, *_ = tracking_plan
    user = users_for(convention)["coordinateur"]
    user.first_name, user.last_name = "Claire", "Durand"
    user.save()
    client.force_login(user)
    form = client.get(row_url(convention, "accueil"), headers={"HX-Request": "true"}).content.decode()
    assert 'name="accueil-status"' in form and 'value="12"' in form and "<html" not in form
    response = client.post(row_url(convention, "accueil"), {
        "accueil-status": "realisee", "accueil-progress": "100", "accueil-comment": "Ouverture faite.",
        "accueil-difficulties": "", f"accueil-indicator_{convention.fiches.get(key='accueil').indicators.get().pk}": "30,5",
    }, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<tr id="suivi-accueil"')
    assert "Réalisée" in html and "Claire Durand" in html and "statut : En cours → Réalisée" in html
    update = Update.objects.get(fiche__key="accueil", period="2026-T1")
    assert (update.status, update.progress, update.updated_by, update.indicator_values.get().value) == ("realisee", 100, user, 30.5)
    # The history says who changed what.
    assert update.history.first().history_user == user
    assert update.history.count() == 2


def test_the_count_of_rows_without_update_follows_an_inline_save(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    assert "2 actions sans suivi à jour" in text(client.get(page_url(convention)))
    response = client.post(row_url(convention, "parents"), {"parents-status": "en_cours", "parents-comment": "Lancé."},
                           headers={"HX-Request": "true"})
    html = text(response)
    assert html.lstrip().startswith('<tr id="suivi-parents"')
    summary = html[html.index('<div id="suivi-resume" hx-swap-oob="true">'):]
    assert "<strong>1 action sans suivi à jour</strong>" in summary
    assert "1 action sans suivi à jour" in text(client.get(page_url(convention)))  # and without htmx
    client.post(row_url(convention, "passerelles"), {"passerelles-status": "en_cours"}, headers={"HX-Request": "true"})
    response = client.post(row_url(convention, "parents"), {"parents-status": "realisee"}, headers={"HX-Request": "true"})
    summary = text(response)[text(response).index('id="suivi-resume"'):]
    assert "Toutes les actions sont suivies pour ce trimestre." in summary and "Reprendre les valeurs" not in summary


def test_row_error_stays_on_the_row_with_typed_values(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    before = snapshot()
    response = client.post(row_url(convention, "accueil"), {
        "accueil-status": "en_cours", "accueil-progress": "140", "accueil-comment": "Texte tapé à garder",
    }, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<tr id="suivi-accueil"')
    assert "inférieure ou égale à 100" in html and "Texte tapé à garder" in html and 'value="140"' in html
    assert snapshot() == before


def test_row_edit_without_htmx(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    response = client.get(row_url(convention, "parents"))
    assert response.status_code == 302 and "?modifier=parents" in response.url
    page = client.get(response.url).content.decode()
    assert 'name="parents-status"' in page
    response = client.post(row_url(convention, "parents"), {"parents-status": ""})
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()
    response = client.post(row_url(convention, "parents"), {"parents-status": "reportee", "parents-comment": "Reporté"})
    assert response.status_code == 302
    assert Update.objects.get(fiche__key="parents", period="2026-T1").status == "reportee"


def test_a_fiche_not_in_force_has_no_row(tracking_plan, client):
    convention, *_ = tracking_plan
    client.force_login(users_for(convention)["caf"])
    assert client.get(row_url(convention, "parents", Period(2026, 2)), headers={"HX-Request": "true"}).status_code == 404


def test_copy_previous_quarter_marks_rows_to_check(tracking_plan, client):
    convention, accueil, *_ = tracking_plan
    user = users_for(convention)["caf"]
    client.force_login(user)
    response = client.post(reverse("actions:tracking_copy", args=[convention.slug, "2026-T2"]), follow=True)
    assert "1 ligne reprise du trimestre 2026-T1" in response.content.decode()
    copy = Update.objects.get(fiche=accueil, period="2026-T2")
    assert (copy.status, copy.progress, copy.copied_from, copy.indicator_values.get().value) == ("en_cours", 40, "2026-T1", 12)
    html = client.get(page_url(convention, Period(2026, 2))).content.decode()
    assert "Repris de 2026-T1, à vérifier" in html
    # Saving the row unchanged confirms it.
    client.post(row_url(convention, "accueil", Period(2026, 2)), {"accueil-status": "en_cours", "accueil-progress": "40",
                                                                   "accueil-comment": "Avancement conforme.",
                                                                   f"accueil-indicator_{accueil.indicators.get().pk}": "12"})
    copy.refresh_from_db()
    assert copy.copied_from == ""
    # Nothing left to copy: a clear message, nothing written.
    response = client.post(reverse("actions:tracking_copy", args=[convention.slug, "2026-T2"]), follow=True)
    assert "Aucune ligne à reprendre" in response.content.decode()


def test_avenant_draft_fiche_is_not_tracked(tracking_plan, client):
    convention, *_ = tracking_plan
    draft = AvenantFactory(convention=convention, number=2, status=AvenantStatus.BROUILLON, effective_from=datetime.date(2026, 1, 1))
    FicheFactory(axis=convention.axes.get(), number=9, key="brouillon", title="Proposer une action", avenant=draft)
    client.force_login(users_for(convention)["caf"])
    assert "Proposer une action" not in client.get(page_url(convention)).content.decode()


def test_fiche_page_shows_who_changed_the_tracking(tracking_plan, client):
    convention, accueil, *_ = tracking_plan
    user = users_for(convention)["coordinateur"]
    user.first_name, user.last_name = "Claire", "Durand"
    user.save()
    client.force_login(user)
    client.post(row_url(convention, "accueil"), {"accueil-status": "realisee", "accueil-progress": "100",
                                                 "accueil-comment": "Avancement conforme."})
    html = client.get(reverse("actions:fiche", args=[convention.slug, "accueil"])).content.decode()
    assert "Historique du suivi (2 modifications)" in html
    assert "Claire Durand, 2026-T1 : statut : En cours → Réalisée ; avancement : 40 % → 100 %" in html


# Two people on one row


HTMX = {"HX-Request": "true"}


def opened_row(client, convention, key, period=T1):
    return page_form(client.get(row_url(convention, key, period), headers=HTMX), f"{key}-status")


@pytest.fixture
def two_editors(tracking_plan, client):
    convention, *_ = tracking_plan
    users = users_for(convention)
    users["caf"].first_name, users["caf"].last_name = "Anne", "Martin"
    users["caf"].save()
    first, second = client, client.__class__()
    first.force_login(users["caf"])
    second.force_login(users["coordinateur"])
    return convention, first, second


def test_the_second_save_of_a_row_sees_the_first_and_keeps_its_typing(two_editors):
    convention, first, second = two_editors
    theirs, mine = opened_row(first, convention, "accueil"), opened_row(second, convention, "accueil")
    theirs.update({"accueil-status": "realisee", "accueil-comment": "Ouverture faite en mars."})
    assert first.post(row_url(convention, "accueil"), theirs, headers=HTMX).status_code == 200

    mine.update({"accueil-status": "abandonnee", "accueil-comment": "Recrutement difficile."})
    response = second.post(row_url(convention, "accueil"), mine, headers=HTMX)
    row = text(response)
    assert response.status_code == 409 and row.lstrip().startswith('<tr id="suivi-accueil"')
    assert "Modifié entre-temps par Anne Martin : Statut « Réalisée » (votre saisie : « Abandonnée »)" in row
    assert "Commentaire « Ouverture faite en mars. »" in row
    assert "Recrutement difficile." in row  # the typing is kept in the form
    update = Update.objects.get(fiche__key="accueil", period="2026-T1")
    assert (update.status, update.comment) == ("realisee", "Ouverture faite en mars.")
    # Confirming, having read the other's values, saves the second person's.
    assert second.post(row_url(convention, "accueil"), page_form(response, "accueil-status"), headers=HTMX).status_code == 200
    update.refresh_from_db()
    assert (update.status, update.comment) == ("abandonnee", "Recrutement difficile.")


def test_two_saves_of_different_fields_of_a_row_are_merged(two_editors):
    convention, first, second = two_editors
    indicator = convention.fiches.get(key="accueil").indicators.get()
    theirs, mine = opened_row(first, convention, "accueil"), opened_row(second, convention, "accueil")
    theirs.update({"accueil-progress": "60", f"accueil-indicator_{indicator.pk}": "18"})
    assert first.post(row_url(convention, "accueil"), theirs, headers=HTMX).status_code == 200

    mine["accueil-comment"] = "Deux assistantes maternelles de plus."
    response = second.post(row_url(convention, "accueil"), mine, headers=HTMX)
    assert response.status_code == 200
    assert "Modifié entre-temps par Anne Martin : « Avancement (%) », « Places ouvertes (nombre) »" in text(response)
    update = Update.objects.get(fiche__key="accueil", period="2026-T1")
    assert (update.progress, update.comment, update.indicator_values.get().value) == (
        60, "Deux assistantes maternelles de plus.", 18)


def test_two_first_updates_of_a_row_without_htmx(two_editors):
    """"parents" has no update yet: the second person to write one sees the first's."""
    convention, first, second = two_editors
    theirs = page_form(first.get(page_url(convention) + "?modifier=parents"), "parents-status")
    mine = page_form(second.get(page_url(convention) + "?modifier=parents"), "parents-status")
    theirs.update({"parents-status": "reportee", "parents-comment": "Reporté à 2027."})
    assert first.post(row_url(convention, "parents"), theirs).status_code == 302

    mine.update({"parents-status": "en_cours", "parents-comment": "Premier atelier en avril."})
    response = second.post(row_url(convention, "parents"), mine)
    page = text(response)
    assert response.status_code == 409 and "<html" in page
    assert "Modifié entre-temps par Anne Martin : Statut « Reportée » (votre saisie : « En cours »)" in page
    assert "Premier atelier en avril." in page
    assert Update.objects.get(fiche__key="parents", period="2026-T1").comment == "Reporté à 2027."
    assert second.post(row_url(convention, "parents"), page_form(response, "parents-status")).status_code == 302
    assert Update.objects.get(fiche__key="parents", period="2026-T1").comment == "Premier atelier en avril."


def test_a_convention_extended_to_year_9999_by_other_means_still_tracks(tracking_plan, client):
    # An avenant written with a far term (before forms and imports bounded dates) made the
    # tracking pages answer 500: the quarters stop at the last year the application accepts.
    convention, *_ = tracking_plan
    avenant = convention.avenants.get()
    type(avenant).objects.filter(pk=avenant.pk).update(effective_until=datetime.date(9999, 12, 31))
    client.force_login(users_for(convention)["caf"])
    response = client.get(page_url(convention))
    assert response.status_code == 200 and "2200-T4" in text(response) and "2201-T1" not in text(response)
    assert client.get(page_url(convention, "2200-T4")).status_code == 200
    assert client.get(page_url(convention, "9999-T4")).status_code == 404
    with pytest.raises(ValueError, match="hors limites"):
        Period.parse("9999-T4")
