"""Kept PDFs: a document is rendered once, then read from storage until what it shows changes."""

import pytest

from actions.pdf import FichePdf
from conventions.pdf import AvenantPdf
from documents.storage import pdf_of
from evaluation.pdf import BilanPdf
from tests.helpers import pdf_text
from tests.scenarios import sign_avenant_2_with_its_text

pytestmark = pytest.mark.django_db


def cached_files(settings):
    return sorted((settings.MEDIA_ROOT / "pdf").glob("*.pdf"))


@pytest.mark.parametrize("kind", ["avenant", "fiche", "bilan"])
def test_generated_once_then_served_from_the_cache_until_the_text_changes(kind, plan_002_amends, tracked_fiche, bilan,
                                                                          settings, monkeypatch):
    if kind == "avenant":
        obj, exporter, field = sign_avenant_2_with_its_text(*plan_002_amends), AvenantPdf(), "preamble"
    elif kind == "fiche":
        obj, exporter, field = tracked_fiche, FichePdf(), "target_public"
    else:
        obj, exporter, field = bilan, BilanPdf(), "approach"
    first = pdf_of(exporter.html(obj))
    assert len(cached_files(settings)) == 1

    def no_rendering(html):
        raise AssertionError("rendered again instead of read from the cache")

    monkeypatch.setattr("documents.storage.render_pdf", no_rendering)
    second = pdf_of(exporter.html(obj))
    assert second == first and len(cached_files(settings)) == 1
    monkeypatch.undo()

    setattr(obj, field, "Un texte entièrement nouveau.")
    obj.save()
    third = pdf_of(exporter.html(obj))
    assert third != first and len(cached_files(settings)) == 2
    assert "Un texte entièrement nouveau." in pdf_text(third)[1]
