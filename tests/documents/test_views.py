"""The PDF buttons of the avenant, fiche and bilan pages, per role: everyone with a role on the
convention downloads (an élu reads), an outsider gets 404."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from evaluation.models import Bilan
from tests.factories import (
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    UpdateFactory,
    users_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    convention = ConventionFactory(slug="roumois", title="CTG Roumois Seine")
    fiche = FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles")
    UpdateFactory(fiche=fiche, period="2026-T1", status="en_cours", progress=40)
    AvenantFactory(convention=convention, number=1, title="Avenant n°1")
    Bilan.objects.create(convention=convention, kind="intermediaire", start=datetime.date(2024, 1, 1),
                         end=datetime.date(2026, 3, 31), realisations="Un relais petite enfance a ouvert.")
    return convention


DOCUMENTS = {
    "avenant": (("conventions:avenant", "documents:avenant_pdf"), ("roumois", 1), "Avenant n°1",
                'filename="roumois-avenant-1.pdf"'),
    "fiche": (("actions:fiche", "documents:fiche_pdf"), ("roumois", "passerelles"), "Développer les passerelles",
              'filename="roumois-action-1-passerelles.pdf"'),
    "bilan": (("evaluation:bilan", "documents:bilan_pdf"), ("roumois", "intermediaire"), "Un relais petite enfance",
              'filename="roumois-intermediaire.pdf"'),
}


def pdf_text(response):
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize("kind", DOCUMENTS)
@pytest.mark.parametrize("role", ["caf", "coordinateur", "elu"])
def test_the_page_offers_its_pdf_and_it_downloads(client, convention, kind, role):
    (page_name, pdf_name), args, expected_text, disposition = DOCUMENTS[kind]
    client.force_login(users_for(convention)[role])
    pdf_url = reverse(pdf_name, args=args)
    assert f'href="{pdf_url}"' in client.get(reverse(page_name, args=args)).content.decode()
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert disposition in response["Content-Disposition"]
    assert expected_text in pdf_text(response)


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_an_outsider_gets_no_pdf(client, convention, kind):
    (_, pdf_name), args, _, _ = DOCUMENTS[kind]
    client.force_login(users_for(convention)["outsider"])
    assert client.get(reverse(pdf_name, args=args)).status_code == 404


def test_an_unknown_avenant_fiche_or_bilan_is_404(client, convention):
    client.force_login(users_for(convention)["caf"])
    for name, args in [("documents:avenant_pdf", ("roumois", 9)), ("documents:fiche_pdf", ("roumois", "inconnue")),
                       ("documents:bilan_pdf", ("roumois", "final"))]:
        assert client.get(reverse(name, args=args)).status_code == 404
