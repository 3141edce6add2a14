import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import Member
from tests.browser import log_in
from tests.factories import BodyFactory, ConventionFactory, FicheFactory, users_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_a_meeting_with_two_agenda_items_then_record_a_decision(live_server, page):
    convention = ConventionFactory(title="CTG Roumois Seine")
    copil = BodyFactory(convention=convention, key="copil", name="Comité de pilotage CTG")
    Member.objects.create(body=copil, name="Mme Martin", organisation="Caf de l'Eure", email="martin@example.org")
    FicheFactory(axis__convention=convention, number=1, title="Développer les passerelles")
    user = users_for(convention)["coordinateur"]
    day = timezone.localdate() + datetime.timedelta(days=10)

    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/conventions/{convention.slug}/gouvernance/")
    page.get_by_role("link", name="Planifier une séance de Comité de pilotage CTG").click()

    # The instance's members are convoked; the form opens with one agenda row, htmx adds the second.
    expect(page.locator('[name="participants-0-name"]')).to_have_value("Mme Martin")
    page.get_by_role("textbox", name="Date", exact=True).fill(day.isoformat())
    page.get_by_label("Heure de début").fill("14:00")
    page.get_by_label("Lieu").fill("Siège de la communauté de communes")
    page.locator('[name="agenda-0-text"]').fill("Point d'étape du plan d'actions")
    page.get_by_role("button", name="Ajouter un point").click()
    page.locator('[name="agenda-1-text"]').fill("Élargissement des passerelles")
    page.locator('[name="agenda-1-fiches"]').select_option(label="Action 1 — Développer les passerelles")
    page.get_by_role("button", name="Enregistrer la séance").click()

    title = f"Comité de pilotage CTG du {day:%d/%m/%Y}"
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    agenda = page.locator(".agenda li")
    expect(agenda).to_have_count(2)
    expect(agenda.nth(0)).to_contain_text("Point d'étape du plan d'actions")
    expect(agenda.nth(1)).to_contain_text("Action 1")

    # After the meeting: presence, one decision linked to the fiche, the compte-rendu.
    page.get_by_role("link", name="Rédiger le compte-rendu").click()
    page.locator('[name="presence-0-present"]').select_option(label="Présent")
    page.get_by_role("button", name="Ajouter une décision").click()
    page.locator('[name="decisions-0-text"]').fill("Ouvrir la passerelle aux enfants de 2 ans dès la rentrée.")
    page.locator('[name="decisions-0-fiche"]').select_option(label="Action 1 — Développer les passerelles")
    page.get_by_label("Compte-rendu", exact=True).fill("Le COPIL **valide** le point d'étape.")
    page.get_by_role("button", name="Enregistrer le compte-rendu").click()

    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_role("heading", name="Présents (1)")).to_be_visible()
    expect(page.locator(".decisions")).to_contain_text("Ouvrir la passerelle aux enfants de 2 ans")
    expect(page.locator("#compte-rendu ~ .prose strong")).to_have_text("valide")

    # The fiche lists the meeting and the decision.
    page.get_by_role("link", name="Action 1 — Développer les passerelles").last.click()
    panel = page.locator("section", has=page.get_by_role("heading", name="Séances et décisions"))
    expect(panel).to_contain_text(title)
    expect(panel).to_contain_text("Ouvrir la passerelle aux enfants de 2 ans")


def test_month_calendar_is_keyboard_reachable(live_server, page):
    convention = ConventionFactory(title="CTG Roumois Seine")
    user = users_for(convention)["elu"]
    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/conventions/{convention.slug}/gouvernance/calendrier/?mois=2026-03")
    expect(page.locator(".cal-month caption")).to_have_text("Mars 2026")
    page.get_by_role("link", name="Avril 2026").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".cal-month caption")).to_have_text("Avril 2026")
    assert "mois=2026-04" in page.url
