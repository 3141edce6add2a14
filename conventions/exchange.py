"""The CTG exchange format, version 1: one JSON document holds one whole convention.

The contract is `shared/spec/exchange-format.md`. `import_document` validates the whole document
first and reports every error with its JSON path and a French message; only then does it write,
all or nothing, in one transaction. `export_document` gives back the same shape, in a bounded
number of queries.

Validation runs in two passes over the document:
1. a declarative schema (`Obj`, `ListOf`, `Text`, `Choice`…) checks keys, types, formats and
   vocabularies, and returns a cleaned tree whose values are ready for the database (dates parsed,
   absent optional strings as "", absent lists as []); each cleaned object remembers its `_path`;
2. `_Validator` checks what crosses objects: references, uniqueness, dates, numbers in force.
"""

import itertools
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import DatabaseError, transaction
from django.db.models import Prefetch

from actions.enums import Nature, Theme, UpdateStatus
from actions.models import (
    Axis,
    Fiche,
    FicheTheme,
    Indicator,
    IndicatorValue,
    Objective,
    Update,
    refresh_current_flags,
)
from ctg.history import IMPORT_REASON, acting
from evaluation.enums import MilestoneKind, MilestoneStatus
from evaluation.models import Milestone
from governance.enums import BodyKind, OfficerScope
from governance.models import (
    AgendaItem,
    Body,
    CooperationOfficer,
    Decision,
    Meeting,
    Member,
    Participant,
)

from .enums import (
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
from .models import (
    Article,
    Avenant,
    Commune,
    Convention,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Operation,
    Organisation,
    Signatory,
    SppeRow,
    Visa,
)

FORMAT = "ctg-exchange"
VERSION = 1


class ExchangeError(Exception):
    """A document that cannot be imported (or a file that cannot be read): `errors` lists every
    problem as `json.path: message en français`."""

    def __init__(self, errors):
        self.errors = list(errors) if isinstance(errors, list | tuple) else [errors]
        super().__init__("\n".join(self.errors))


# --------------------------------------------------------------------------------------------
# Reading JSON

_JSON_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Expecting property name enclosed in double quotes": "nom de clé entre guillemets doubles attendu",
    "Unterminated string starting at": "chaîne non terminée",
    "Invalid control character at": "caractère de contrôle interdit",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Extra data": "données en trop après la fin du document",
}


def _reject_constant(name):
    raise ValueError(f"valeur « {name} » interdite en JSON")


def _pairs_without_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"clé « {key} » en double dans un même objet")
        result[key] = value
    return result


def load_json(path_or_text):
    """Parse a JSON document given as a path (`Path`, or a string naming a file) or as JSON text
    (a string starting with `{` or `[`).

    Any problem (missing file, bad encoding, bad JSON) becomes an `ExchangeError` in French.
    """
    if isinstance(path_or_text, Path) or not path_or_text.lstrip().startswith(("{", "[")):
        path = Path(path_or_text)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise ExchangeError(f"Fichier introuvable : {path}") from None
        except UnicodeDecodeError as error:
            raise ExchangeError(
                f"Le fichier {path} n'est pas encodé en UTF-8 (octet {error.start})."
            ) from None
        except OSError as error:
            raise ExchangeError(f"Lecture impossible de {path} : {error.strerror}") from None
    else:
        text = path_or_text
    try:
        return json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_pairs_without_duplicates
        )
    except json.JSONDecodeError as error:
        message = _JSON_MESSAGES.get(error.msg, error.msg)
        raise ExchangeError(
            f"JSON invalide : {message} (ligne {error.lineno}, colonne {error.colno})"
        ) from None
    except ValueError as error:
        raise ExchangeError(f"JSON invalide : {error}") from None


# --------------------------------------------------------------------------------------------
# Schema: each type checks one JSON value and returns it cleaned, or INVALID after reporting.

INVALID = object()


def _join(path, key):
    return f"{path}.{key}" if path else key


class _Type:
    def default(self, v, path):
        """The cleaned value of an absent (or null) optional key."""
        return None


class Text(_Type):
    def __init__(self, max_length=None, pattern=None, pattern_message=None, blank=True):
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_message = pattern_message
        self.blank = blank

    def default(self, v, path):
        return ""

    def clean(self, v, value, path):
        if not isinstance(value, str):
            return v.invalid(path, "chaîne de caractères attendue")
        if not self.blank and not value.strip():
            return v.invalid(path, "texte vide")
        if self.max_length and len(value) > self.max_length:
            return v.invalid(path, f"texte trop long ({len(value)} caractères, au plus {self.max_length})")
        if self.pattern and not self.pattern.fullmatch(value):
            return v.invalid(path, self.pattern_message.format(value=value))
        return value


def Char(model, field, **kwargs):
    """A string bounded like the model's CharField."""
    return Text(max_length=model._meta.get_field(field).max_length, **kwargs)


def Key(model, field="key"):
    return Char(
        model, field, pattern=r"[a-z0-9-]+",
        pattern_message="identifiant invalide « {value} » (minuscules, chiffres et tirets uniquement)",
    )


INSEE = Text(
    pattern=r"[0-9][0-9AB][0-9]{3}", pattern_message="code INSEE invalide « {value} » (5 caractères)"
)
PERIOD = Text(
    pattern=r"[0-9]{4}-T[1-4]", pattern_message="période invalide « {value} » (format attendu AAAA-Tn, n de 1 à 4)"
)


def _within(v, path, value, low, high):
    """Whether `value` lies within [low, high] (None: unbounded); reports it when not."""
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            bounds = f"supérieur ou égal à {low}"
        else:
            bounds = f"entre {low} et {high}" if low is not None else f"au plus {high}"
        v.error(path, f"valeur {value} hors limites (attendu : {bounds})")
        return False
    return True


