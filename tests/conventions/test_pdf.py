"""The convention's PDFs, read back with pypdf: the full document as in force on a date (what a
signatory reads), an avenant alone, the signature block."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from conventions.enums import AvenantStatus, OperationKind
from conventions.models import Equipment, Operation, Organisation, Signatory
from conventions.parties import copies, signature_context, signing_title
from conventions.pdf import AvenantPdf, ConventionPdf
from exchange.importer import import_document
from exchange.reading import load_json
from tests.factories import users_for
from tests.helpers import DEMO_ROUMOIS, EXAMPLE_PATH, html_text, outline_titles, pdf_lines, pdf_text
from tests.scenarios import sign_avenant_2_with_its_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def roumois():
    convention = import_document(load_json(EXAMPLE_PATH))
    convention.visas.create(text="Vu le Code de la sécurité sociale ;", position=9)
    fiche = convention.fiches.get(key="observatoire-alsh")
    fiche.initial_diagnosis = "<script>alert(1)</script> ![x](http://example.org/x.png) <img src=http://example.org/y.png>"
    fiche.save()
    return convention


def test_full_document_as_in_force_after_the_avenant(roumois, tmp_path):
    output = tmp_path / "ctg.pdf"
    call_command("export_convention", roumois.slug, "--format", "pdf", "--date", "2025-12-16", "--output", str(output))
    reader, text = pdf_lines(output.read_bytes())
    for heading in ["Entre les parties", "Visas et préambule", "Articles", "Signatures",
                    "Annexe 1", "Annexe 2", "Annexe 3", "Annexe 4", "Annexe 5", "Annexe 6", "Annexe 7"]:
        assert heading in text, heading
    assert "Développer les passerelles" in text and "Structurer et animer la gouvernance de la CTG" in text
    assert "Aller vers les familles éloignées des services" not in text
    assert "Point information jeunesse" not in text  # abrogated equipment
    assert "complété par l'avenant n°2 du 15/12/2025" in text
    assert "Sylvain BONENFANT" in text and "Fait à Bourg-Achard" in text
    # The cover carries the préfecture stamp of the avenant applied.
    cover = reader.pages[0].extract_text()
    assert "Avenant n°2 du 15/12/2025" in cover and "027-200066405-20251215-CC_201_2025-DE" in cover
    assert "<script>alert(1)</script>" in text  # shown as the characters typed, never as markup
    assert 10 <= len(reader.pages) <= 40
    titles = outline_titles(reader)
    assert "Annexe 4 — Plan d'actions et fiches actions" in titles
    assert any(t.startswith("Action 3 — Développer les passerelles") for t in titles)
    assert reader.metadata.title == roumois.title
    assert reader.metadata.author == "Caisse d'allocations familiales de l'Eure"


def test_the_consolidated_articles_name_the_avenant_that_wrote_them(client):
    """The demo's avenant n°2 rewrites articles 3 and 5 saying « le présent avenant »: in the
    convention in force that is « l'avenant n°2 »; the cover names both avenants applied."""
    demo = import_document(load_json(DEMO_ROUMOIS))
    html = html_text(ConventionPdf(datetime.date(2025, 12, 16)).html(demo))
    articles = html[html.index('id="articles"'):html.index('id="signatures"')]
    assert "présent avenant" not in articles
    assert "L'avenant n°2 est conclu dans le cadre des orientations de la Convention d'objectifs et de gestion" in articles
    assert "Convention en vigueur au 16/12/2025, modifiée par l'avenant n°1 du " in html
    assert " et l'avenant n°2 du 15/12/2025." in html
    client.force_login(users_for(demo)["elu"])
    page = html_text(client.get(reverse("conventions:detail", args=[demo.slug]), {"date": "2025-12-16"}).content.decode())
    assert "L'avenant n°2 est conclu dans le cadre" in page and "Le présent avenant est conclu" not in page


def test_before_the_avenant_the_abrogated_fiche_is_there(roumois):
    from conventions.pdf import ConventionPdf

    _, _, data = ConventionPdf(datetime.date(2025, 12, 14)).generate(roumois)
    _, text = pdf_lines(data)
    assert "Aller vers les familles éloignées des services" in text
    assert "Structurer et animer la gouvernance" not in text


