"""Fields that go unchanged between a cleaned JSON object and its model, both ways, and the
helpers that move values across (`take` into a model, `give`/`out` out of one)."""

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from actions.models import Fiche
from ctg.text import fold

from .schema import SPPE_ROW

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
# A fiche's own content (its axis, objective and commune travel as references).
FICHE_FIELDS = ("key", *(name for name in Fiche.CONTENT_FIELDS if name not in ("axis", "objective", "commune")))
INDICATOR_FIELDS = ("key", "name", "unit", "baseline", "target")
UPDATE_FIELDS = (
    "period", "status", "progress", "comment", "difficulties", "author", "updated_on", "saved_at", "copied_from",
)
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
BODY_FIELDS = ("key", "kind", "name", "composition", "frequency", "expected_per_year", "animators")
MEMBER_FIELDS = ("name", "organisation", "role", "email")
MEETING_FIELDS = ("date", "time", "end_time", "title", "place", "minutes")
PARTICIPANT_FIELDS = ("name", "organisation", "present", "email")
OFFICER_FIELDS = ("name", "scope", "themes", "fte", "caf_funded", "missions")
MILESTONE_FIELDS = ("kind", "title", "start", "end", "status", "notes", "done_at")
BILAN_FIELDS = ("kind", "realisations", "territorial_changes", "approach", "early_childhood")
OPERATION_FIELDS = {"article": "article_number", "annex": "annex", "mode": "mode", "body": "body"}


def organisation_identity(data):
    """What identifies an organisation across the instance: its kind and code, or, without a code
    (one read from a Word document), its kind and name as a reader compares them."""
    return (data["kind"], data["code"]) if data.get("code") else (data["kind"], "", fold(data.get("name") or ""))


def take(data, fields):
    """Model keyword arguments from a cleaned object (values are already database-ready)."""
    return {field: data[field] for field in fields}


def out(value):
    """A model value as JSON: "" is null, numbers are ints when integral, dates are ISO."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()  # microseconds only when there are some
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def give(instance, fields):
    return {field: out(getattr(instance, field)) for field in fields}


def shape(schema, data):
    """`data` with its keys in the order of `schema` (and exactly its keys), less the version 1
    additions that have nothing to say (null)."""
    return {key: data[key] for key, field in schema.fields.items() if not (field.added and data[key] is None)}