class Int(_Type):
    def __init__(self, min=None, max=2_147_483_647):  # the range of an integer column
        self.min, self.max = min, max

    def clean(self, v, value, path):
        if not isinstance(value, int) or isinstance(value, bool):
            return v.invalid(path, "nombre entier attendu")
        return value if _within(v, path, value, self.min, self.max) else INVALID


class Number(_Type):
    """A JSON number for a FloatField."""

    def __init__(self, min=None):
        self.min = min

    def clean(self, v, value, path):
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            return v.invalid(path, "nombre attendu")
        return value if _within(v, path, value, self.min, None) else INVALID


class Amount(_Type):
    """A JSON number for a DecimalField: at most `places` decimals and `digits` digits."""

    def __init__(self, model, field, max=None):
        model_field = model._meta.get_field(field)
        self.places, self.digits, self.max = model_field.decimal_places, model_field.max_digits, max

    def clean(self, v, value, path):
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            return v.invalid(path, "nombre attendu")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return v.invalid(path, "nombre attendu")
        if not _within(v, path, value, 0, self.max):
            return INVALID
        if amount.as_tuple().exponent < -self.places:
            return v.invalid(path, f"au plus {self.places} décimales")
        if abs(amount) >= Decimal(10) ** (self.digits - self.places):
            return v.invalid(path, f"valeur {value} trop grande")
        return amount


class Bool(_Type):
    def default(self, v, path):
        return False

    def clean(self, v, value, path):
        if not isinstance(value, bool):
            return v.invalid(path, "booléen attendu (true ou false)")
        return value


class NullableBool(Bool):
    def default(self, v, path):
        return None


class IsoType(_Type):
    """An ISO date or time string, parsed; `label` and `shape` make the French message."""

    def __init__(self, pattern, parse, label, shape):
        self.pattern, self.parse, self.label, self.shape = pattern, parse, label, shape

    def clean(self, v, value, path):
        if isinstance(value, str) and re.fullmatch(self.pattern, value):
            try:
                return self.parse(value)
            except ValueError:
                pass
        return v.invalid(path, f"{self.label} invalide {_show(value)} (format attendu {self.shape})")


def DateType():
    return IsoType(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date.fromisoformat, "date", "AAAA-MM-JJ")


def TimeType():
    return IsoType(r"[0-9]{2}:[0-9]{2}", time.fromisoformat, "heure", "HH:MM")


class Choice(_Type):
    """A slug of a vocabulary; `unknown` is the French message, e.g. "thématique inconnue"."""

    def __init__(self, choices, unknown):
        self.values = list(choices.values) if hasattr(choices, "values") else list(choices)
        self.unknown = unknown

    def default(self, v, path):
        return ""

    def clean(self, v, value, path):
        if isinstance(value, str) and value in self.values:
            return value
        return v.invalid(path, f"{self.unknown} {_show(value)}")


class Const(_Type):
    def __init__(self, expected, message):
        self.expected, self.message = expected, message

    def clean(self, v, value, path):
        if type(value) is type(self.expected) and value == self.expected:
            return value
        return v.invalid(path, self.message.format(value=_show(value), expected=_show(self.expected)))


class ListOf(_Type):
    def __init__(self, item, min_items=0, too_few=None, unique=False):
        self.item, self.min_items, self.too_few, self.unique = item, min_items, too_few, unique

    def default(self, v, path):
        return []

    def clean(self, v, value, path):
        if not isinstance(value, list):
            return v.invalid(path, "liste attendue")
        if len(value) < self.min_items:
            return v.invalid(path, self.too_few)
        cleaned, seen = [], set()
        for index, raw in enumerate(value):
            item_path = f"{path}[{index}]"
            if raw is None:
                v.error(item_path, "valeur null interdite dans une liste")
                continue
            item = self.item.clean(v, raw, item_path)
            if item is INVALID:
                continue
            if self.unique:
                if item in seen:
                    v.error(item_path, f"{_show(item)} figure deux fois dans la liste")
                    continue
                seen.add(item)
            cleaned.append(item)
        return cleaned


class MapOf(_Type):
    def __init__(self, value):
        self.value = value

    def default(self, v, path):
        return {}

    def clean(self, v, value, path):
        if not isinstance(value, dict):
            return v.invalid(path, "objet attendu")
        cleaned = {}
        for key, raw in value.items():
            item = self.value.clean(v, raw, _join(path, key)) if raw is not None else v.invalid(
                _join(path, key), "valeur obligatoire (null interdit)"
            )
            if item is not INVALID:
                cleaned[key] = item
        return cleaned


@dataclass(frozen=True)
class Field:
    type: _Type
    required: bool


def req(type_):
    return Field(type_, True)


def opt(type_):
    return Field(type_, False)


class Obj(_Type):
    """A JSON object with known keys; unknown keys are errors. The cleaned dict holds every
    declared key whose value is valid (absent optional keys get their default) and `_path`."""

    def __init__(self, fields, empty_when_absent=False):
        self.fields = fields
        self.empty_when_absent = empty_when_absent

    def default(self, v, path):
        return self.clean(v, {}, path) if self.empty_when_absent else None

    def clean(self, v, value, path):
        if not isinstance(value, dict):
            return v.invalid(path, "objet attendu")
        for key in value:
            if key not in self.fields:
                v.error(_join(path, key), "clé inconnue")
        cleaned = {"_path": path}
        for key, field in self.fields.items():
            sub = _join(path, key)
            raw = value.get(key)
            if raw is None or (field.required and raw == ""):
                if not field.required:
                    cleaned[key] = field.type.default(v, sub)
                elif key not in value:
                    v.error(sub, "clé obligatoire manquante")
                else:
                    v.error(sub, "valeur obligatoire")
                continue
            result = field.type.clean(v, raw, sub)
            if result is not INVALID:
                cleaned[key] = result
        return cleaned