def test_download_per_role_and_kept_once_generated(client, roumois, settings):
    users = users_for(roumois)
    url = reverse("documents:convention_pdf", args=[roumois.slug])
    client.force_login(users["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(users["elu"])
    response = client.get(url, {"date": "2025-12-16"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "roumois-seine-2022-en-vigueur-au-2025-12-16.pdf" in response["Content-Disposition"]
    cached = list((settings.MEDIA_ROOT / "pdf").glob("*.pdf"))
    assert len(cached) == 1
    data = b"".join(response.streaming_content)
    assert b"".join(client.get(url, {"date": "2025-12-16"}).streaming_content) == data
    assert len(list((settings.MEDIA_ROOT / "pdf").glob("*.pdf"))) == 1
    roumois.preamble = "Un nouveau préambule."
    roumois.save()
    client.get(url, {"date": "2025-12-16"})
    assert len(list((settings.MEDIA_ROOT / "pdf").glob("*.pdf"))) == 2


def test_fields_neither_run_nor_fetch(roumois):
    from conventions.pdf import ConventionPdf
    from ctg.pdf import local_only_fetcher

    html = ConventionPdf(datetime.date(2025, 12, 16)).html(roumois)
    assert "<script>alert" not in html and "<img" not in html
    with pytest.raises(ValueError, match="Ressource externe refusée"):
        local_only_fetcher().fetch("http://example.org/y.png")


def test_long_tables_repeat_their_header_and_long_words_wrap(roumois):
    """80 equipment rows run over several pages: each page of the table starts with its header.
    A 200-character address is cut over lines instead of running off the page."""
    from conventions.models import Equipment
    from conventions.pdf import ConventionPdf

    long_url = "https://www.example.org/" + "parentalite-" * 15 + "fin"
    for n in range(80):
        Equipment.objects.create(convention=roumois, key=f"alsh-{n}", kind="alsh_extrascolaire",
                                 name=f"Accueil de loisirs n°{n}", address=long_url if n == 0 else "")
    _, _, data = ConventionPdf(datetime.date(2025, 12, 16)).generate(roumois)
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    table_pages = [" ".join(text.split()) for text in pages if "Accueil de loisirs n°" in text]
    assert len(table_pages) >= 2
    assert all("Type de structure Nom et adresse" in text for text in table_pages)
    text = "\n".join(pages)
    assert long_url not in text and long_url in text.replace("\n", "")


def test_avenant_002_alone(plan_002_amends):
    convention, old, abrogated = plan_002_amends
    avenant = sign_avenant_2_with_its_text(convention, old, abrogated)
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
    # Without a civility, the capacities say who the representatives are (« président », « directrice »).
    assert ("représentée par Philippe CHARPIN, président du conseil d'administration, et par Aurore VERNIEUWE, "
            "directrice, dûment autorisés à signer le présent avenant ;") in text
    epci = pij.funded_by.name  # « Communauté de communes n°… »
    assert (f"La {epci}, représentée par Sylvain BONENFANT, président, dûment autorisé à signer le présent avenant "
            f"par délibération de son conseil communautaire ; Ci-après dénommée « {epci} ».") in text
    assert (f"Équipement « Point information jeunesse » (Accueil de jeunes), soutenu par la {epci} : retiré de "
            "l'annexe 3 de la convention.") in text
    assert "Vu la loi du 18 décembre 2023 pour le plein emploi" in text
    assert "Afin de tenir compte du nouveau cadre réglementaire" in text
    assert "Article 4 — Suivi, bilan et évaluation" in text and "Un tableau de suivi partagé" in text
    assert "Article 5 — Incidences de l'avenant sur la convention" in text
    assert "prend effet à compter du 15/12/2025 et jusqu'au 31/12/2026" in text
    assert "027-200066405-20251215-CC_201_2025-DE" in text
    # Place, date, one column per signatory under its party.
    assert "Fait à Bourg-Achard, le 15 décembre 2025, en deux exemplaires." in text  # as `002_…` writes it
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


def test_draft_avenant_says_projet(plan_002_amends):
    avenant = sign_avenant_2_with_its_text(*plan_002_amends, status=AvenantStatus.BROUILLON)
    _, _, data = AvenantPdf().generate(avenant)
    reader, text = pdf_text(data)
    assert "Projet" in text and "non signé" in text
    assert all("PROJET" in page.extract_text() for page in reader.pages)  # on every page
    assert "Fait à Bourg-Achard, le …" in text


def test_avenant_prints_an_amended_article_once(plan_002_amends):
    convention, old, abrogated = plan_002_amends
    avenant = sign_avenant_2_with_its_text(convention, old, abrogated)
    Operation.objects.create(avenant=avenant, position=5, op=OperationKind.AMEND_ARTICLE, article_number="9",
                             mode="complete", body="Un tableau de suivi partagé est mis en place dès le démarrage de la CTG.")
    Operation.objects.create(avenant=avenant, position=6, op=OperationKind.AMEND_ARTICLE, article_number="3",
                             mode="replace", body="Les parties se communiquent les données utiles.")
    html = AvenantPdf().html(avenant)
    assert html.count("Un tableau de suivi partagé est mis en place") == 1  # already the avenant's article 4
    assert "Article 3 de la convention — nouvelle rédaction" in html
    assert "Les parties se communiquent les données utiles." in html


def test_french_dates_and_counts_of_the_signature_block(plan_002_amends):
    from django.template import Context, Template

    convention, _, _ = plan_002_amends
    convention.signed_at, convention.signed_on = "Bourg-Achard", datetime.date(2022, 11, 1)
    html = Template('{% include "pdf/_signatures.html" %}').render(Context({
        "act": convention, **signature_context(convention),
    }))
    assert "le 1er novembre 2022, en deux exemplaires." in html
    assert f"<th colspan=\"2\">La {convention.caf.name}</th>" in html  # « La Caf … », as the parties say it
    titles = [signing_title(s) for s in convention.signatories.all()]
    assert "La Directrice" in titles
    assert all(f"{title}," in html_text(html) for title in titles), titles  # « La Directrice, »
    assert [copies(n) for n in (1, 3, 12)] == ["un exemplaire", "trois exemplaires", "12 exemplaires"]
    html = Template('{% include "pdf/_signatures.html" %}').render(Context({"act": convention, "parties": []}))
    assert "le 1er novembre 2022." in html and "exemplaire" not in html


@pytest.mark.parametrize(("representative", "capacity", "title"), [
    ("Mme Aurore VERNIEUWE", "Directrice", "La Directrice"),  # as 002 writes it
    ("M. Sylvain BONENFANT", "Président", "Le Président"),
    ("Philippe CHARPIN", "président du conseil d'administration", "Le Président du conseil d'administration"),
    ("Mme Claire DUVAL", "adjointe au maire", "L'Adjointe au maire"),
    ("M. Jean MARTIN", "Maire", "Le Maire"),
    ("Claire DUVAL", "Maire", "Maire"),  # neither the civility nor the capacity tells
    ("Mme Claire DUVAL", "La Vice-présidente", "La Vice-présidente"),  # already with its article
])
def test_the_signature_block_heads_each_column_with_the_capacity_and_its_article(representative, capacity, title):
    assert signing_title(Signatory(representative=representative, capacity=capacity)) == title


def text_heights(data):
    """Each line of text of the first page, and how far from the top of the page it is (mm)."""
    heights = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            heights.setdefault(text.strip(), tm[5] * 0.75 * 25.4 / 72)  # CSS pixels, from the top

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return heights


def test_each_signatory_has_room_to_sign_and_stamp(plan_002_amends):
    from django.template import Context, Template

    from ctg.pdf import render_pdf

    convention, _, _ = plan_002_amends
    html = Template('<html><head><link rel="stylesheet" href="css/print.css"></head><body>'
                    '{% include "pdf/_signatures.html" %}<p>Suite du document.</p></body></html>').render(Context({
                        "act": convention, "parties": [("Caf", [1]), ("Commune", [1])],
                        "signatories": [Signatory(capacity="Directrice", representative="Aurore VERNIEUWE"),
                                        Signatory(capacity="Maire", representative="Sylvain BONENFANT")],
                    }))
    heights = text_heights(render_pdf(html))
    # A signature (about 20 mm) and a 40 mm seal fit under each name.
    assert heights["Suite du document."] - heights["Aurore VERNIEUWE"] >= 60
    assert heights["Suite du document."] - heights["Sylvain BONENFANT"] >= 60


def test_the_sppe_schema_is_on_landscape_pages(roumois):
    """Seven columns: turned pages of their own, between the fiches and annexe 5 on upright ones."""
    from conventions.models import SppeRow
    from conventions.pdf import ConventionPdf

    for n in range(30):  # more structures than a page holds
        SppeRow.objects.create(convention=roumois, kind="mam", name=f"Maison d'assistants maternels n°{n}",
                               current_places=12, supported_places=0, staffing_needs="Départ à la retraite en 2027.")
    _, _, data = ConventionPdf(datetime.date(2025, 12, 16)).generate(roumois)
    reader = PdfReader(io.BytesIO(data))
    turned = [n for n, page in enumerate(reader.pages) if page.mediabox.width > page.mediabox.height]
    assert len(turned) >= 2 and turned == list(range(turned[0], turned[-1] + 1))
    texts = [page.extract_text() for page in reader.pages]
    assert "Schéma de maintien et de développement de l'offre d'accueil du jeune enfant (SPPE)" in texts[turned[0]]
    assert all("Places soutenues" in texts[n] for n in turned)  # the header on each of them
    assert "Maison d'assistants maternels n°29" in texts[turned[-1]]
    assert texts[turned[-1] + 1].startswith("Annexe 5") or "Annexe 5 —" in texts[turned[-1] + 1]
    assert reader.pages[turned[-1] + 1].mediabox.height > reader.pages[turned[-1] + 1].mediabox.width
    assert reader.pages[turned[0] - 1].mediabox.height > reader.pages[turned[0] - 1].mediabox.width
