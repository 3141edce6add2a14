"""The version 1 additions carry what the application shows: imported, they are the links and
marks the pages read; files without them keep importing and exporting in the earlier shape."""

import copy
import datetime

import pytest
from django.utils import timezone

from actions.models import Fiche
from conventions.enums import ConventionStatus
from exchange.exporter import export_document
from exchange.importer import import_document
from tests.exchange.helpers import refused
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_links_and_marks_are_what_the_pages_read(rich):
    convention = import_document(rich)
    meeting = convention.meetings.get(title="COPIL annuel")
    assert meeting.end_time == datetime.time(16, 30)
    item = meeting.agenda_items.get(text="Avenant n°2")
    assert [f.key for f in item.fiches.all()] == ["passerelles-2026"]
    assert [m.title for m in item.milestones.all()] == ["Schéma pluriannuel SPPE transmis au CDSF"]
    present = meeting.participants.get(name="A")
    assert (present.member.name, present.member.body.key, present.email) == ("Mme Martin", "copil", "a@caf.fr")
    decisions = {d.text: d for d in meeting.decisions.select_related("fiche", "avenant")}
    assert decisions["Ajouter une fiche au plan."].requires_avenant and decisions["Ajouter une fiche au plan."].avenant is None
    abrogate = decisions["Abroger l'observatoire."]
    assert (abrogate.fiche.key, abrogate.avenant.number, abrogate.requires_avenant) == ("observatoire-alsh", 3, True)
    assert not decisions["Valider le bilan"].requires_avenant and decisions["Valider le bilan"].fiche is None
    cotech = convention.bodies.get(key="cotech")
    assert cotech.expected_per_year == 4  # what the file says, not what « Selon les besoins » would give
    assert convention.bodies.get(key="copil").expected_per_year == 1  # « Une à deux fois par an »
    done = convention.milestones.get(kind="bilan_final")
    assert (done.done_by.username, done.generated_key) == ("caf.eure", "bilan_final")
    assert timezone.localtime(done.done_at).strftime("%d/%m/%Y %H:%M") == "15/12/2026 11:00"
    copied = Fiche.objects.get(convention=convention, key="rpe-bourg").updates.get(period="2024-T3")
    assert copied.copied_from == "2024-T2" and copied.saved_at is not None
    assert [(c.from_status, c.to_status, c.by and c.by.username) for c in convention.status_changes.all()] == [
        (ConventionStatus.PREPARATION, ConventionStatus.SIGNEE, "caf.eure"),
        (ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT, None),
    ]
    intermediate = convention.bilans.get(kind="intermediaire")
    assert intermediate.updated_by.username == "coord.roumois"
    assert timezone.localtime(intermediate.updated_at).date() == datetime.date(2025, 1, 20)
    assert convention.cooperation_officers.first().missions.startswith("- Animer le COPIL")


def test_an_export_without_additions_keeps_the_earlier_shape(example):
    exported = export_document(import_document(example))["convention"]
    assert not {"previous", "status_history", "bilans"} & set(exported)
    body = exported["governance"]["bodies"][0]
    assert "expected_per_year" not in body  # the frequency says it
    assert all(set(m) == {"kind", "title", "start", "end", "status", "body", "notes"} for m in exported["milestones"])
    assert all("saved_at" not in u and "copied_from" not in u for f in exported["fiches"] for u in f["updates"])


def test_an_agenda_item_or_a_decision_without_links_stays_a_text(rich):
    exported = export_document(import_document(rich))["convention"]["governance"]["meetings"][0]
    assert exported["agenda"][0] == "Bilan 2025"
    assert exported["decisions"][0] == "Valider le bilan"


