"""The document's schema, section by section, built from the types of `exchange.types`."""

from actions.enums import Nature, Theme, UpdateStatus
from actions.models import Axis, Fiche, Indicator, Objective, Update
from conventions.enums import (
    AmendMode,
    AvenantStatus,
    ConventionStatus,
    EquipmentKind,
    InvestmentType,
    OperationKind,
    OrganisationKind,
    Projection,
    SppeKind,
    TerritoryLevel,
)
from conventions.models import (
    Article,
    Avenant,
    Commune,
    Convention,
    Deliberation,
    DiagnosisIndicator,
    Equipment,
    Operation,
    Organisation,
    Signatory,
    SppeRow,
)
from ctg.dates import FIRST_YEAR, LAST_YEAR
from evaluation.enums import BilanKind, MilestoneKind, MilestoneStatus
from evaluation.models import Milestone
from governance.enums import BodyKind, OfficerScope
from governance.models import AgendaItem, Body, CooperationOfficer, Meeting, Member, Participant

from .types import (
    INSEE,
    PERIOD,
    Amount,
    Bool,
    Char,
    Choice,
    Const,
    DateTimeType,
    DateType,
    Email,
    FlagOrInt,
    Int,
    Key,
    ListOf,
    MapOf,
    NullableBool,
    Number,
    Obj,
    Tagged,
    Text,
    TextOrObj,
    TimeType,
    addition,
    opt,
    req,
)

FORMAT = "ctg-exchange"
VERSION = 1

# The document's schema, section by section. Each object lists its keys in the order of the spec,
# which is also the key order of the export.

ORG_CODE = Char(Organisation, "code")
ORGANISATION = Obj({
    "name": req(Char(Organisation, "name")),
    "kind": req(Choice(OrganisationKind, "type d'organisation inconnu")),
    "code": opt(ORG_CODE),  # version 1 addition: absent, the organisation is known by its kind and name
    "population": opt(Int(min=0)),
})
PREFECTURE = Obj({
    "sent_on": opt(DateType()),
    "received_on": opt(DateType()),
    "published_on": opt(DateType()),
    "act_id": opt(Char(Convention, "prefecture_act_id")),
})
SIGNATORY = Obj({
    "organisation": req(ORGANISATION),
    "representative": req(Char(Signatory, "representative")),
    "capacity": req(Char(Signatory, "capacity")),
})
COMMUNE = Obj({
    "name": req(Char(Commune, "name")),
    "insee": req(INSEE),
    "population": opt(Int(min=0)),
})
ARTICLE = Obj({
    "number": req(Char(Article, "number")),
    "title": opt(Char(Article, "title")),
    "body": opt(Text()),
})
AXIS = Obj({
    "number": req(Int(min=1)),
    "title": req(Char(Axis, "title")),
    "objectives": opt(ListOf(Char(Objective, "title", blank=False))),
})
VISAS = ListOf(Text(blank=False))
YEAR = Int(min=FIRST_YEAR, max=LAST_YEAR)
# Version 1 additions: a moment (ISO date-time), and a person of the application by name (a
# user's full name, else their login), matched to an account of the importing instance.
MOMENT = DateTimeType()
PERSON = Text(max_length=300)