class Tagged(_Type):
    """An object whose shape depends on its `tag` key (avenant operations)."""

    def __init__(self, tag, variants, unknown):
        self.tag, self.variants, self.unknown = tag, variants, unknown

    def clean(self, v, value, path):
        if not isinstance(value, dict):
            return v.invalid(path, "objet attendu")
        kind = value.get(self.tag)
        if kind is None:
            return v.invalid(_join(path, self.tag), "clé obligatoire manquante")
        if not isinstance(kind, str) or kind not in self.variants:
            return v.invalid(_join(path, self.tag), f"{self.unknown} {_show(kind)}")
        fields = {self.tag: req(Const(kind, ""))} | self.variants[kind]
        return Obj(fields).clean(v, value, path)


def _show(value):
    if isinstance(value, str):
        return f"« {value} »"
    return json.dumps(value, ensure_ascii=False)[:60]


# The document's schema, section by section. Each object lists its keys in the order of the spec,
# which is also the key order of the export.

ORG_CODE = Char(Organisation, "code")
ORGANISATION = Obj({
    "name": req(Char(Organisation, "name")),
    "kind": req(Choice(OrganisationKind, "type d'organisation inconnu")),
    "code": req(ORG_CODE),
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
YEAR = Int(min=1900, max=2200)

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
})
BODY = Obj({
    "key": req(Key(Body)),
    "kind": req(Choice(BodyKind, "type d'instance inconnu")),
    "name": req(Char(Body, "name")),
    "composition": opt(Text()),
    "frequency": opt(Char(Body, "frequency")),
    "animators": opt(Char(Body, "animators")),
    "members": opt(ListOf(MEMBER)),
})
PARTICIPANT = Obj({
    "name": req(Char(Participant, "name")),
    "organisation": opt(Char(Participant, "organisation")),
    "present": opt(NullableBool()),
})
MEETING = Obj({
    "body": req(Key(Body)),
    "date": req(DateType()),
    "time": opt(TimeType()),
    "title": req(Char(Meeting, "title")),
    "place": opt(Char(Meeting, "place")),
    "agenda": opt(ListOf(Char(AgendaItem, "text", blank=False))),
    "participants": opt(ListOf(PARTICIPANT)),
    "decisions": opt(ListOf(Text(blank=False))),
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
})

CONVENTION = Obj({
    "slug": req(Key(Convention, "slug")),
    "title": req(Char(Convention, "title")),
    "caf": req(ORGANISATION),
    "period": req(Obj({"start": req(DateType()), "end": req(DateType())})),
    "status": req(Choice(ConventionStatus, "statut de convention inconnu")),
    "signed_on": opt(DateType()),
    "signed_at": opt(Char(Convention, "signed_at")),
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
})

DOCUMENT = Obj({
    "format": req(Const(FORMAT, "format inconnu {value} (attendu {expected})")),
    "version": req(Const(VERSION, "version {value} non prise en charge (seule la version {expected} est acceptée)")),
    "convention": req(CONVENTION),
})


# --------------------------------------------------------------------------------------------
# Cross-object checks


def _fr(day):
    return f"{day:%d/%m/%Y}"


class _Keyed:
    """Things keyed across the whole document (fiches, equipment) that operations target:
    a target must be defined earlier, in the base plan or by an earlier avenant."""

    def __init__(self, v, noun, unknown):
        self.v, self.noun, self.unknown = v, noun, unknown
        self.defined = {}  # key -> (item, avenant or None)
        self.superseded = {}  # key -> number of the signed avenant that replaced or abrogated it

    def define(self, item, avenant=None):
        key = item.get("key")
        if key is None:
            return
        if key in self.defined:
            first = self.defined[key][0]
            self.v.error(_join(item["_path"], "key"), f"clé « {key} » déjà utilisée par {self.noun} {first['_path']}")
        else:
            self.defined[key] = (item, avenant)

    def target(self, key, path, avenant, targeted_here):
        """Check an operation of `avenant` aiming at `key`."""
        if key not in self.defined or self.defined[key][1] is avenant:
            self.v.error(path, self.unknown.format(key=key))
            return
        introduced_by = self.defined[key][1]
        signed = avenant.get("status") == AvenantStatus.SIGNE
        if key in targeted_here:
            self.v.error(path, f"{self.noun} « {key} » fait déjà l'objet d'une autre opération de cet avenant")
        elif key in self.superseded:
            self.v.error(path, f"l'avenant n°{self.superseded[key]} a déjà abrogé ou remplacé {self.noun} « {key} »")
        elif signed and introduced_by is not None and introduced_by.get("status") != AvenantStatus.SIGNE:
            self.v.error(path, f"{self.noun} « {key} » provient de l'avenant n°{introduced_by.get('number')}, qui n'est pas signé")
        targeted_here.add(key)
        if signed:
            self.superseded.setdefault(key, avenant.get("number"))


