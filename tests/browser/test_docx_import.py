"""In a real browser: a Caf officer takes up a CTG from its Word document — upload, check the
preview, place an unrecognised paragraph in a fiche's box, create it signed — and lands on it."""

import pytest
from playwright.sync_api import expect

from conventions.enums import ConventionStatus, OrganisationKind, Role
from conventions.models import Convention, Organisation
from tests.browser import log_in
from tests.exchange.docx_helpers import REALISTIC_PATH
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_preview_assign_a_paragraph_then_create(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    caf = Organisation.objects.create(kind=OrganisationKind.CAF, code="27", name="Caisse d'allocations familiales de l'Eure")
    user = user_with_role(Role.CAF, caf)
    log_in(page, live_server, user.username)

    page.get_by_role("link", name="Reprendre une CTG depuis Word").click()
    page.get_by_label("Document Word de la convention (.docx)").set_input_files(str(REALISTIC_PATH))
    page.get_by_role("button", name="Lire le document").click()

    expect(page.get_by_role("heading", name="Vérifier ce qui a été reconnu")).to_be_visible()
    recognised = page.locator("section[aria-labelledby=reconnu]")
    expect(recognised).to_contain_text("Communauté de communes Lieuvin Pays d'Auge (EPCI) : Mme Hélène MARCHAND, Présidente")
    expect(recognised).to_contain_text("Fiche 1 « Développer les passerelles » — axe 1 — Enfance, Jeunesse")
    lonely = page.locator(".unrecognised li", has_text="Ce paragraphe isolé ne se rattache à rien.")
    lonely.get_by_role("combobox").select_option(
        label="Fiche 2 « Maintenir l'information, l'orientation et faciliter les démarches des parents » — "
              "Modalités de mise en œuvre"
    )
    page.get_by_label("Identifiant").fill("lieuvin-2023")
    expect(page.get_by_label("Signée (un acte existant)", exact=False)).to_be_checked()
    expect(page.get_by_label("Signée le")).to_have_value("2022-12-12")
    page.get_by_role("button", name="Créer la convention").click()

    expect(page.get_by_text("est reprise depuis son document Word, signée le 12/12/2022.")).to_be_visible()
    expect(page.get_by_role("heading", name="Convention territoriale globale de la Communauté de communes Lieuvin "
                                            "Pays d'Auge 2023-2027")).to_be_visible()
    convention = Convention.objects.get(slug="lieuvin-2023")
    assert convention.status == ConventionStatus.SIGNEE and convention.fiches.count() == 4
    assert convention.fiches.get(number=2).implementation == "Ce paragraphe isolé ne se rattache à rien."
