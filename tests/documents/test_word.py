"""« Télécharger en Word »: the convention as in force on a date, an avenant, a fiche, a séance's
ordre du jour and compte-rendu, per role (everyone with a role downloads; an outsider gets 404),
with Word styles; and `export_convention --format docx`."""

import datetime
import io

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse

from conventions.enums import AmendMode, OperationKind
from conventions.models import Operation
from ctg.docx import DOCX_MIMETYPE
from governance.models import AgendaItem, Decision, Participant
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    users_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    convention = ConventionFactory(slug="roumois", title="CTG Roumois Seine", start=datetime.date(2022, 1, 1))
    ArticleFactory(convention=convention, number="1", title="Objet", body="La convention a pour objet le projet social.")
    ArticleFactory(convention=convention, number="2", title="Engagements", body="Les partenaires s'engagent.")
    FicheFactory(axis__convention=convention, number=1, key="passerelles", title="Développer les passerelles",
                 implementation="Des **ateliers** passerelles chaque trimestre.")
    avenant = AvenantFactory(convention=convention, number=1, effective_from=datetime.date(2024, 1, 1),
                             signed_on=datetime.date(2023, 12, 15))
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.AMEND_ARTICLE, article_number="2",
                             mode=AmendMode.COMPLETE, body="Ainsi que sur le service public de la petite enfance.")
    meeting = MeetingFactory(body__convention=convention, title="COPIL annuel", minutes="Le COPIL valide le bilan.")
    AgendaItem.objects.create(meeting=meeting, text="Bilan de l'année", position=0)
    Participant.objects.create(meeting=meeting, name="Mme Lecoq", organisation="Roumois Seine", present=True)
    Participant.objects.create(meeting=meeting, name="M. Durand", organisation="Caf de l'Eure", present=False)
    Decision.objects.create(meeting=meeting, text="Lancer l'évaluation.", requires_avenant=True)
    return convention


def paragraphs(response):
    document = docx.Document(io.BytesIO(response.content))
    return document, [(p.style.name, p.text) for p in document.paragraphs if p.text]


def urls(convention):
    meeting = convention.meetings.get()
    return {
        "convention": reverse("documents:convention_docx", args=[convention.slug]),
        "avenant": reverse("documents:avenant_docx", args=[convention.slug, 1]),
        "fiche": reverse("documents:fiche_docx", args=[convention.slug, "passerelles"]),
        "ordre du jour": reverse("documents:meeting_agenda_docx", args=[convention.slug, meeting.pk]),
        "compte-rendu": reverse("documents:meeting_minutes_docx", args=[convention.slug, meeting.pk]),
    }


@pytest.mark.parametrize(("role", "status"), [("caf", 200), ("coordinateur", 200), ("elu", 200), ("outsider", 404)])
def test_everyone_with_a_role_downloads_the_word_documents(client, convention, role, status):
    client.force_login(users_for(convention)[role])
    for name, url in urls(convention).items():
        response = client.get(url)
        assert response.status_code == status, name
        if status == 200:
            assert response["Content-Type"] == DOCX_MIMETYPE
            assert response["Content-Disposition"].startswith("attachment;") and ".docx" in response["Content-Disposition"]


def test_the_convention_in_word_is_the_text_in_force_on_the_date_with_its_fiches(client, convention):
    client.force_login(users_for(convention)["coordinateur"])
    url = reverse("documents:convention_docx", args=[convention.slug])
    document, lines = paragraphs(client.get(url, {"date": "2024-06-01"}))
    assert ("Heading 3", "Article 2 — Engagements") in lines
    assert ("Normal", "Ainsi que sur le service public de la petite enfance.") in lines
    assert ("Heading 3", "Action 1 — Développer les passerelles") in lines
    fiche_table = next(t for t in document.tables if t.cell(0, 0).text == "Diagnostic initial")
    assert "Des ateliers passerelles chaque trimestre." in fiche_table.cell(3, 1).text
    before, _ = paragraphs(client.get(url, {"date": "2023-06-01"}))
    assert "Ainsi que sur le service public" not in "\n".join(p.text for p in before.paragraphs)


def test_the_avenant_the_fiche_and_the_seance_documents_say_what_their_pages_say(client, convention):
    client.force_login(users_for(convention)["caf"])
    found = {name: paragraphs(client.get(url))[1] for name, url in urls(convention).items()}
    assert any(style.startswith("Heading") and "Avenant n°1" in text for style, text in found["avenant"])
    avenant = docx.Document(io.BytesIO(client.get(urls(convention)["avenant"]).content))
    assert "Compléter l'article 2." in [cell.text for table in avenant.tables for cell in table._cells]
    assert ("Heading 1", "Action 1 — Développer les passerelles") in found["fiche"]
    agenda = [text for _, text in found["ordre du jour"]]
    assert "Sont convoqués" in agenda and "Bilan de l'année" in agenda and "Décisions" not in agenda
    minutes = [text for _, text in found["compte-rendu"]]
    assert "Présents" in minutes and "Mme Lecoq (Roumois Seine)" in minutes
    assert "Excusés ou absents" in minutes and "Lancer l'évaluation. — appelle un avenant" in minutes
    assert "Le COPIL valide le bilan." in minutes


def test_the_pages_offer_the_word_buttons(client, convention):
    client.force_login(users_for(convention)["elu"])
    for page, button in [(reverse("conventions:detail", args=[convention.slug]), "documents:convention_docx"),
                         (reverse("actions:fiche", args=[convention.slug, "passerelles"]), "documents:fiche_docx")]:
        assert reverse(button, args=[convention.slug] + (["passerelles"] if "fiche" in button else [])) in \
            client.get(page).content.decode()


def test_export_convention_writes_word(convention, tmp_path):
    output = tmp_path / "roumois.docx"
    call_command("export_convention", "roumois", "--format", "docx", "--date", "2024-06-01", "--output", str(output))
    document = docx.Document(output)
    assert "Ainsi que sur le service public de la petite enfance." in [p.text for p in document.paragraphs]
