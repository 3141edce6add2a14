"""The other PDF documents: an avenant alone, a fiche action, a bilan; read back with pypdf."""

import datetime

import pytest

from actions.models import IndicatorValue
from actions.pdf import FichePdf
from conventions.enums import AvenantStatus, OperationKind
from conventions.models import Article, Equipment, Operation, Organisation, Signatory, Visa
from conventions.pdf import AvenantPdf
from ctg.pdf import local_only_fetcher
from documents.storage import pdf_of
from evaluation.models import Bilan
from evaluation.pdf import BilanPdf
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    UpdateFactory,
)
from tests.conventions.test_pdf import outline_titles
from tests.conventions.test_pdf import pdf_text as pdf_lines

pytestmark = pytest.mark.django_db

def pdf_text(data):
    """The reader and the text of every page, lines joined: a phrase may wrap anywhere."""
    reader, text = pdf_lines(data)
    return reader, " ".join(text.split())


UNSAFE = "<script>alert(1)</script> ![x](http://example.org/x.png) <img src=http://example.org/y.png>"


@pytest.fixture
def plan():
    """The plan `002_…` amends: a passerelles fiche to replace, an aller-vers fiche to abrogate."""
    convention = ConventionFactory(title="Convention territoriale globale de la Communauté de communes Roumois Seine")
    caf = convention.caf
    Signatory.objects.filter(convention=convention, organisation=caf).update(
        representative="Philippe CHARPIN", capacity="Président du conseil d'administration"
    )
    Signatory.objects.create(convention=convention, organisation=caf, representative="Aurore VERNIEUWE",
                             capacity="Directrice", position=0)
    Signatory.objects.exclude(organisation=caf).filter(convention=convention).update(
        representative="Sylvain BONENFANT", capacity="Président"
    )
    old = FicheFactory(axis__convention=convention, number=3, key="passerelles-structures",
                       title="Développer les passerelles entre les structures")
    abrogated = FicheFactory(axis=old.axis, number=5, key="aller-vers",
                             title="Aller vers les familles éloignées des services")
    return convention, old, abrogated


def sign_avenant_2(convention, old, abrogated, status=AvenantStatus.SIGNE):
    """As tests/test_in_force.py: abrogate one fiche, replace one, add one; with its own text."""
    avenant = AvenantFactory(
        convention=convention, number=2, status=status, effective_from=datetime.date(2025, 12, 15),
        effective_until=datetime.date(2026, 12, 31), signed_at="Bourg-Achard",
        signed_on=datetime.date(2025, 12, 15) if status == AvenantStatus.SIGNE else None,
        preamble="Afin de tenir compte du nouveau cadre réglementaire, la convention est modifiée.",
        prefecture_sent_on=datetime.date(2025, 12, 19), prefecture_act_id="027-200066405-20251215-CC_201_2025-DE",
    )
    new = FicheFactory(axis=old.axis, number=3, key="passerelles-2026", avenant=avenant, previous_version=old,
                       title="Développer les passerelles",
                       initial_diagnosis="Les temps scolaires et périscolaires restent cloisonnés.",
                       implementation="Expérimentation sur une structure unique d'accueil de loisirs.")
    added = FicheFactory(axis=old.axis, number=7, key="observatoire-alsh", avenant=avenant,
                         title="Réaliser un observatoire de la qualité d'accueil des centres de loisirs",
                         target_public="Les ALSH et périscolaires de la communauté de communes",
                         partners="CEMEA, Francas")
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ABROGATE_FICHE, target_fiche=abrogated)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.REPLACE_FICHE, target_fiche=old, fiche=new)
    Operation.objects.create(avenant=avenant, position=2, op=OperationKind.ADD_FICHE, fiche=added)
    Visa.objects.create(convention=convention, avenant=avenant, position=0,
                        text="Vu la loi du 18 décembre 2023 pour le plein emploi ;")
    Article.objects.create(convention=convention, avenant=avenant, number="4", position=0,
                           title="Suivi, bilan et évaluation",
                           body="Un tableau de suivi partagé est mis en place dès le démarrage de la CTG.")
    Article.objects.create(convention=convention, avenant=avenant, number="5", position=1,
                           title="Incidences de l'avenant sur la convention",
                           body="Toutes les clauses de la convention initiale restent applicables.")
    return avenant


# --- Avenant -------------------------------------------------------------------------------------

