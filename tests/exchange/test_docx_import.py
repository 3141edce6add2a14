"""A CTG taken up from its Word document (exchange.docx_import): created in préparation or signed,
with the paragraphs assigned by hand, all or nothing, by Caf staff of its Caf; a convention
exported to Word and imported again is the same convention; the imported one exports to JSON
and imports again like any other."""

import datetime
import json

import pytest

from actions.models import Fiche
from conventions.enums import ConventionStatus, OrganisationKind, Role
from conventions.models import Convention, Organisation, Visa
from conventions.word import ConventionWord
from ctg.errors import DomainError
from exchange.docx_import import (
    assignment_targets,
    docx_import,
    import_plan,
    recognised_caf,
    recognition_report,
)
from exchange.docx_reader import read_docx
from exchange.docx_text import FICHE_BOXES
from exchange.exporter import export_document
from exchange.importer import import_document
from tests.exchange.docx_helpers import REALISTIC_PATH, H, build_docx
from tests.factories import AxisFactory, CafFactory, ConventionFactory, FicheFactory, user_with_role

pytestmark = pytest.mark.django_db

SIGNED_ON = datetime.date(2022, 12, 12)


@pytest.fixture
def reading():
    return read_docx(REALISTIC_PATH.read_bytes())


@pytest.fixture
def caf():
    return Organisation.objects.create(kind=OrganisationKind.CAF, code="27",
                                       name="Caisse d'allocations familiales de l'Eure")


@pytest.fixture
def agent(caf):
    return user_with_role(Role.CAF, caf)


def unrecognised(reading, start):
    return next(block for block in reading.unrecognised if block.text.startswith(start))


def test_a_signed_convention_from_the_realistic_document(reading, caf, agent):
    convention = docx_import(reading, by=agent, caf=caf, slug="lieuvin-2023", signed=True).convention
    assert (convention.title, convention.start, convention.end) == (
        "Convention territoriale globale de la Communauté de communes Lieuvin Pays d'Auge 2023-2027",
        datetime.date(2023, 1, 1), datetime.date(2027, 12, 31),
    )
    assert (convention.status, convention.signed_on, convention.signed_at) == (
        ConventionStatus.SIGNEE, SIGNED_ON, "Thiberville",
    )
    assert (convention.prefecture_sent_on, convention.prefecture_act_id) == (
        datetime.date(2022, 12, 16), "027-200066389-20221212-DEL_2022_118-DE",
    )
    assert [(s.organisation.name, s.representative, s.capacity) for s in convention.signatories.all()] == [
        ("Caisse d'allocations familiales de l'Eure", "M. Philippe CHARPIN", "Président de son conseil d'administration"),
        ("Caisse d'allocations familiales de l'Eure", "Mme Aurore VERNIEUWE", "Directrice"),
        ("Communauté de communes Lieuvin Pays d'Auge", "Mme Hélène MARCHAND", "Présidente"),
    ]
    epci = Organisation.objects.get(name="Communauté de communes Lieuvin Pays d'Auge")
    assert (epci.kind, epci.code) == (OrganisationKind.EPCI, "")
    assert convention.visas.count() == 5 and convention.preamble.startswith("Les Caf sont nées")
    assert list(convention.articles.values_list("number", "title"))[2] == ("3", "Echanges de données")
    assert convention.governance_text.startswith("Un comité de pilotage")
    fiches = list(convention.fiches.order_by("number"))
    assert [(f.number, f.title, f.axis.number, f.theme_labels) for f in fiches] == [
        (1, "Développer les passerelles", 1, ["Enfance", "Jeunesse"]),
        (2, "Maintenir l'information, l'orientation et faciliter les démarches des parents", 1, ["Parentalité"]),
        (3, "Créer un point d'accès aux droits itinérant", 2, ["Accès aux droits"]),
        (4, "Fiche action n°4", 2, ["Autre"]),
    ]
    assert fiches[0].schedule == "2023" and fiches[2].partners == "Caf, MSA, CPAM"
    assert all(f.is_current for f in fiches)
    # Nothing was assigned: the paragraphs nothing recognised are left out.
    assert "isolé" not in " ".join(f.implementation for f in fiches)


def test_in_preparation_with_paragraphs_assigned_by_hand(reading, caf, agent):
    lonely = unrecognised(reading, "Ce paragraphe isolé")
    cover = unrecognised(reading, "12 décembre 2022")
    assignments = {lonely.index: "fiche-2-implementation", cover.index: "article-1"}
    convention = docx_import(reading, by=agent, caf=caf, slug="lieuvin", assignments=assignments).convention
    assert (convention.status, convention.signed_on) == (ConventionStatus.PREPARATION, None)
    assert convention.fiches.get(number=2).implementation == "Ce paragraphe isolé ne se rattache à rien."
    # An assigned paragraph takes its place in the document's order: the cover's date comes first.
    assert convention.articles.get(number="1").body.startswith("12 décembre 2022\n\nLa présente convention")