INDICATOR = Obj({
    "key": req(Key(Indicator)),
    "name": req(Char(Indicator, "name")),
    "unit": opt(Char(Indicator, "unit")),
    "baseline": opt(Number()),
    "target": opt(Number()),
})
UPDATE = Obj({
    "period": req(PERIOD),
    "status": req(Choice(UpdateStatus, "statut de suivi inconnu")),
    "progress": opt(Int(min=0, max=100)),
    "comment": opt(Text()),
    "difficulties": opt(Text()),
    "indicator_values": opt(MapOf(Number())),
    "author": opt(Char(Update, "author")),
    "updated_on": opt(DateType()),
    # Version 1 additions: when it was saved, and the period it was copied from, still to check.
    "saved_at": addition(MOMENT),
    "copied_from": addition(PERIOD),
})
_MARKDOWN = opt(Text())
FICHE = Obj({
    "key": req(Key(Fiche)),
    "number": req(Int(min=1)),
    "axis": req(Int(min=1)),
    "objective": opt(Int(min=1)),
    "title": req(Char(Fiche, "title")),
    "themes": req(ListOf(
        Choice(Theme, "thématique inconnue"), min_items=1, too_few="au moins une thématique", unique=True
    )),
    "nature": opt(ListOf(Choice(Nature, "nature inconnue"), unique=True)),
    "commune": opt(INSEE),
    "coordination_between_collectivities": opt(Bool()),
    "initial_diagnosis": _MARKDOWN,
    "target_public": _MARKDOWN,
    "operational_objectives": _MARKDOWN,
    "implementation": _MARKDOWN,
    "schedule": opt(Char(Fiche, "schedule")),
    "start_year": opt(YEAR),
    "end_year": opt(YEAR),
    "lead": _MARKDOWN,
    "lead_organisations": opt(ListOf(ORG_CODE, unique=True)),
    "partners": _MARKDOWN,
    "referents": _MARKDOWN,
    "expected_results": _MARKDOWN,
    "evaluation_indicators": _MARKDOWN,
    "funding": _MARKDOWN,
    "indicators": opt(ListOf(INDICATOR)),
    "updates": opt(ListOf(UPDATE)),
    # Version 1 addition: the action of the previous CTG this fiche carries on.
    "continues": addition(Obj({"convention": req(Key(Convention, "slug")), "key": req(Key(Fiche))})),
})

EQUIPMENT = Obj({
    "key": req(Key(Equipment)),
    "kind": req(Choice(EquipmentKind, "type d'équipement inconnu")),
    "name": req(Char(Equipment, "name")),
    "address": opt(Char(Equipment, "address")),
    "commune": opt(INSEE),
    "places": opt(Int(min=0)),
    "caf_funding": opt(Amount(Equipment, "caf_funding")),
    "local_funding": opt(Amount(Equipment, "local_funding")),
    "funded_by": opt(ORG_CODE),
    "bonus_territoire": opt(Bool()),
})

FICHE_OPERATIONS = {OperationKind.ADD_FICHE, OperationKind.REPLACE_FICHE, OperationKind.ABROGATE_FICHE}
EQUIPMENT_OPERATIONS = {OperationKind.ADD_EQUIPMENT, OperationKind.ABROGATE_EQUIPMENT}
_AMEND = {"body": req(Text()), "mode": req(Choice(AmendMode, "mode de modification inconnu"))}
OPERATION = Tagged("op", {
    OperationKind.ADD_FICHE: {"fiche": req(FICHE)},
    OperationKind.REPLACE_FICHE: {"target": req(Key(Fiche)), "fiche": req(FICHE)},
    OperationKind.ABROGATE_FICHE: {"target": req(Key(Fiche))},
    OperationKind.AMEND_ARTICLE: {"article": req(Char(Operation, "article_number"))} | _AMEND,
    OperationKind.ADD_EQUIPMENT: {"equipment": req(EQUIPMENT)},
    OperationKind.ABROGATE_EQUIPMENT: {"target": req(Key(Equipment))},
    OperationKind.AMEND_ANNEX: {"annex": req(Int(min=1, max=7))} | _AMEND,
}, unknown="opération inconnue")

AVENANT = Obj({
    "number": req(Int(min=1)),
    "status": req(Choice(AvenantStatus, "statut d'avenant inconnu")),
    "title": req(Char(Avenant, "title")),
    "signed_on": opt(DateType()),
    "signed_at": opt(Char(Avenant, "signed_at")),
    "effective_from": req(DateType()),
    "effective_until": opt(DateType()),
    "prefecture": opt(PREFECTURE),
    "visas": opt(VISAS),
    "preamble": opt(Text()),
    "object": opt(Text()),
    "articles": opt(ListOf(ARTICLE)),
    "operations": opt(ListOf(OPERATION)),
})

