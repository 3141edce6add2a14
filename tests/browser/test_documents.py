"""The progress page of a long PDF, in a real browser: it follows the worker without a reload."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from documents.enums import DocumentStatus
from documents.models import GeneratedDocument
from documents.storage import keep
from tests.browser import log_in
from tests.factories import ConventionFactory, users_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_page_follows_the_worker_then_offers_the_download(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    convention = ConventionFactory(slug="roumois")
    user = users_for(convention)["elu"]
    # A worker (played by this test) has laid out 40 pages of about 120 (600 kB of HTML at the default
    # 5 000 bytes a page, no forced page break).
    document = GeneratedDocument.objects.create(
        convention=convention, title="Document complet en vigueur au 01/12/2026", filename="roumois.pdf",
        key="a" * 64, html_bytes=600_000, status=DocumentStatus.EN_COURS, started_at=timezone.now(), pages_done=40,
    )
    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}{document.get_absolute_url()}")
    region = page.locator("#document-progress")
    expect(region).to_contain_text("Mise en page : page 40 sur environ 120")
    expect(page.get_by_role("progressbar", name="Avancement de la génération")).to_have_attribute("value", "30")

    keep(document.key, b"%PDF-1.7 fake")
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.PRET, pages=121,
                                                            finished_at=timezone.now())
    # Within a poll or two, without reloading the page.
    expect(page.get_by_role("link", name="Télécharger le PDF (121 pages)")).to_be_visible(timeout=6000)
    assert page.url.endswith(document.get_absolute_url())
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF (121 pages)").click()
    assert download.value.suggested_filename == "roumois.pdf"