def test_the_targets_offered_for_an_unrecognised_paragraph(reading):
    groups = dict(assignment_targets(reading))
    assert groups[""] == [("", "Ne pas reprendre")]
    assert groups["Texte de la convention"][:2] == [("preambule", "Préambule"), ("article-1", "Article 1 — Objet de la convention")]
    assert ("annexe-5", "Annexe 5 — Pilotage stratégique et opérationnel, suivi") in groups["Annexes"]
    fiche = groups["Fiche 1 « Développer les passerelles »"]
    assert len(fiche) == len(FICHE_BOXES)
    assert fiche[0] == ("fiche-1-initial_diagnosis", "Fiche 1 « Développer les passerelles » — Diagnostic initial")


def test_the_recognition_report(reading):
    report = dict(recognition_report(reading))
    assert report["Convention"][1] == "Période : du 01/01/2023 au 31/12/2027"
    assert report["Parties"][1] == "Communauté de communes Lieuvin Pays d'Auge (EPCI) : Mme Hélène MARCHAND, Présidente"
    assert report["Fiches actions"][3].startswith("Fiche 4 « Fiche action n°4 » — axe 2 — Autre — Diagnostic initial")
    assert any(line.endswith(": Ce paragraphe isolé ne se rattache à rien.") for line in report["Non reconnu"])
    assert "La fiche 4 n'a pas d'intitulé reconnu : « Fiche action n°4 » est proposé." in report["Remarques"]


def test_the_caf_and_the_collectivites_are_recognised_from_the_parties(reading):
    # Another wording of the same Caf: the one already known (its département) is kept.
    known = Organisation.objects.create(kind=OrganisationKind.CAF, code="27", name="Caf de l'Eure")
    assert recognised_caf(reading) == known
    known.delete()
    new = recognised_caf(reading)
    assert (new.pk, new.name) == (None, "Caisse d'allocations familiales de l'Eure")
    convention = docx_import(reading, by=None, caf=new, slug="lieuvin", signed=True).convention
    assert convention.caf.name == "Caisse d'allocations familiales de l'Eure"
    # Imported again: the organisations made the first time are found again, by name.
    before = Organisation.objects.count()
    again = docx_import(read_docx(REALISTIC_PATH.read_bytes()), by=None, caf=recognised_caf(reading), slug="lieuvin-2",
                        signed=True).convention
    assert Organisation.objects.count() == before and again.caf == convention.caf


def test_only_an_agent_of_the_caf_imports(reading, caf):
    other = user_with_role(Role.CAF, CafFactory())
    with pytest.raises(DomainError, match="que pour votre Caf"):
        docx_import(reading, by=other, caf=caf, slug="lieuvin")
    assert not Convention.objects.exists()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"signed": True, "signed_on": None, "slug": "x", "reading_change": {"signed_on": None}},
     "La date de signature n'est pas reconnue"),
    ({"slug": "pris"}, "Une convention porte déjà l'identifiant « pris »"),
    ({"slug": "x", "start": datetime.date(2028, 1, 1)}, "La fin de la convention doit être postérieure à son début."),
    ({"slug": "x", "reading_change": {"start": None}}, "La période de la convention n'est pas reconnue"),
])
def test_refusals_write_nothing(reading, caf, agent, kwargs, message):
    ConventionFactory(slug="pris", caf=caf)
    for name, value in kwargs.pop("reading_change", {}).items():
        setattr(reading, name, value)
    before = (Convention.objects.count(), Organisation.objects.count(), Fiche.objects.count())
    with pytest.raises(DomainError, match=message):
        docx_import(reading, by=agent, caf=caf, **kwargs)
    assert (Convention.objects.count(), Organisation.objects.count(), Fiche.objects.count()) == before


def test_all_or_nothing_when_the_database_refuses(reading, caf, agent, monkeypatch):
    import exchange.importer

    def broken(self):  # the fiches are written, their tracking is refused
        raise exchange.importer.DatabaseError("disque plein")

    monkeypatch.setattr(exchange.importer._Writer, "write_tracking", broken)
    with pytest.raises(DomainError, match="rien n'a été importé"):
        docx_import(reading, by=agent, caf=caf, slug="lieuvin")
    assert not Convention.objects.exists()
    assert not Organisation.objects.filter(name__contains="Lieuvin").exists()


def test_a_dry_run_writes_nothing(reading, caf, agent):
    result = docx_import(reading, by=agent, caf=caf, slug="lieuvin", signed=True, dry_run=True)
    assert result.convention is None and len(result.document["convention"]["fiches"]) == 4
    assert not Convention.objects.exists()