def test_the_previous_ctg_and_the_actions_carried_on(example, rich):
    previous = copy.deepcopy(example)
    previous["convention"].update(slug="roumois-seine-2017", status="echue")
    import_document(previous)
    c = rich["convention"]
    c["previous"] = "roumois-seine-2017"
    c["fiches"][0]["continues"] = {"convention": "roumois-seine-2017", "key": "aller-vers"}
    convention = import_document(rich)
    assert convention.predecessor.slug == "roumois-seine-2017"
    fiche = Fiche.objects.get(convention=convention, key="rpe-bourg")
    assert (fiche.renewed_from.convention.slug, fiche.renewed_from.key) == ("roumois-seine-2017", "aller-vers")
    exported = export_document(convention)["convention"]
    assert exported["previous"] == "roumois-seine-2017"
    assert exported["fiches"][0]["continues"] == {"convention": "roumois-seine-2017", "key": "aller-vers"}


def test_what_the_instance_does_not_hold_is_left_out(rich):
    """A previous CTG, an action or a person absent from the instance: imported without them."""
    c = rich["convention"]
    c["previous"] = "ailleurs-2017"
    c["fiches"][0]["continues"] = {"convention": "ailleurs-2017", "key": "aller-vers"}
    c["milestones"][0]["done_by"] = "Personne Inconnue"
    convention = import_document(rich)
    assert convention.predecessor is None
    assert Fiche.objects.get(convention=convention, key="rpe-bourg").renewed_from is None
    assert convention.milestones.get(kind="bilan_final").done_by is None


def test_a_person_is_found_by_login_then_by_a_full_name_only_one_account_has(rich):
    rich["convention"]["status_history"][0]["by"] = "coord.roumois"
    for _ in range(2):
        UserFactory(first_name="Julie", last_name="Roux").save()
    rich["convention"]["status_history"][1]["by"] = "Julie Roux"
    convention = import_document(rich)
    assert [c.by and c.by.username for c in convention.status_changes.all()] == ["coord.roumois", None]
    assert convention.milestones.get(kind="bilan_final").done_by.username == "caf.eure"  # « Claire Martin »


def test_wrong_additions_are_refused_with_their_path(rich):
    c = rich["convention"]
    meeting = c["governance"]["meetings"][0]
    meeting["participants"][0]["member"] = {"body": "copil", "index": 5}
    meeting["participants"][1]["member"] = {"body": "cellule", "index": 0}
    meeting["participants"][1]["email"] = "pas-une-adresse"
    meeting["agenda"][1]["milestones"] = [7]
    meeting["agenda"][1]["fiches"] = ["inconnue"]
    meeting["agenda"].append(12)
    meeting["decisions"][2]["calls_for_avenant"] = 9
    meeting["decisions"][3]["calls_for_avenant"] = "oui"
    c["bilans"][1]["kind"] = "intermediaire"
    c["bilans"][0]["updated_at"] = "20/01/2025 17:40"
    c["governance"]["bodies"][1]["expected_per_year"] = 60
    assert refused(rich) == [
        "convention.governance.bodies[1].expected_per_year: valeur 60 hors limites (attendu : entre 0 et 52)",
        "convention.governance.meetings[0].agenda[2]: chaîne de caractères ou objet attendu",
        "convention.governance.meetings[0].participants[1].email: adresse électronique invalide « pas-une-adresse »",
        "convention.governance.meetings[0].decisions[3].calls_for_avenant: booléen ou numéro attendu",
        "convention.bilans[0].updated_at: date et heure invalide « 20/01/2025 17:40 » (format attendu "
        "AAAA-MM-JJTHH:MM:SS+01:00)",
        "convention.governance.meetings[0].agenda[1].fiches[0]: fiche « inconnue » inconnue",
        "convention.governance.meetings[0].agenda[1].milestones[0]: jalon 7 inconnu : le document en compte 2 "
        "(numérotés à partir de 0)",
        "convention.governance.meetings[0].participants[0].member.index: membre 5 inconnu : l'instance « copil » en "
        "compte 2 (numérotés à partir de 0)",
        "convention.governance.meetings[0].participants[1].member.body: instance « cellule » inconnue",
        "convention.governance.meetings[0].decisions[2].calls_for_avenant: avenant n°9 absent de amendments",
        "convention.bilans[1].kind: bilan « intermediaire » en double (déjà en convention.bilans[0])",
    ]
