"""A fiche action alone in PDF, read back with pypdf."""

import time

import pytest

from actions.pdf import FichePdf
from conventions.enums import AvenantStatus
from tests.factories import FicheFactory, IndicatorFactory
from tests.helpers import outline_titles, pdf_lines, pdf_text
from tests.scenarios import sign_avenant_2_with_its_text

pytestmark = pytest.mark.django_db


def test_fiche_alone(tracked_fiche):
    filename, mimetype, data = FichePdf().generate(tracked_fiche)
    assert filename == f"{tracked_fiche.convention.slug}-action-{tracked_fiche.number}-{tracked_fiche.key}.pdf"
    reader, text = pdf_text(data)
    assert 1 <= len(reader.pages) <= 3
    assert tracked_fiche.convention.title in text
    assert f"Action {tracked_fiche.number} — Développer les passerelles" in text
    assert f"Axe {tracked_fiche.axis.number}" in text and "Enfance" in text and "Nouvelle action" in text
    for box in ["Diagnostic initial", "Public cible", "Objectifs opérationnels", "Modalités de mise en œuvre",
                "Services mobilisés et responsable de l'action", "Résultats attendus", "Partenaires sollicités",
                "Indicateurs d'évaluation", "Financements mobilisables"]:
        assert box in text, box
    assert "Tester une organisation." in text
    assert "Nombre de formations organisées" in text and "Nombre de structures ayant adapté leurs pratiques" in text
    assert "1 (2026-T1)" in text  # latest value of the first indicator
    assert "En cours" in text and "20 %" in text and "02/04/2026" in text and "Structure pilote retenue." in text
    assert "Non démarrée" not in text  # only the latest quarter
    assert "2026-T2" not in text and "Recopié" not in text and "01/07/2026" not in text  # an unconfirmed copy
    assert reader.metadata.title == f"Action {tracked_fiche.number} — Développer les passerelles"
    assert reader.metadata.author == tracked_fiche.convention.caf.name
    assert {"Fiche action", "Indicateurs", "Dernier point de suivi"} <= set(outline_titles(reader))


def test_fiche_of_a_draft_avenant_is_a_projet(plan_002_amends):
    avenant = sign_avenant_2_with_its_text(*plan_002_amends, status=AvenantStatus.BROUILLON)
    _, _, data = FichePdf().generate(avenant.added_fiches.get(key="observatoire-alsh"))
    _, text = pdf_text(data)
    assert "Projet" in text and "Aucun point de suivi" in text


def test_a_5000_character_word_wraps_in_bounded_time():
    """A word longer than any line (a pasted code, a hostile input): cut over lines inside its
    column, in its box, in a title, in an automatic table, and laid out in a few seconds (the time
    WeasyPrint spends on a word grows with the square of its length)."""
    word, title_word, name_word = "x" * 5000, "m" * 250, "n" * 300
    fiche = FicheFactory(title=title_word, implementation=f"Début {word} fin.")
    IndicatorFactory(fiche=fiche, name=name_word)
    start = time.monotonic()
    _, _, data = FichePdf().generate(fiche)
    assert time.monotonic() - start < 20
    reader, text = pdf_lines(data)
    joined = text.replace("\n", "")
    assert title_word in joined and name_word in joined
    assert text.count("x") - text.count("Axe") == 5000 and "Début" in text and "fin." in text  # over pages, between page headers
    # Each line holds what fits in its column: nothing runs off the page.
    assert max(len(line) for line in text.splitlines()) < 100
    assert len(reader.pages) <= 6