def test_avenant_002_alone(plan):
    convention, old, abrogated = plan
    avenant = sign_avenant_2(convention, old, abrogated)
    pij = Equipment.objects.create(convention=convention, key="pij", kind="accueil_jeunes",
                                   name="Point information jeunesse", funded_by=Organisation.objects.get(
                                       signatures__convention=convention, kind="epci"))
    Operation.objects.create(avenant=avenant, position=3, op=OperationKind.ABROGATE_EQUIPMENT, target_equipment=pij)
    Operation.objects.create(avenant=avenant, position=4, op=OperationKind.AMEND_ANNEX, annex=5, mode="complete",
                             body="Les chargés de coopération font le lien entre le Copil CTG et les instances.")

    filename, mimetype, data = AvenantPdf().generate(avenant)

    assert (filename, mimetype) == (f"{convention.slug}-avenant-2.pdf", "application/pdf")
    reader, text = pdf_text(data)
    title = "Avenant n°2 à la Convention territoriale globale de la Communauté de communes Roumois Seine"
    assert title in text
    assert reader.metadata.title == title
    assert reader.metadata.author == convention.caf.name
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert "Projet" not in text
    # Parties, visas, préambule, its own articles.
    assert "représentée par Philippe CHARPIN" in text and "dûment autorisé(e)s à signer le présent avenant" in text
    assert "Vu la loi du 18 décembre 2023 pour le plein emploi" in text
    assert "Afin de tenir compte du nouveau cadre réglementaire" in text
    assert "Article 4 — Suivi, bilan et évaluation" in text and "Un tableau de suivi partagé" in text
    assert "Article 5 — Incidences de l'avenant sur la convention" in text
    assert "prend effet à compter du 15/12/2025 et jusqu'au 31/12/2026" in text
    assert "027-200066405-20251215-CC_201_2025-DE" in text
    # Place, date, one column per signatory under its party.
    assert "Fait à Bourg-Achard, le 15 décembre 2025, en 2 exemplaires" in text
    for name in ["Philippe CHARPIN", "Aurore VERNIEUWE", "Sylvain BONENFANT"]:
        assert name in text.split("Fait à Bourg-Achard")[1]
    # What it abrogates, and the fiches it adds or modifies, in full.
    assert "Abroger la fiche action « Aller vers les familles éloignées des services »" in text
    assert "Abroger l'action financée « Point information jeunesse »" in text
    assert "Les temps scolaires et périscolaires restent cloisonnés." in text
    assert "Expérimentation sur une structure unique d'accueil de loisirs." in text
    assert "Les ALSH et périscolaires de la communauté de communes" in text and "CEMEA, Francas" in text
    assert "Remplace la fiche de l'action 3 « Développer les passerelles entre les structures »" in text
    for box in ["Diagnostic initial", "Public cible", "Objectifs opérationnels", "Indicateurs d'évaluation"]:
        assert text.count(box) >= 2, box
    assert "Les chargés de coopération font le lien" in text
    # Outline: sections and each fiche.
    titles = outline_titles(reader)
    for section in ["Entre les parties", "Visas", "Préambule", "Articles", "Signatures",
                    "Récapitulatif des modifications", "Annexe 1 — Fiches actions ajoutées ou modifiées",
                    "Annexe 2 — Pilotage stratégique et opérationnel, suivi"]:
        assert section in titles, section
    assert "Action 3 — Développer les passerelles" in titles
    assert "Action 7 — Réaliser un observatoire de la qualité d'accueil des centres de loisirs" in titles
    assert "Aller vers les familles éloignées des services" not in " ".join(titles)


def test_draft_avenant_says_projet(plan):
    avenant = sign_avenant_2(*plan, status=AvenantStatus.BROUILLON)
    _, _, data = AvenantPdf().generate(avenant)
    reader, text = pdf_text(data)
    assert "Projet" in text and "non signé" in text
    assert all("PROJET" in page.extract_text() for page in reader.pages)  # on every page
    assert "Fait à Bourg-Achard, le …" in text


def test_avenant_prints_an_amended_article_once(plan):
    convention, old, abrogated = plan
    avenant = sign_avenant_2(convention, old, abrogated)
    Operation.objects.create(avenant=avenant, position=5, op=OperationKind.AMEND_ARTICLE, article_number="9",
                             mode="complete", body="Un tableau de suivi partagé est mis en place dès le démarrage de la CTG.")
    Operation.objects.create(avenant=avenant, position=6, op=OperationKind.AMEND_ARTICLE, article_number="3",
                             mode="replace", body="Les parties se communiquent les données utiles.")
    html = AvenantPdf().html(avenant)
    assert html.count("Un tableau de suivi partagé est mis en place") == 1  # already the avenant's article 4
    assert "Article 3 de la convention — nouvelle rédaction" in html
    assert "Les parties se communiquent les données utiles." in html


# --- Fiche ---------------------------------------------------------------------------------------

