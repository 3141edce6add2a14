"""The full convention document: what a signatory reads in the PDF, extracted with pypdf."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from exchange.importer import import_document
from exchange.reading import load_json
from tests.factories import users_for
from tests.exchange.test_round_trips import EXAMPLE_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def roumois():
    convention = import_document(load_json(EXAMPLE_PATH))
    convention.visas.create(text="Vu le Code de la sécurité sociale ;", position=9)
    fiche = convention.fiches.get(key="observatoire-alsh")
    fiche.initial_diagnosis = "<script>alert(1)</script> ![x](http://example.org/x.png) <img src=http://example.org/y.png>"
    fiche.save()
    return convention


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def outline_titles(reader):
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def test_full_document_as_in_force_after_the_avenant(roumois, tmp_path):
    output = tmp_path / "ctg.pdf"
    call_command("export_convention", roumois.slug, "--format", "pdf", "--date", "2025-12-16", "--output", str(output))
    reader, text = pdf_text(output.read_bytes())
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


def test_before_the_avenant_the_abrogated_fiche_is_there(roumois):
    from conventions.pdf import ConventionPdf

    _, _, data = ConventionPdf(datetime.date(2025, 12, 14)).generate(roumois)
    _, text = pdf_text(data)
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


def test_the_fetcher_resolves_paths_before_comparing():
    from ctg.pdf import STATIC_DIR, local_only_fetcher

    assert local_only_fetcher().fetch(f"file://{STATIC_DIR}/css/print.css")
    for url in (f"file://{STATIC_DIR}/../../../../etc/passwd", f"file://{STATIC_DIR}/%2e%2e/%2e%2e/etc/hostname",
                f"file://{STATIC_DIR}-autre/x.css", "file://example.org/static/x.css"):
        with pytest.raises(ValueError, match="Ressource externe refusée"):
            local_only_fetcher().fetch(url)


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