def test_a_document_without_fiche_and_without_collectivite():
    plain_text = build_docx(H("Convention territoriale globale de Vue 2024-2028", 0), "Entre :",
                            "La Caf de Loire-Atlantique, représentée par sa directrice, Mme Anne MARTIN ;")
    reading = read_docx(plain_text)
    assert import_plan(reading).fiches == []
    with pytest.raises(DomainError, match="Aucune collectivité signataire n'est reconnue"):
        docx_import(reading, by=None, caf=recognised_caf(reading), slug="vue")


def test_the_imported_convention_exports_to_json_and_imports_again(reading, caf, agent):
    convention = docx_import(reading, by=agent, caf=caf, slug="lieuvin", signed=True).convention
    document = export_document(convention)
    organisation = document["convention"]["signatories"][2]["organisation"]
    assert organisation == {"name": "Communauté de communes Lieuvin Pays d'Auge", "kind": "epci", "code": None,
                            "population": None}
    document["convention"]["slug"] = "lieuvin-copie"
    copy = import_document(json.loads(json.dumps(document)))
    assert copy.signatories.get(position=2).organisation == convention.signatories.get(position=2).organisation
    assert export_document(copy)["convention"]["fiches"] == document["convention"]["fiches"]


# --- The round trip: exported to Word, imported again ---------------------------------------------

PREAMBLE = ("Les Caf sont nées de la volonté d'apporter une aide à toutes les familles.\n\n"
            "Les missions de la branche Famille :\n\n- Développer des **services attentionnés** ;\n"
            "- Garantir un accès efficace au juste droit.")


@pytest.fixture
def exported():
    caf = CafFactory(name="Caisse d'allocations familiales de l'Eure")
    convention = ConventionFactory(
        slug="roumois", caf=caf, title="Convention territoriale globale Roumois Seine 2022-2026",
        start=datetime.date(2022, 1, 1), end=datetime.date(2026, 12, 31), signed_on=datetime.date(2021, 12, 15),
        signed_at="Bourg-Achard", preamble=PREAMBLE, prefecture_sent_on=datetime.date(2021, 12, 17),
        prefecture_act_id="027-200066405-20211215-CC_201_2021-DE",
        governance_text="Le comité de pilotage se réunit *deux fois* par an.",
        diagnosis_summary="Le territoire compte 40 000 habitants.",
    )
    signatory = convention.signatories.get(position=0)
    signatory.representative, signatory.capacity = "Mme Aurore VERNIEUWE", "Directrice"
    signatory.save()
    for position, text in enumerate(["Vu le Code de l'action sociale et des familles ;",
                                     "Vu le Code général des collectivités territoriales ;"]):
        Visa.objects.create(convention=convention, text=text, position=position)
    convention.articles.create(number="1", title="Objet de la convention", position=0,
                               body="La convention définit le projet social.\n\nElle engage les signataires.")
    convention.articles.create(number="2", title="Engagements des partenaires", position=1,
                               body="Les partenaires s'engagent à :\n\n1. informer ;\n2. coordonner.")
    first, second = AxisFactory(convention=convention, number=1, title="Petite enfance et parentalité"), \
        AxisFactory(convention=convention, number=2, title="Jeunesse")
    FicheFactory(axis=first, number=1, title="Développer les passerelles", themes=["enfance", "parentalite"],
                 implementation="Des **ateliers** passerelles.\n\nUn temps d'échange par trimestre.",
                 funding="Prestation de service ALSH", referents="")
    FicheFactory(axis=second, number=2, title="Ouvrir un point information jeunesse", themes=["jeunesse"],
                 nature=["phare"], schedule="", funding="", referents="Mme Lecoq, coordinatrice")
    data = ConventionWord(on=datetime.date(2024, 6, 1)).generate(convention)[2]
    return convention, data


def fiche_content(fiche):
    return {"number": fiche.number, "title": fiche.title, "axis": (fiche.axis.number, fiche.axis.title),
            "themes": fiche.theme_labels, "nature": fiche.nature, "schedule": fiche.schedule,
            **{box: getattr(fiche, box) for box in Fiche.BOX_FIELDS}}


def convention_content(convention):
    return {
        "title": convention.title, "period": (convention.start, convention.end), "status": convention.status,
        "signed": (convention.signed_on, convention.signed_at),
        "stamp": (convention.prefecture_sent_on, convention.prefecture_act_id),
        "signatories": [(s.organisation_id, s.representative, s.capacity) for s in convention.signatories.all()],
        "visas": list(convention.visas.values_list("text", flat=True)),
        "preamble": convention.preamble,
        "articles": list(convention.articles.values_list("number", "title", "body")),
        "annexes": (convention.governance_text, convention.diagnosis_summary),
        "fiches": [fiche_content(f) for f in convention.fiches.order_by("number")],
    }


def test_a_convention_exported_to_word_and_imported_again_is_the_same(exported):
    convention, data = exported
    reading = read_docx(data)
    assert reading.unrecognised == []
    again = docx_import(reading, by=None, caf=convention.caf, slug="roumois-word", signed=True).convention
    assert convention_content(again) == convention_content(convention)

