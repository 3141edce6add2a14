"""`import_convention --replace`: it says what it replaces and what it keeps before writing; it
keeps what the format does not carry (signed originals, PDF documents, history, the CTG that renew
it) and what an earlier file leaves out (bilans, status changes); `--dry-run` writes nothing."""

import copy
import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from actions.models import Fiche
from conventions.enums import ConventionStatus
from conventions.models import Convention, SignedOriginal
from conventions.originals import original_attach
from documents.models import GeneratedDocument
from evaluation.models import Bilan
from exchange.importer import import_document
from tests.exchange.helpers import SLUG, refused
from tests.factories import UserFactory
from tests.helpers import blank_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_use(example):
    """The example as the instance has lived it: originals deposited, a PDF kept, a bilan written,
    a status change, and a renewal carrying one of its actions on."""
    convention = import_document(copy.deepcopy(example))
    caf = UserFactory(first_name="Claire", last_name="Martin")
    caf.save()
    original_attach(convention, SimpleUploadedFile("convention.pdf", blank_pdf(2)), by=caf)
    original_attach(convention.avenants.get(number=2), SimpleUploadedFile("avenant.pdf", blank_pdf(1)), by=caf)
    GeneratedDocument.objects.create(convention=convention, title="Convention", filename="convention.pdf", key="abc")
    Bilan.objects.create(convention=convention, kind="intermediaire", start=convention.start, end=convention.end,
                         realisations="Rédigé dans l'application.")
    convention.status_changes.create(from_status=ConventionStatus.SIGNEE, to_status=ConventionStatus.RENOUVELLEMENT,
                                     by=caf, note="Évaluation lancée.")
    renewal = copy.deepcopy(example)
    renewal["convention"].update(slug="roumois-seine-2027", previous=SLUG, amendments=[], status="preparation")
    next(f for f in renewal["convention"]["fiches"] if f["key"] == "aller-vers")["continues"] = {
        "convention": SLUG, "key": "aller-vers"}
    renewal["convention"]["governance"]["meetings"] = []
    import_document(renewal)
    return convention


def write(tmp_path, document):
    path = tmp_path / "convention.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_replace_keeps_what_the_format_does_not_carry(in_use, example):
    example["convention"]["title"] = "CTG Roumois Seine, version corrigée"
    history = in_use.history.count()
    replaced = import_document(example, replace=True)
    assert replaced.pk == in_use.pk and replaced.title == "CTG Roumois Seine, version corrigée"
    originals = {o.filename: o.avenant.number if o.avenant else None for o in SignedOriginal.objects.filter(convention=replaced)}
    assert originals == {"convention.pdf": None, "avenant.pdf": 2}  # the avenant's, on the new avenant n°2
    assert SignedOriginal.objects.of(replaced.avenants.get(number=2)).get().filename == "avenant.pdf"
    assert replaced.documents.count() == 1
    assert replaced.history.count() > history  # the journal goes on
    # What the file leaves out (it knows no bilans nor status history) is kept.
    assert replaced.bilans.get().realisations == "Rédigé dans l'application."
    assert replaced.status_changes.get().note == "Évaluation lancée."
    # The renewal still renews it, and still carries its action on.
    renewal = Convention.objects.get(slug="roumois-seine-2027")
    assert renewal.predecessor_id == replaced.pk
    carried = Fiche.objects.get(convention=renewal, key="aller-vers").renewed_from
    assert (carried.convention_id, carried.key) == (replaced.pk, "aller-vers")


def test_what_the_file_carries_is_replaced(in_use, example):
    example["convention"]["bilans"] = [{"kind": "final", "period": {"start": "2022-11-29", "end": "2026-12-31"},
                                        "realisations": "Du fichier."}]
    example["convention"]["status_history"] = []
    replaced = import_document(example, replace=True)
    assert list(replaced.bilans.values_list("kind", "realisations")) == [("final", "Du fichier.")]
    assert not replaced.status_changes.exists()