DIAGNOSIS_INDICATOR = Obj({
    "territory": req(Char(DiagnosisIndicator, "territory")),
    "level": req(Choice(TerritoryLevel, "niveau de territoire inconnu")),
    "indicator": req(Char(DiagnosisIndicator, "indicator")),
    "year": opt(YEAR),
    "value": opt(Number()),
    "unit": opt(Char(DiagnosisIndicator, "unit")),
})
SPPE_ROW = Obj({
    "kind": req(Choice(SppeKind, "type de structure SPPE inconnu")),
    "name": req(Char(SppeRow, "name")),
    "address": opt(Char(SppeRow, "address")),
    "current_places": opt(Number(min=0)),
    "supported_places": opt(Number(min=0)),
    "projection": opt(Choice(Projection, "projection inconnue")),
    "projected_places": opt(Number(min=0)),
    "horizon_year": opt(YEAR),
    "staffing_needs": opt(Text()),
    "investment_type": opt(Choice(InvestmentType, "type d'investissement inconnu")),
    "investment_details": opt(Text()),
})
DELIBERATION = Obj({
    "body": req(Char(Deliberation, "body")),
    "number": opt(Char(Deliberation, "number")),
    "date": req(DateType()),
    "title": req(Char(Deliberation, "title")),
    "signatory": addition(ORG_CODE),  # the collectivité that deliberated
})
ANNEXES = Obj({
    "previous_evaluation": opt(Text()),
    "diagnosis": opt(Obj({
        "summary": opt(Text()),
        "issues": opt(ListOf(Text(blank=False))),
        "indicators": opt(ListOf(DIAGNOSIS_INDICATOR)),
    }, empty_when_absent=True)),
    "equipment": opt(ListOf(EQUIPMENT)),
    "sppe_schema": opt(ListOf(SPPE_ROW)),
    "governance_text": opt(Text()),
    "evaluation_text": opt(Text()),
    "deliberations": opt(ListOf(DELIBERATION)),
}, empty_when_absent=True)

MEMBER = Obj({
    "name": req(Char(Member, "name")),
    "organisation": opt(Char(Member, "organisation")),
    "role": opt(Char(Member, "role")),
    "email": addition(Email(max_length=Member._meta.get_field("email").max_length)),
})
BODY = Obj({
    "key": req(Key(Body)),
    "kind": req(Choice(BodyKind, "type d'instance inconnu")),
    "name": req(Char(Body, "name")),
    "composition": opt(Text()),
    "frequency": opt(Char(Body, "frequency")),
    # Version 1 addition: the meetings a year the alert expects, when not what `frequency` says.
    "expected_per_year": addition(Int(min=0, max=52)),
    "animators": opt(Char(Body, "animators")),
    "members": opt(ListOf(MEMBER)),
})
PARTICIPANT = Obj({
    "name": req(Char(Participant, "name")),
    "organisation": opt(Char(Participant, "organisation")),
    "present": opt(NullableBool()),
    # Version 1 additions: the participant's address, and the member of an instance they are.
    "email": addition(Email(max_length=Participant._meta.get_field("email").max_length)),
    "member": addition(Obj({"body": req(Key(Body)), "index": req(Int(min=0))})),
})
# Version 1 additions: an agenda item or a decision is a text, or an object with its links.
AGENDA_ITEM = Obj({
    "text": req(Char(AgendaItem, "text", blank=False)),
    "fiches": opt(ListOf(Key(Fiche), unique=True)),
    "milestones": opt(ListOf(Int(min=0), unique=True)),
})
DECISION = Obj({
    "text": req(Text(blank=False)),
    "fiche": opt(Key(Fiche)),
    "calls_for_avenant": opt(FlagOrInt()),
})
MEETING = Obj({
    "body": req(Key(Body)),
    "date": req(DateType()),
    "time": opt(TimeType()),
    "end_time": addition(TimeType()),
    "title": req(Char(Meeting, "title")),
    "place": opt(Char(Meeting, "place")),
    "agenda": opt(ListOf(TextOrObj(AGENDA_ITEM))),
    "participants": opt(ListOf(PARTICIPANT)),
    "decisions": opt(ListOf(TextOrObj(DECISION))),
    "minutes": opt(Text()),
    "fiches": opt(ListOf(Key(Fiche), unique=True)),
})
OFFICER = Obj({
    "name": req(Char(CooperationOfficer, "name")),
    "organisation": opt(ORG_CODE),
    "scope": req(Choice(OfficerScope, "périmètre inconnu")),
    "themes": opt(ListOf(Choice(Theme, "thématique inconnue"), unique=True)),
    "fte": req(Amount(CooperationOfficer, "fte", max=10)),
    "caf_funded": opt(Bool()),
    "missions": addition(Text()),
})
GOVERNANCE = Obj({
    "bodies": opt(ListOf(BODY)),
    "meetings": opt(ListOf(MEETING)),
    "cooperation_officers": opt(ListOf(OFFICER)),
}, empty_when_absent=True)