class _Validator:
    def __init__(self, replace=False):
        self.replace = replace
        self.errors = []

    def error(self, path, message):
        self.errors.append(f"{path or 'document'}: {message}")

    def invalid(self, path, message):
        self.error(path, message)
        return INVALID

    def run(self, data):
        document = DOCUMENT.clean(self, data, "")
        if document is INVALID or not isinstance(document.get("convention"), dict):
            return document
        c = document["convention"]
        self.check_convention(c)
        self.check_parties(c)
        self.check_plan(c)
        self.check_amendments(c)
        self.check_numbers_in_force(c)
        self.check_governance(c)
        return document

    # -- helpers

    def unique(self, items, field, message):
        """Report items whose `field` repeats an earlier one; return {value: first item}."""
        seen = {}
        for item in items:
            value = item.get(field)
            if value is None:
                continue
            if value in seen:
                self.error(_join(item["_path"], field), message.format(value=value, first=seen[value]["_path"]))
            else:
                seen[value] = item
        return seen

    def resolve_party(self, code, path):
        kinds = self.parties.get(code)
        if not kinds:
            self.error(path, f"organisation « {code} » inconnue : ce doit être le code de la Caf ou d'un signataire")
        elif len(kinds) > 1:
            self.error(path, f"code « {code} » ambigu : il désigne plusieurs parties ({', '.join(sorted(kinds))})")

    # -- sections

    def check_convention(self, c):
        period = c.get("period") or {}
        if "start" in period and "end" in period and period["end"] <= period["start"]:
            self.error(_join(period["_path"], "end"), f"la fin ({_fr(period['end'])}) doit être postérieure au début ({_fr(period['start'])})")
        self.unique(c.get("articles", []), "number", "article « {value} » en double (déjà en {first})")
        slug = c.get("slug")
        if slug and not self.replace and Convention.objects.filter(slug=slug).exists():
            self.error("convention.slug", f"une convention « {slug} » existe déjà (utilisez --replace)")

    def check_parties(self, c):
        """One description per organisation; references by code resolve among the parties."""
        organisations = []
        if isinstance(c.get("caf"), dict):
            organisations.append(c["caf"])
            if c["caf"].get("kind") not in (None, OrganisationKind.CAF):
                self.error("convention.caf.kind", "la Caf doit être une organisation de type « caf »")
        organisations += [s["organisation"] for s in c.get("signatories", []) if "organisation" in s]
        described = {}
        self.parties = defaultdict(set)
        for org in organisations:
            if "kind" not in org or "code" not in org:
                continue
            identity = (org["kind"], org["code"])
            self.parties[org["code"]].add(org["kind"])
            first = described.setdefault(identity, org)
            for field in ("name", "population"):
                if field in org and field in first and org[field] != first[field]:
                    self.error(_join(org["_path"], field), f"l'organisation {org['kind']} « {org['code']} » est décrite autrement en {first['_path']}")

    def check_plan(self, c):
        self.communes = self.unique(c.get("communes", []), "insee", "commune « {value} » en double (déjà en {first})")
        self.axes = self.unique(c.get("axes", []), "number", "axe {value} en double (déjà en {first})")
        self.fiches = _Keyed(self, "la fiche", "fiche « {key} » inconnue : elle doit figurer dans le plan initial ou dans un avenant précédent")
        self.equipment = _Keyed(self, "l'équipement", "équipement « {key} » inconnu : il doit figurer dans l'annexe 3 initiale ou dans un avenant précédent")
        for fiche in c.get("fiches", []):
            self.check_fiche(fiche)
            self.fiches.define(fiche)
        for item in (c.get("annexes") or {}).get("equipment", []):
            self.check_equipment(item)
            self.equipment.define(item)

    def check_fiche(self, fiche):
        path = fiche["_path"]
        axis = self.axes.get(fiche.get("axis"))
        if "axis" in fiche and axis is None:
            self.error(_join(path, "axis"), f"axe {fiche['axis']} inconnu")
        objective = fiche.get("objective")
        if axis is not None and objective is not None and "objectives" in axis:
            count = len(axis["objectives"])
            if objective > count:
                self.error(_join(path, "objective"), f"objectif {objective} inconnu : l'axe {axis['number']} en compte {count}")
        commune = fiche.get("commune")
        if commune and commune not in self.communes:
            self.error(_join(path, "commune"), f"commune « {commune} » absente des communes de la convention")
        for index, code in enumerate(fiche.get("lead_organisations", [])):
            self.resolve_party(code, f"{path}.lead_organisations[{index}]")
        start, end = fiche.get("start_year"), fiche.get("end_year")
        if start is not None and end is not None and end < start:
            self.error(_join(path, "end_year"), f"l'année de fin ({end}) précède l'année de début ({start})")
        indicators = self.unique(fiche.get("indicators", []), "key", "indicateur « {value} » en double (déjà en {first})")
        self.unique(fiche.get("updates", []), "period", "période « {value} » déjà suivie en {first}")
        for update in fiche.get("updates", []):
            for key in update.get("indicator_values", {}):
                if key not in indicators:
                    self.error(f"{update['_path']}.indicator_values.{key}", f"indicateur « {key} » inconnu pour cette fiche")

    def check_equipment(self, item):
        if item.get("funded_by"):
            self.resolve_party(item["funded_by"], _join(item["_path"], "funded_by"))

    def check_amendments(self, c):
        avenants = c.get("amendments", [])
        previous = None
        for avenant in avenants:
            path, number = avenant["_path"], avenant.get("number")
            if number is not None:
                if previous is not None and number <= previous:
                    self.error(_join(path, "number"), f"avenant n°{number} : les avenants doivent être classés par numéro croissant, sans doublon")
                previous = number if previous is None else max(previous, number)
            start, until = avenant.get("effective_from"), avenant.get("effective_until")
            if start and until and until < start:
                self.error(_join(path, "effective_until"), f"le terme ({_fr(until)}) précède la prise d'effet ({_fr(start)})")
            self.unique(avenant.get("articles", []), "number", "article « {value} » en double dans cet avenant (déjà en {first})")
            self.check_operations(avenant)

    def check_operations(self, avenant):
        targeted = {"fiche": set(), "equipment": set()}
        added = []
        for operation in avenant.get("operations", []):
            path = operation["_path"]
            kind = "equipment" if operation["op"] in EQUIPMENT_OPERATIONS else "fiche"
            registry = self.equipment if kind == "equipment" else self.fiches
            if "target" in operation:
                registry.target(operation["target"], _join(path, "target"), avenant, targeted[kind])
            if isinstance(operation.get("fiche"), dict):
                self.check_fiche(operation["fiche"])
                added.append(operation["fiche"])
            if isinstance(operation.get("equipment"), dict):
                self.check_equipment(operation["equipment"])
                self.equipment.define(operation["equipment"], avenant)
        for fiche in added:  # defined after the targets: an avenant cannot aim at its own fiches
            self.fiches.define(fiche, avenant)

    def check_numbers_in_force(self, c):
        """Two fiches in force on the same date never share a number. The plan in force changes
        only on an avenant's effective date, so the base plan and each of those dates are checked;
        a draft is checked as if it were signed, so that signing it cannot break the rule."""
        base = [f for f in c.get("fiches", []) if "number" in f and "key" in f]
        avenants = [a for a in c.get("amendments", []) if "effective_from" in a]
        reported = set()
        checks = [(None, [])] + [
            (a["effective_from"], [b for b in avenants if b is a or (
                b.get("status") == AvenantStatus.SIGNE and b["effective_from"] <= a["effective_from"]
            )])
            for a in avenants
        ]
        for day, applied in checks:
            in_force = {f["key"]: f for f in base}
            for avenant in applied:
                for operation in avenant.get("operations", []):
                    if operation["op"] in FICHE_OPERATIONS:
                        in_force.pop(operation.get("target"), None)
                    fiche = operation.get("fiche")
                    if isinstance(fiche, dict) and "number" in fiche and "key" in fiche:
                        in_force[fiche["key"]] = fiche
            by_number = defaultdict(list)
            for fiche in in_force.values():
                by_number[fiche["number"]].append(fiche)
            for number, fiches in by_number.items():
                first = fiches[0]
                for other in fiches[1:]:
                    if (first["key"], other["key"]) in reported:
                        continue
                    reported.add((first["key"], other["key"]))
                    when = f"en vigueur en même temps le {_fr(day)}" if day else "du plan initial"
                    self.error(_join(other["_path"], "number"), f"numéro {number} déjà porté par la fiche « {first['key']} », {when}")

    def check_governance(self, c):
        governance = c.get("governance") or {}
        bodies = self.unique(governance.get("bodies", []), "key", "instance « {value} » en double (déjà en {first})")
        for meeting in governance.get("meetings", []):
            if meeting.get("body") and meeting["body"] not in bodies:
                self.error(_join(meeting["_path"], "body"), f"instance « {meeting['body']} » inconnue")
            for index, key in enumerate(meeting.get("fiches", [])):
                if key not in self.fiches.defined:
                    self.error(f"{meeting['_path']}.fiches[{index}]", f"fiche « {key} » inconnue")
        for officer in governance.get("cooperation_officers", []):
            if officer.get("organisation"):
                self.resolve_party(officer["organisation"], _join(officer["_path"], "organisation"))
        for milestone in c.get("milestones", []):
            if milestone.get("body") and milestone["body"] not in bodies:
                self.error(_join(milestone["_path"], "body"), f"instance « {milestone['body']} » inconnue")
            start, end = milestone.get("start"), milestone.get("end")
            if start and end and end < start:
                self.error(_join(milestone["_path"], "end"), f"l'échéance ({_fr(end)}) précède le début ({_fr(start)})")