def test_the_plan_is_written_again_under_its_ids(in_use, example):
    """A form opened before the import still designates its fiche, axis, objective, commune and
    indicators; the fiche written again is one more edit of it, its history going on."""
    before = Fiche.objects.get(convention=in_use, key="aller-vers")
    ids = (before.pk, before.axis_id, list(before.indicators.values_list("pk", flat=True)),
           list(in_use.communes.values_list("pk", flat=True)))
    import_document(example, replace=True)
    after = Fiche.objects.get(convention=in_use, key="aller-vers")
    assert (after.pk, after.axis_id, list(after.indicators.values_list("pk", flat=True)),
            list(in_use.communes.values_list("pk", flat=True))) == ids
    assert after.history.count() == 3  # created, deleted by the import, written again


def test_an_avenant_with_a_signed_original_cannot_disappear(in_use, example):
    example["convention"]["amendments"] = []
    errors = refused(example, replace=True)
    assert ("convention.amendments: l'avenant n°2 a un original signé déposé : le document doit le contenir pour "
            "remplacer la convention") in errors
    assert SignedOriginal.objects.filter(avenant__number=2).exists()


def test_the_command_says_what_it_replaces_and_keeps_before_writing(in_use, example, tmp_path):
    example["convention"]["fiches"] = [f for f in example["convention"]["fiches"] if f["key"] != "aller-vers"]
    example["convention"]["amendments"][0]["operations"] = [
        op for op in example["convention"]["amendments"][0]["operations"] if op.get("target") != "aller-vers"
    ]
    out = StringIO()
    call_command("import_convention", write(tmp_path, example), "--replace", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"Remplacement de la convention « {SLUG} »")
    assert lines[1].startswith("Remplacé par le contenu du fichier : le texte, les parties et les annexes, "
                               "5 fiches actions et leur suivi")
    assert lines[2] == ("Conservé : 2 originaux signés (rattachés aux mêmes actes), 1 document PDF conservé, "
                        "l'historique des modifications (Journal), le lien des CTG qui la renouvellent "
                        "(« roumois-seine-2027 »).")
    assert lines[3] == "Conservé, car absent du fichier : 1 bilan rédigé, 1 changement de statut."
    assert lines[4] == ("Perdu : le lien de l'action n°5 de « roumois-seine-2027 » vers l'action « aller-vers », "
                        "absente du fichier.")
    assert lines[5].startswith(f"Convention « {SLUG} » importée (remplacement) : 4 fiches actions")


def test_dry_run_checks_and_says_but_writes_nothing(in_use, example, tmp_path):
    example["convention"]["title"] = "Autre titre"
    out = StringIO()
    call_command("import_convention", write(tmp_path, example), "--replace", "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[0].startswith(f"Remplacement de la convention « {SLUG} »")
    assert "Rien n'a été enregistré (--dry-run)." in out.getvalue()
    assert Convention.objects.get(slug=SLUG).title == in_use.title
    example["convention"]["amendments"] = []
    with pytest.raises(CommandError, match="Import refusé"):
        call_command("import_convention", write(tmp_path, example), "--replace", "--dry-run",
                     stdout=StringIO(), stderr=StringIO())


def test_a_reminder_sent_before_a_replace_is_not_sent_again(rich):
    """Séances are written again under their former ids (instance, date, title): their reminders,
    keyed by séance, stay sent; a séance the file moves to another date is reminded again."""
    import datetime

    from django.core import mail

    from governance.models import Meeting

    convention = import_document(copy.deepcopy(rich))
    before = dict(convention.meetings.values_list("title", "pk"))

    def remind():
        call_command("send_reminders", "--today", "2026-03-09", "--update-days", "0", stdout=StringIO())
        return [message.to[0] for message in mail.outbox]

    assert remind() == ["a@caf.fr"]
    import_document(copy.deepcopy(rich), replace=True)
    assert dict(convention.meetings.values_list("title", "pk")) == before
    assert remind() == ["a@caf.fr"]  # not twice
    moved = copy.deepcopy(rich)
    moved["convention"]["governance"]["meetings"][0]["date"] = "2026-03-13"
    import_document(moved, replace=True)
    assert Meeting.objects.get(title="COPIL annuel").date == datetime.date(2026, 3, 13)
    assert remind() == ["a@caf.fr", "a@caf.fr"]