MILESTONE = Obj({
    "kind": req(Choice(MilestoneKind, "type de jalon inconnu")),
    "title": req(Char(Milestone, "title")),
    "start": opt(DateType()),
    "end": req(DateType()),
    "status": req(Choice(MilestoneStatus, "statut de jalon inconnu")),
    "body": opt(Key(Body)),
    "notes": opt(Text()),
    # Version 1 additions: who marked it done and when; the mark of « Générer les jalons ».
    "done_at": addition(MOMENT),
    "done_by": addition(PERSON),
    "generated": addition(Char(Milestone, "generated_key")),
})
# Version 1 addition: a written bilan; its figures are computed, never exported.
BILAN = Obj({
    "kind": req(Choice(BilanKind, "type de bilan inconnu")),
    "period": req(Obj({"start": req(DateType()), "end": req(DateType())})),
    "realisations": _MARKDOWN,
    "territorial_changes": _MARKDOWN,
    "approach": _MARKDOWN,
    "early_childhood": _MARKDOWN,
    "updated_at": opt(MOMENT),
    "updated_by": opt(PERSON),
})
STATUS_CHANGE = Obj({
    "status": req(Choice(ConventionStatus, "statut de convention inconnu")),
    "at": req(MOMENT),
    "by": opt(PERSON),
    "note": opt(Text()),
})

CONVENTION = Obj({
    "slug": req(Key(Convention, "slug")),
    "title": req(Char(Convention, "title")),
    "caf": req(ORGANISATION),
    "period": req(Obj({"start": req(DateType()), "end": req(DateType())})),
    "status": req(Choice(ConventionStatus, "statut de convention inconnu")),
    # Version 1 additions: the CTG this one renews, and the lifecycle's transitions, oldest first.
    "previous": addition(Key(Convention, "slug")),
    "status_history": addition(ListOf(STATUS_CHANGE)),
    "signed_on": opt(DateType()),
    "signed_at": opt(Char(Convention, "signed_at")),
    # Version 1 addition: the Caf's own validation before signature.
    "caf_validation": addition(Obj({"body": req(Char(Convention, "caf_validation_body")), "date": req(DateType())})),
    "prefecture": opt(PREFECTURE),
    "signatories": opt(ListOf(SIGNATORY)),
    "communes": opt(ListOf(COMMUNE)),
    "visas": opt(VISAS),
    "preamble": opt(Text()),
    "articles": opt(ListOf(ARTICLE)),
    "axes": opt(ListOf(AXIS)),
    "fiches": opt(ListOf(FICHE)),
    "amendments": opt(ListOf(AVENANT)),
    "annexes": opt(ANNEXES),
    "governance": opt(GOVERNANCE),
    "milestones": opt(ListOf(MILESTONE)),
    "bilans": addition(ListOf(BILAN)),
})

DOCUMENT = Obj({
    "format": req(Const(FORMAT, "format inconnu {value} (attendu {expected})")),
    "version": req(Const(VERSION, "version {value} non prise en charge (seule la version {expected} est acceptée)")),
    "convention": req(CONVENTION),
})