# --------------------------------------------------------------------------------------------
# Fields that go unchanged between a cleaned JSON object and its model, both ways.

ORGANISATION_FIELDS = ("name", "kind", "code", "population")
PREFECTURE_FIELDS = {
    "sent_on": "prefecture_sent_on",
    "received_on": "prefecture_received_on",
    "published_on": "prefecture_published_on",
    "act_id": "prefecture_act_id",
}
SIGNATORY_FIELDS = ("representative", "capacity")
COMMUNE_FIELDS = ("name", "insee", "population")
ARTICLE_FIELDS = ("number", "title", "body")
FICHE_FIELDS = (
    "key", "number", "title", "nature", "coordination_between_collectivities", "schedule",
    "start_year", "end_year", "initial_diagnosis", "target_public", "operational_objectives",
    "implementation", "lead", "partners", "referents", "expected_results",
    "evaluation_indicators", "funding",
)
INDICATOR_FIELDS = ("key", "name", "unit", "baseline", "target")
UPDATE_FIELDS = ("period", "status", "progress", "comment", "difficulties", "author", "updated_on")
EQUIPMENT_FIELDS = (
    "key", "kind", "name", "address", "commune", "places", "caf_funding", "local_funding",
    "bonus_territoire",
)
AVENANT_FIELDS = (
    "number", "status", "title", "signed_on", "signed_at", "effective_from", "effective_until",
    "preamble", "object",
)
DIAGNOSIS_INDICATOR_FIELDS = ("territory", "level", "indicator", "year", "value", "unit")
SPPE_FIELDS = tuple(SPPE_ROW.fields)
DELIBERATION_FIELDS = ("body", "number", "date", "title")
BODY_FIELDS = ("key", "kind", "name", "composition", "frequency", "animators")
MEMBER_FIELDS = ("name", "organisation", "role")
MEETING_FIELDS = ("date", "time", "title", "place", "minutes")
PARTICIPANT_FIELDS = ("name", "organisation", "present")
OFFICER_FIELDS = ("name", "scope", "themes", "fte", "caf_funded")
MILESTONE_FIELDS = ("kind", "title", "start", "end", "status", "notes")
OPERATION_FIELDS = {"article": "article_number", "annex": "annex", "mode": "mode", "body": "body"}


def _take(data, fields):
    """Model keyword arguments from a cleaned object (values are already database-ready)."""
    return {field: data[field] for field in fields}


