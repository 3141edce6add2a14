"""The « Journal » of a convention: who changed what, newest first, for every role that reads it."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conventions.journal import SOURCES
from conventions.models import (
    Article,
    Avenant,
    Commune,
    Convention,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Operation,
    Signatory,
    SignedOriginal,
    SppeRow,
    StatusChange,
    Visa,
)
from ctg.history import acting
from evaluation import services as evaluation
from evaluation.models import Bilan
from governance.models import Body, CooperationOfficer, Decision, Meeting, Member
from tests.conventions.helpers import draft_with_an_operation, sign
from tests.factories import (
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    MilestoneFactory,
    OrganisationFactory,
    UpdateFactory,
    users_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return ConventionFactory()


def journal_url(convention, **params):
    url = reverse("conventions:journal", args=[convention.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def journal_lines(client, convention, **params):
    response = client.get(journal_url(convention, **params))
    assert response.status_code == 200
    return [(e.author, e.subject, e.kind_label, e.changes) for e in response.context["journal"].entries]


# ---------------------------------------------------------------------------------------------
# The journal


def test_the_journal_shows_who_signed_an_avenant(client, convention, named_users):
    draft_with_an_operation(convention, named_users["caf"])
    sign(client, convention, named_users["caf"])

    client.force_login(named_users["elu"])
    lines = journal_lines(client, convention)
    assert lines[0][:3] == ("Jeanne Martin", "Avenant n°1", "signature")
    assert "Statut : Brouillon → Signé" in lines[0][3]
    assert "Signature" in client.get(journal_url(convention)).content.decode()


def test_every_role_that_reads_the_convention_reads_its_journal(client, convention, named_users):
    for role in ("caf", "coordinateur", "elu"):
        client.force_login(named_users[role])
        assert client.get(journal_url(convention)).status_code == 200, role
    client.force_login(named_users["outsider"])
    assert client.get(journal_url(convention)).status_code == 404


def test_the_convention_header_links_to_the_journal(client, convention, named_users):
    client.force_login(named_users["elu"])
    page = client.get(reverse("conventions:detail", args=[convention.slug])).content.decode()
    assert f'href="{journal_url(convention)}"' in page and ">Journal</a>" in page


def test_the_journal_lists_an_import_as_one_line(client, named_users, tmp_path):
    source = ConventionFactory(slug="roumois-seine-2022")
    FicheFactory(axis=AxisFactory(convention=source))
    path = tmp_path / "convention.json"
    call_command("export_convention", source.slug, "--format", "json", "--output", str(path), stdout=StringIO())
    data = json.loads(path.read_text())
    data["convention"]["slug"] = "importee"
    path.write_text(json.dumps(data))
    call_command("import_convention", str(path), stdout=StringIO())

    imported = Convention.objects.get(slug="importee")
    user = named_users["caf"]
    user.memberships.create(organisation=imported.caf, role="caf")
    client.force_login(user)
    assert journal_lines(client, imported) == [("import", "Convention", "import", [])]


def test_the_journal_lists_generated_milestones_and_a_status_change(client, convention, named_users):
    caf = named_users["caf"]
    convention.end = datetime.date(datetime.date.today().year + 3, 12, 31)  # its bilan final to come
    convention.save()
    evaluation.milestones_generate(convention, by=caf)
    final = convention.milestones.get(generated_key="bilan_final")
    evaluation.milestone_mark_done(final, by=named_users["coordinateur"])

    client.force_login(caf)
    lines = journal_lines(client, convention)
    assert lines[0] == (named_users["coordinateur"].username, "Jalon « Bilan final »", "modification",
                        ["Statut : Prévu → Fait"])
    generated = [line for line in lines if line[2] == "génération automatique"]
    assert len(generated) == convention.milestones.count()
    assert {line[0] for line in generated} == {"Jeanne Martin"}


def test_the_journal_names_the_objects_and_their_changed_fields(client, convention, named_users):
    caf = named_users["caf"]
    client.force_login(caf)
    body = Body.objects.create(convention=convention, key="copil", kind="copil", name="COPIL CTG")
    meeting = Meeting.objects.create(convention=convention, body=body, date=datetime.date(2026, 3, 12), title="COPIL annuel")
    meeting.place = "Mairie"
    meeting.save()
    fiche = FicheFactory(axis=AxisFactory(convention=convention, number=1, title="Gouvernance"), number=4,
                         title="Développer les passerelles")
    fiche.delete()

    lines = journal_lines(client, convention)
    assert lines[:3] == [
        ("système", "Fiche n°4 — Développer les passerelles", "suppression", []),
        ("système", "Fiche n°4 — Développer les passerelles", "création", []),
        ("système", "Axe 1 — Gouvernance", "création", []),
    ]
    # Inside a request the author is the user of the request; outside, « système ».
    assert ("système", "Séance « COPIL annuel » du 12/03/2026", "modification", ["Lieu"]) in lines


def test_the_journal_filters_by_kind_of_object(client, convention, named_users):
    client.force_login(named_users["caf"])
    Body.objects.create(convention=convention, key="copil", kind="copil", name="COPIL CTG")
    MilestoneFactory(convention=convention)
    assert [line[1] for line in journal_lines(client, convention, objet="gouvernance")] == ["Instance « COPIL CTG »"]
    assert [line[1] for line in journal_lines(client, convention, objet="suivi")] == ["Jalon « Bilan final »"]


def test_the_journal_is_paginated(client, convention, named_users):
    for number in range(1, 61):
        AxisFactory(convention=convention, number=number)
    client.force_login(named_users["caf"])
    first = client.get(journal_url(convention))
    assert len(first.context["journal"].entries) == 50
    assert "Plus anciens" in first.content.decode()
    second = journal_lines(client, convention, page=2)
    # The factory's convention brought its creation and its two signatories: 63 records.
    assert len(second) == 13 and second[-1][1] == "Convention"


# ---------------------------------------------------------------------------------------------
# The journal keeps a fixed number of queries


def grow(convention, user, rounds):
    """`rounds` rounds of changes, each touching every kind of object the journal lists (the
    newest page then holds every kind, however many rounds)."""
    bilan = Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end)
    organisation = OrganisationFactory()
    with acting(user):
        for i in range(rounds):
            Signatory.objects.create(convention=convention, organisation=organisation, representative=f"R{i}", capacity="Maire")
            Commune.objects.create(convention=convention, name=f"Commune {i}", insee=f"27{i:03d}")
            Visa.objects.create(convention=convention, text=f"Vu le texte {i}")
            Article.objects.create(convention=convention, number=f"{i + 10}", title="Article")
            avenant = Avenant.objects.create(convention=convention, number=i + 1, title="Avenant",
                                             effective_from=datetime.date(2025, 1, 1))
            Operation.objects.create(avenant=avenant, op="amend_annex", annex=5, mode="complete", body="Texte.")
            for act in (None, avenant):
                SignedOriginal.objects.create(convention=convention, avenant=act, file=f"originaux/{i}.pdf",
                                              filename="scan.pdf", size=1024, pages=2, sha256="0" * 64)
            Equipment.objects.create(convention=convention, key=f"equipement-{i}", kind="rpe", name=f"RPE {i}")
            DiagnosisIndicator.objects.create(convention=convention, territory="27", level="departement", indicator="Naissances")
            DiagnosisIssue.objects.create(convention=convention, text=f"Enjeu {i}")
            SppeRow.objects.create(convention=convention, kind="rpe", name=f"RPE {i}")
            Deliberation.objects.create(convention=convention, body="Conseil", date=datetime.date(2022, 1, 1), title="CTG")
            axis = AxisFactory(convention=convention, number=i + 1)
            axis.objectives.create(number=1, title="Objectif")
            UpdateFactory(fiche=FicheFactory(axis=axis, number=i + 1))
            MilestoneFactory(convention=convention)
            bilan.realisations = f"Réalisations {i}"
            bilan.save()
            body = Body.objects.create(convention=convention, key=f"instance-{i}", kind="copil", name="COPIL")
            body.members.create(name=f"Membre {i}")
            meeting = Meeting.objects.create(convention=convention, body=body, date=datetime.date(2026, 3, 12), title="COPIL")
            Decision.objects.create(meeting=meeting, text="Décision")
            CooperationOfficer.objects.create(convention=convention, name=f"Chargé {i}", scope="territorial")
            StatusChange.objects.create(convention=convention, from_status="signee", to_status="renouvellement")
            convention.preamble = f"Préambule {i}"
            convention.save()
            Member.objects.filter(body=body).first().save()  # a modification with nothing changed


def test_the_journal_does_not_grow_with_the_history(client, django_assert_num_queries,
                                                    django_assert_max_num_queries):
    small, large = ConventionFactory(), ConventionFactory()
    user = users_for(small)["caf"]
    user.memberships.create(organisation=large.caf, role="caf")
    grow(small, user, 2)
    grow(large, user, 15)
    client.force_login(user)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(journal_url(small))
    # The first page holds every kind of object: each has its query.
    assert {e.model for e in response.context["journal"].entries} == {s.model for s in SOURCES}
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert client.get(journal_url(large)).status_code == 200
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert client.get(journal_url(large, page=3)).status_code == 200
    # One query per kind of object on the page, the union and its count, and the header around.
    with django_assert_max_num_queries(len(SOURCES) + 10):
        client.get(journal_url(large))
