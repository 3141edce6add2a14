"""A bilan in PDF, read back with pypdf: figures, charts, written parts."""

import pytest

from ctg.pdf import local_only_fetcher
from evaluation.pdf import BilanPdf
from tests.helpers import outline_titles, pdf_text

pytestmark = pytest.mark.django_db


UNSAFE = "<script>alert(1)</script> ![x](http://example.org/x.png) <img src=http://example.org/y.png>"


def test_bilan_figures_charts_and_parts(bilan):
    filename, mimetype, data = BilanPdf().generate(bilan)
    assert filename == f"{bilan.convention.slug}-intermediaire.pdf"
    reader, text = pdf_text(data)
    assert "Bilan intermédiaire" in text and "Période du 01/07/2024 au 31/03/2026" in text
    assert "Taux de réalisation" in text and "25 %" in text  # 1 réalisée out of 4
    assert "Axe 1 — Petite enfance" in text and "75 %" in text and "20 %" in text  # mean progress by axe
    # The charts: their captions, and the texts drawn in the SVG (a status no action has is only there).
    assert "Avancement moyen par axe" in text and "Répartition des actions par statut" in text
    assert "Non démarrée" in text and "Sans suivi" in text
    for title, part in bilan.parts:
        assert title in text
        assert part.replace("**", "") in text
    assert reader.metadata.title == f"Bilan intermédiaire — {bilan.convention.title}"
    titles = outline_titles(reader)
    assert "Le plan d'actions en chiffres" in titles and "Réalisations" in titles


def test_bilan_charts_are_drawn_with_print_fills(bilan):
    html = BilanPdf().html(bilan)
    assert html.count("<style>") == 2 and ".bar--realisee" in html and "fill:" in html


def test_bilan_written_parts_neither_run_nor_fetch(bilan, monkeypatch):
    bilan.realisations = UNSAFE
    bilan.save()
    fetched = []
    original = local_only_fetcher

    def spy():
        fetcher = original()
        fetch = fetcher.fetch

        def recording(url, headers=None):
            fetched.append(url)
            return fetch(url, headers)

        fetcher.fetch = recording
        return fetcher

    monkeypatch.setattr("ctg.pdf.local_only_fetcher", spy)
    html = BilanPdf().html(bilan)
    assert "<script>alert" not in html and "<img" not in html
    _, _, data = BilanPdf().generate(bilan)
    _, text = pdf_text(data)
    assert "<script>alert(1)</script>" in text  # the characters typed, never markup
    assert fetched and not [url for url in fetched if "example.org" in url]