def _out(value):
    """A model value as JSON: "" is null, numbers are ints when integral, dates are ISO."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _give(instance, fields):
    return {field: _out(getattr(instance, field)) for field in fields}


def _shape(schema, data):
    """`data` with its keys in the order of `schema` (and exactly its keys)."""
    return {key: data[key] for key in schema.fields}


# --------------------------------------------------------------------------------------------
# Import


def import_document(data, *, replace=False, by=None):
    """Create the convention a document describes and return it; all or nothing.

    Raises `ExchangeError` listing every problem, with nothing written. With `replace`, an
    existing convention of the same slug is deleted in the same transaction. `by` (a user) is
    recorded as the author of the history entries, all marked as an import.
    """
    validator = _Validator(replace=replace)
    document = validator.run(data)
    if validator.errors:
        raise ExchangeError(validator.errors)
    try:
        with transaction.atomic(), acting(by, reason=IMPORT_REASON):
            if replace:
                _delete_convention(document["convention"]["slug"])
            convention = _Writer(by).write(document["convention"])
            refresh_current_flags(convention)
            return convention
    except DatabaseError as error:
        raise ExchangeError(
            [f"convention: enregistrement refusé par la base de données, rien n'a été importé ({error})"]
        ) from error


def _delete_convention(slug):
    convention = Convention.objects.filter(slug=slug).first()
    if convention is None:
        return
    # Fiche.axis and Fiche.commune are PROTECT: fiches must go before their axes and communes.
    Fiche.objects.filter(convention=convention).delete()
    convention.delete()


def _prefecture(stamp):
    """The four `prefecture_*` columns of a stamp; no stamp leaves them empty."""
    stamp = stamp or {"sent_on": None, "received_on": None, "published_on": None, "act_id": ""}
    return {column: stamp[key] for key, column in PREFECTURE_FIELDS.items()}


class _Writer:
    """Writes a validated, cleaned convention; every reference is known to resolve."""

    def __init__(self, by=None):
        self.by = by
        self.organisations = {}  # (kind, code) -> Organisation
        self.parties = {}  # code -> Organisation (a code used as a reference is unambiguous)
        self.fiches = {}  # key -> Fiche
        self.equipment = {}  # key -> Equipment
        self.equipment_positions = itertools.count()  # base annexe 3 first, then avenants' additions

    def save(self, instance):
        if self.by is not None:
            instance._history_user = self.by  # read by django-simple-history
        instance.save()
        return instance

    def organisation(self, data):
        identity = (data["kind"], data["code"])
        if identity not in self.organisations:
            organisation, created = Organisation.objects.get_or_create(
                kind=data["kind"], code=data["code"],
                defaults={"name": data["name"], "population": data["population"]},
            )
            if not created and (organisation.name, organisation.population) != (data["name"], data["population"]):
                organisation.name, organisation.population = data["name"], data["population"]
                organisation.save(update_fields=["name", "population"])
            self.organisations[identity] = self.parties[organisation.code] = organisation
        return self.organisations[identity]

    def positioned(self, model, items, fields=None, text=None, **extra):
        """Bulk-create one row per item, keeping the list order in `position`."""
        rows = [
            model(position=position, **(_take(item, fields) if fields else {text: item}), **extra)
            for position, item in enumerate(items)
        ]
        return model.objects.bulk_create(rows)

    def write(self, c):
        annexes, governance = c["annexes"], c["governance"]
        caf = self.organisation(c["caf"])
        for signatory in c["signatories"]:
            self.organisation(signatory["organisation"])
        self.convention = convention = self.save(Convention(
            slug=c["slug"], title=c["title"], caf=caf, start=c["period"]["start"], end=c["period"]["end"],
            status=c["status"], signed_on=c["signed_on"], signed_at=c["signed_at"], preamble=c["preamble"],
            previous_evaluation=annexes["previous_evaluation"],
            diagnosis_summary=annexes["diagnosis"]["summary"],
            governance_text=annexes["governance_text"], evaluation_text=annexes["evaluation_text"],
            **_prefecture(c["prefecture"]),
        ))
        Signatory.objects.bulk_create(
            Signatory(convention=convention, organisation=self.organisation(s["organisation"]), position=position,
                      **_take(s, SIGNATORY_FIELDS))
            for position, s in enumerate(c["signatories"])
        )
        self.positioned(Commune, c["communes"], COMMUNE_FIELDS, convention=convention)
        self.communes = {commune.insee: commune for commune in convention.communes.all()}
        self.positioned(Visa, c["visas"], text="text", convention=convention)
        self.positioned(Article, c["articles"], ARTICLE_FIELDS, convention=convention)
        self.write_axes(c["axes"])
        for item in annexes["equipment"]:
            self.write_equipment(item)
        for fiche in c["fiches"]:
            self.write_fiche(fiche)
        for avenant in c["amendments"]:
            self.write_avenant(avenant)
        self.write_annexes(annexes)
        self.write_governance(governance, c["milestones"])
        return convention

    def write_axes(self, axes):
        self.axes, self.objectives = {}, {}
        for data in axes:
            axis = Axis.objects.create(convention=self.convention, number=data["number"], title=data["title"])
            self.axes[axis.number] = axis
            for number, title in enumerate(data["objectives"], start=1):
                self.objectives[axis.number, number] = Objective.objects.create(axis=axis, number=number, title=title)

    def write_fiche(self, data, avenant=None, previous=None):
        fiche = self.save(Fiche(
            convention=self.convention, avenant=avenant, previous_version=previous,
            axis=self.axes[data["axis"]], objective=self.objectives.get((data["axis"], data["objective"])),
            commune=self.communes.get(data["commune"]), **_take(data, FICHE_FIELDS),
        ))
        self.positioned(FicheTheme, data["themes"], text="theme", fiche=fiche)
        leads = Fiche.lead_organisations.through
        leads.objects.bulk_create(leads(fiche=fiche, organisation=self.parties.get(code)) for code in data["lead_organisations"])
        indicators = {
            item["key"]: Indicator.objects.create(fiche=fiche, position=position, **_take(item, INDICATOR_FIELDS))
            for position, item in enumerate(data["indicators"])
        }
        for item in data["updates"]:
            update = self.save(Update(fiche=fiche, **_take(item, UPDATE_FIELDS)))
            for key, value in item["indicator_values"].items():
                self.save(IndicatorValue(update=update, indicator=indicators[key], value=value))
        self.fiches[fiche.key] = fiche
        return fiche

    def write_equipment(self, data, avenant=None):
        item = Equipment.objects.create(
            convention=self.convention, avenant=avenant, position=next(self.equipment_positions),
            funded_by=self.parties.get(data["funded_by"]), **_take(data, EQUIPMENT_FIELDS),
        )
        self.equipment[item.key] = item
        return item

    def write_avenant(self, data):
        avenant = Avenant.objects.create(
            convention=self.convention, **_take(data, AVENANT_FIELDS), **_prefecture(data["prefecture"])
        )
        self.positioned(Visa, data["visas"], text="text", convention=self.convention, avenant=avenant)
        self.positioned(Article, data["articles"], ARTICLE_FIELDS, convention=self.convention, avenant=avenant)
        for position, item in enumerate(data["operations"]):
            operation = Operation(avenant=avenant, position=position, op=item["op"])
            for key, column in OPERATION_FIELDS.items():
                if key in item:
                    setattr(operation, column, item[key])
            if item["op"] in FICHE_OPERATIONS and "target" in item:
                operation.target_fiche = self.fiches[item["target"]]
            if item["op"] in EQUIPMENT_OPERATIONS and "target" in item:
                operation.target_equipment = self.equipment[item["target"]]
            if "fiche" in item:
                operation.fiche = self.write_fiche(item["fiche"], avenant, previous=operation.target_fiche)
            if "equipment" in item:
                operation.equipment = self.write_equipment(item["equipment"], avenant)
            operation.save()

    def write_annexes(self, annexes):
        convention = self.convention
        self.positioned(DiagnosisIssue, annexes["diagnosis"]["issues"], text="text", convention=convention)
        self.positioned(DiagnosisIndicator, annexes["diagnosis"]["indicators"], DIAGNOSIS_INDICATOR_FIELDS, convention=convention)
        self.positioned(SppeRow, annexes["sppe_schema"], SPPE_FIELDS, convention=convention)
        self.positioned(Deliberation, annexes["deliberations"], DELIBERATION_FIELDS, convention=convention)

    def write_governance(self, governance, milestones):
        convention = self.convention
        bodies = {}
        for position, data in enumerate(governance["bodies"]):
            body = Body.objects.create(convention=convention, position=position, **_take(data, BODY_FIELDS))
            self.positioned(Member, data["members"], MEMBER_FIELDS, body=body)
            bodies[body.key] = body
        fiche_links = Meeting.fiches.through
        for data in governance["meetings"]:
            meeting = Meeting.objects.create(convention=convention, body=bodies[data["body"]], **_take(data, MEETING_FIELDS))
            self.positioned(AgendaItem, data["agenda"], text="text", meeting=meeting)
            self.positioned(Participant, data["participants"], PARTICIPANT_FIELDS, meeting=meeting)
            self.positioned(Decision, data["decisions"], text="text", meeting=meeting)
            fiche_links.objects.bulk_create(fiche_links(meeting=meeting, fiche=self.fiches[key]) for key in data["fiches"])
        for position, data in enumerate(governance["cooperation_officers"]):
            CooperationOfficer.objects.create(
                convention=convention, position=position, organisation=self.parties.get(data["organisation"]),
                **_take(data, OFFICER_FIELDS),
            )
        for position, data in enumerate(milestones):
            Milestone.objects.create(
                convention=convention, position=position, body=bodies.get(data["body"]),
                **_take(data, MILESTONE_FIELDS),
            )


# --------------------------------------------------------------------------------------------
# Export


def export_document(convention, *, on=None):
    """The convention as an exchange document. With `on` (a date), `amendments` holds only the
    avenants effective on or before that date; everything else is unchanged."""
    return {"format": FORMAT, "version": VERSION, "convention": _Exporter(convention, on).convention()}


def _grouped(queryset, attribute):
    groups = defaultdict(list)
    for item in queryset:
        groups[getattr(item, attribute)].append(item)
    return groups


def _prefecture_out(instance):
    if not instance.has_prefecture_stamp:
        return None
    return {key: _out(getattr(instance, column)) for key, column in PREFECTURE_FIELDS.items()}


class _Exporter:
    """Loads a convention in a fixed number of queries, then shapes it."""

    def __init__(self, convention, on=None):
        self.c = c = Convention.objects.select_related("caf").get(pk=convention.pk)
        self.on = on
        avenants = c.avenants.order_by("number")
        self.avenants = list(avenants.filter(effective_from__lte=on) if on else avenants)
        self.visas = _grouped(c.visas.order_by("position", "id"), "avenant_id")
        self.articles = _grouped(c.articles.order_by("position", "id"), "avenant_id")
        self.operations = _grouped(
            Operation.objects.filter(avenant__convention=c)
            .select_related("target_fiche", "target_equipment").order_by("position", "id"),
            "avenant_id",
        )
        self.fiches = {
            fiche.pk: fiche
            for fiche in Fiche.objects.filter(convention=c)
            .select_related("axis", "objective", "commune")
            .prefetch_related(
                "theme_links",
                "indicators",
                Prefetch("updates", queryset=Update.objects.order_by("period").prefetch_related(
                    Prefetch("indicator_values", queryset=IndicatorValue.objects.select_related("indicator"))
                )),
            )
            .order_by("number", "id")
        }
        self.leads = _grouped(
            Fiche.lead_organisations.through.objects.filter(fiche__convention=c)
            .select_related("organisation").order_by("id"),
            "fiche_id",
        )
        self.equipment = {e.pk: e for e in c.equipment.select_related("funded_by").order_by("position", "id")}

    def convention(self):
        c = self.c
        base_fiches = [self.fiche(f) for f in self.fiches.values() if f.avenant_id is None]
        amendments = [self.avenant(a) for a in self.avenants]
        return _shape(CONVENTION, {
            "slug": c.slug,
            "title": c.title,
            "caf": self.organisation(c.caf),
            "period": {"start": _out(c.start), "end": _out(c.end)},
            "status": c.status,
            "signed_on": _out(c.signed_on),
            "signed_at": _out(c.signed_at),
            "prefecture": _prefecture_out(c),
            "signatories": [
                {"organisation": self.organisation(s.organisation), **_give(s, SIGNATORY_FIELDS)}
                for s in c.signatories.select_related("organisation").order_by("position", "id")
            ],
            "communes": [_give(commune, COMMUNE_FIELDS) for commune in c.communes.order_by("position", "id")],
            "visas": [visa.text for visa in self.visas[None]],
            "preamble": _out(c.preamble),
            "articles": [_give(article, ARTICLE_FIELDS) for article in self.articles[None]],
            "axes": [
                {"number": axis.number, "title": axis.title,
                 "objectives": [o.title for o in axis.objectives.all()]}
                for axis in c.axes.prefetch_related("objectives").order_by("number")
            ],
            "fiches": base_fiches,
            "amendments": amendments,
            "annexes": self.annexes(),
            "governance": self.governance(base_fiches, amendments),
            "milestones": [
                _shape(MILESTONE, {**_give(m, MILESTONE_FIELDS), "body": m.body.key if m.body else None})
                for m in c.milestones.select_related("body").order_by("position", "id")
            ],
        })

    def organisation(self, organisation):
        return _give(organisation, ORGANISATION_FIELDS)

    def fiche(self, fiche):
        return _shape(FICHE, {
            **_give(fiche, FICHE_FIELDS),
            "axis": fiche.axis.number,
            "objective": fiche.objective.number if fiche.objective else None,
            "themes": [link.theme for link in fiche.theme_links.all()],
            "commune": fiche.commune.insee if fiche.commune else None,
            "lead_organisations": [link.organisation.code for link in self.leads[fiche.pk]],
            "indicators": [_give(indicator, INDICATOR_FIELDS) for indicator in fiche.indicators.all()],
            "updates": [
                _shape(UPDATE, {
                    **_give(update, UPDATE_FIELDS),
                    "indicator_values": {v.indicator.key: _out(v.value) for v in update.indicator_values.all()},
                })
                for update in fiche.updates.all()
            ],
        })

    def equipment_item(self, item):
        return _shape(EQUIPMENT, {
            **_give(item, EQUIPMENT_FIELDS), "funded_by": item.funded_by.code if item.funded_by else None,
        })

    def avenant(self, avenant):
        return _shape(AVENANT, {
            **_give(avenant, AVENANT_FIELDS),
            "prefecture": _prefecture_out(avenant),
            "visas": [visa.text for visa in self.visas[avenant.pk]],
            "articles": [_give(article, ARTICLE_FIELDS) for article in self.articles[avenant.pk]],
            "operations": [self.operation(op) for op in self.operations[avenant.pk]],
        })

    def operation(self, operation):
        data = {"op": operation.op}
        for key in OPERATION.variants[operation.op]:
            if key in OPERATION_FIELDS:
                data[key] = getattr(operation, OPERATION_FIELDS[key])
            elif key == "target":
                target = operation.target_fiche or operation.target_equipment
                data[key] = target.key
            elif key == "fiche":
                data[key] = self.fiche(self.fiches[operation.fiche_id])
            elif key == "equipment":
                data[key] = self.equipment_item(self.equipment[operation.equipment_id])
        return data

    def annexes(self):
        c = self.c
        return _shape(ANNEXES, {
            "previous_evaluation": _out(c.previous_evaluation),
            "diagnosis": {
                "summary": _out(c.diagnosis_summary),
                "issues": [issue.text for issue in c.diagnosis_issues.order_by("position", "id")],
                "indicators": [
                    _give(i, DIAGNOSIS_INDICATOR_FIELDS) for i in c.diagnosis_indicators.order_by("position", "id")
                ],
            },
            "equipment": [self.equipment_item(e) for e in self.equipment.values() if e.avenant_id is None],
            "sppe_schema": [_give(row, SPPE_FIELDS) for row in c.sppe_rows.order_by("position", "id")],
            "governance_text": _out(c.governance_text),
            "evaluation_text": _out(c.evaluation_text),
            "deliberations": [_give(d, DELIBERATION_FIELDS) for d in c.deliberations.order_by("position", "id")],
        })

    def governance(self, base_fiches, amendments):
        c = self.c
        # With a date, a meeting may name a fiche of a later avenant, absent from this export.
        exported = {f["key"] for f in base_fiches} | {
            op["fiche"]["key"] for avenant in amendments for op in avenant["operations"] if "fiche" in op
        }
        meeting_fiches = _grouped(
            Meeting.fiches.through.objects.filter(meeting__convention=c).select_related("fiche").order_by("id"),
            "meeting_id",
        )
        meetings = c.meetings.select_related("body").prefetch_related(
            "agenda_items", "participants", "decisions"
        ).order_by("id")
        return {
            "bodies": [
                _shape(BODY, {
                    **_give(body, BODY_FIELDS),
                    "members": [_give(member, MEMBER_FIELDS) for member in body.members.all()],
                })
                for body in c.bodies.prefetch_related("members").order_by("position", "id")
            ],
            "meetings": [
                _shape(MEETING, {
                    **_give(meeting, MEETING_FIELDS),
                    "body": meeting.body.key,
                    "agenda": [item.text for item in meeting.agenda_items.all()],
                    "participants": [_give(p, PARTICIPANT_FIELDS) for p in meeting.participants.all()],
                    "decisions": [decision.text for decision in meeting.decisions.all()],
                    "fiches": [
                        link.fiche.key for link in meeting_fiches[meeting.pk] if link.fiche.key in exported
                    ],
                })
                for meeting in meetings
            ],
            "cooperation_officers": [
                _shape(OFFICER, {
                    **_give(officer, OFFICER_FIELDS),
                    "organisation": officer.organisation.code if officer.organisation else None,
                })
                for officer in c.cooperation_officers.select_related("organisation").order_by("position", "id")
            ],
        }