@pytest.fixture
def fiche():
    fiche = FicheFactory(title="Développer les passerelles", operational_objectives="- Tester une organisation.")
    indicator = IndicatorFactory(fiche=fiche, name="Nombre de formations organisées", unit="nombre", baseline=0, target=4)
    IndicatorFactory(fiche=fiche, name="Nombre de structures ayant adapté leurs pratiques", target=3)
    UpdateFactory(fiche=fiche, period="2025-T4", status="non_demarree", progress=0)
    update = UpdateFactory(fiche=fiche, period="2026-T1", status="en_cours", progress=20,
                           comment="Structure pilote retenue.", updated_on=datetime.date(2026, 4, 2))
    IndicatorValue.objects.create(update=update, indicator=indicator, value=1)
    # Copied into the next quarter and not confirmed yet: not the latest news.
    copied = UpdateFactory(fiche=fiche, period="2026-T2", status="en_cours", progress=20, copied_from="2026-T1",
                           comment="Recopié du trimestre précédent.", updated_on=datetime.date(2026, 7, 1))
    IndicatorValue.objects.create(update=copied, indicator=indicator, value=1)
    return fiche


def test_fiche_alone(fiche):
    filename, mimetype, data = FichePdf().generate(fiche)
    assert filename == f"{fiche.convention.slug}-action-{fiche.number}-{fiche.key}.pdf"
    reader, text = pdf_text(data)
    assert 1 <= len(reader.pages) <= 3
    assert fiche.convention.title in text
    assert f"Action {fiche.number} — Développer les passerelles" in text
    assert f"Axe {fiche.axis.number}" in text and "Enfance" in text and "Nouvelle action" in text
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
    assert reader.metadata.title == f"Action {fiche.number} — Développer les passerelles"
    assert reader.metadata.author == fiche.convention.caf.name
    assert {"Fiche action", "Indicateurs", "Dernier point de suivi"} <= set(outline_titles(reader))


def test_fiche_of_a_draft_avenant_is_a_projet(plan):
    avenant = sign_avenant_2(*plan, status=AvenantStatus.BROUILLON)
    _, _, data = FichePdf().generate(avenant.added_fiches.get(key="observatoire-alsh"))
    _, text = pdf_text(data)
    assert "Projet" in text and "Aucun point de suivi" in text


# --- Bilan ---------------------------------------------------------------------------------------

@pytest.fixture
def bilan():
    """Two axes, four actions: A réalisée, B en cours 50 %, C reportée 20 %, D without tracking."""
    convention = ConventionFactory()
    axis1 = AxisFactory(convention=convention, number=1, title="Petite enfance")
    axis2 = AxisFactory(convention=convention, number=2, title="Jeunesse")
    a = FicheFactory(axis=axis1, number=1, key="a")
    b = FicheFactory(axis=axis1, number=2, key="b")
    c = FicheFactory(axis=axis2, number=3, key="c", themes=["jeunesse"])
    FicheFactory(axis=axis2, number=4, key="d", themes=["jeunesse"])
    UpdateFactory(fiche=a, period="2025-T4", status="realisee", progress=100)
    UpdateFactory(fiche=b, period="2026-T1", status="en_cours", progress=50)
    UpdateFactory(fiche=c, period="2026-T1", status="reportee", progress=20)
    return Bilan.objects.create(
        convention=convention, kind="intermediaire", start=datetime.date(2024, 7, 1), end=datetime.date(2026, 3, 31),
        realisations="Le relais petite enfance a ouvert une **permanence** à Bourgtheroulde.",
        territorial_changes="Les familles trouvent une place d'accueil plus près de chez elles.",
        approach="Le COPIL s'est réuni deux fois par an.",
        early_childhood="Le taux de couverture progresse.",
    )


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


# --- Cache ---------------------------------------------------------------------------------------

def cached_files(settings):
    return sorted((settings.MEDIA_ROOT / "pdf").glob("*.pdf"))


@pytest.mark.parametrize("kind", ["avenant", "fiche", "bilan"])
def test_generated_once_then_served_from_the_cache_until_the_text_changes(kind, plan, fiche, bilan, settings,
                                                                          monkeypatch):
    if kind == "avenant":
        obj, exporter, field = sign_avenant_2(*plan), AvenantPdf(), "preamble"
    elif kind == "fiche":
        obj, exporter, field = fiche, FichePdf(), "target_public"
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


def test_french_dates_and_counts_of_the_signature_block(plan):
    from django.template import Context, Template

    convention, _, _ = plan
    convention.signed_at, convention.signed_on = "Bourg-Achard", datetime.date(2022, 11, 1)
    html = Template('{% include "pdf/_signatures.html" %}').render(Context({
        "act": convention, "parties": [("Caf", [])], "signatories": [],
    }))
    assert "le 1er novembre 2022, en 1 exemplaire." in html
    html = Template('{% include "pdf/_signatures.html" %}').render(Context({"act": convention, "parties": []}))
    assert "le 1er novembre 2022." in html and "exemplaire" not in html
