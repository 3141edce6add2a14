"""The « Journal » of a convention: who changed what on it, newest first.

It reads the django-simple-history records of the convention and of everything that belongs to
it (`SOURCES`): parties and texts, avenants and their operations, annexes, the plan d'actions,
the quarterly tracking, governance and evaluation.

The history models are looked up in the app registry when a journal is built
(`apps.get_model("governance", "HistoricalMeeting")`), from `SOURCES`, which names them by app
label and model name: `conventions` imports no module of `actions`, `governance` or
`evaluation`, at import time or later.

An import shows as one line, the convention's own record: the records of the rows it wrote (all
marked with `ctg.history.IMPORT_REASON`) are left out. A modification that changed none of the
fields a user reads (a form saved as it was) is left out too, so a page may hold fewer lines
than `PER_PAGE`.

The number of queries does not grow with the history: one UNION ALL of the selected history
tables (date, record id and source of each record), sorted and sliced for the page by the
database, and one COUNT of it for the pager; then, for each history model with records on the
page, one query for those records and the records just before them (to name the changed
fields), with their author and what their label needs joined in. At most 2 + len(SOURCES).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.paginator import Paginator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst

from ctg.history import GENERATED_REASON, IMPORT_REASON, user_name
from ctg.uploads import size_label

from .enums import AvenantStatus

PER_PAGE = 50
# A text field this long or shorter shows its old and new values in the journal.
SHORT_TEXT = 150

GROUPS = {
    "convention": "Convention, parties et textes",
    "avenants": "Avenants",
    "annexes": "Annexes",
    "plan": "Plan d'actions",
    "suivi": "Suivi et évaluation",
    "gouvernance": "Gouvernance",
}

KINDS = {
    "creation": "création",
    "modification": "modification",
    "suppression": "suppression",
    "signature": "signature",
    "import": "import",
    "generation": "génération automatique",
    "statut": "changement de statut",
    "depot": "dépôt",
}

# Fields whose change says nothing to a reader: timestamps and authors already shown by the line
# itself.
IGNORED_FIELDS = {
    "updated_at", "updated_on", "saved_at", "author", "updated_by", "copied_from",
    "signed_by", "signature_recorded_at", "done_at", "done_by",
}


def _quote(text, length=60):
    text = " ".join(str(text or "").split())
    return f"« {text[:length]}{'…' if len(text) > length else ''} »"


def _day(value):
    return f"{value:%d/%m/%Y}" if value else "…"


def _of_avenant(record):
    if not record.avenant_id:
        return ""
    return f" de l'avenant n°{record.avenant.number}" if record.avenant else " d'un avenant supprimé"


def _ids(app, model, **filters):
    """The ids of the rows, current or deleted, whose history matches `filters` (a subquery)."""
    return apps.get_model(app, f"Historical{model}").objects.filter(**filters).values("id")


def _own(pk):
    return Q(convention_id=pk)


@dataclass(frozen=True)
class Source:
    app: str
    model: str  # the tracked model: its history model is `Historical<model>`
    group: str
    label: object  # record -> the object in domain words
    scope: object = _own  # convention pk -> Q over the history model
    related: tuple = ()  # what `label` reads, joined in
    created: str = ""  # the kind of a creation, when it is an event of its own ("statut")
    details: object = None  # record -> French lines shown under a creation

    @property
    def history(self):
        return apps.get_model(self.app, f"Historical{self.model}")


def _signatory(r):
    return f"Signataire {_quote(r.organisation.name if r.organisation else r.representative)}"


def _article(r):
    return f"Article {r.number}{_of_avenant(r)}{f' — {r.title}' if r.title else ''}"


def _operation(r):
    number = f"n°{r.avenant.number}" if r.avenant else "supprimé"
    return f"Opération de l'avenant {number} : {r.get_op_display().lower()}"


def _objective(r):
    return f"Objectif {f'{r.axis.number}.' if r.axis else ''}{r.number} — {r.title}"


def _update(r):
    return f"Suivi {r.period} de la fiche n°{r.fiche.number}" if r.fiche else f"Suivi {r.period} d'une fiche supprimée"


def _member(r):
    return f"Membre {r.name}{f' — {r.body.name}' if r.body else ''}"


def _decision(r):
    meeting = f" de la séance du {_day(r.meeting.date)}" if r.meeting else ""
    return f"Décision{meeting} {_quote(r.text)}"


def _original_details(r):
    pages = f"{r.pages} page{'s' if r.pages > 1 else ''}"
    return [f"Fichier {_quote(r.filename)}, {pages}, {size_label(r.size)}",
            *([f"Remplace l'original précédent : {r.note}"] if r.note else [])]


def _status_change(r):
    return f"Statut de la convention : {r.get_from_status_display().lower()} → {r.get_to_status_display().lower()}"


SOURCES = [
    Source("conventions", "Convention", "convention", lambda r: "Convention", scope=lambda pk: Q(id=pk)),
    Source("conventions", "StatusChange", "convention", _status_change, created="statut",
           details=lambda r: [f"Note : {r.note}"] if r.note else []),
    Source("conventions", "SignedOriginal", "convention", lambda r: "Original signé de la convention",
           scope=lambda pk: Q(convention_id=pk, avenant_id__isnull=True), created="depot", details=_original_details),
    Source("conventions", "Signatory", "convention", _signatory, related=("organisation",)),
    Source("conventions", "Commune", "convention", lambda r: f"Commune {r.name} ({r.insee})"),
    Source("conventions", "Visa", "convention", lambda r: f"Visa {_quote(r.text)}{_of_avenant(r)}", related=("avenant",)),
    Source("conventions", "Article", "convention", _article, related=("avenant",)),
    Source("conventions", "Avenant", "avenants", lambda r: f"Avenant n°{r.number}"),
    Source("conventions", "SignedOriginal", "avenants", lambda r: f"Original signé{_of_avenant(r)}", related=("avenant",),
           scope=lambda pk: Q(convention_id=pk, avenant_id__isnull=False), created="depot", details=_original_details),
    Source(
        "conventions", "Operation", "avenants", _operation, related=("avenant",),
        scope=lambda pk: Q(avenant_id__in=_ids("conventions", "Avenant", convention_id=pk)),
    ),
    Source("conventions", "Equipment", "annexes", lambda r: f"Équipement {_quote(r.name)}"),
    Source("conventions", "DiagnosisIndicator", "annexes",
           lambda r: f"Indicateur du diagnostic {_quote(f'{r.indicator} — {r.territory}')}"),
    Source("conventions", "DiagnosisIssue", "annexes", lambda r: f"Enjeu {_quote(r.text)}"),
    Source("conventions", "SppeRow", "annexes", lambda r: f"Ligne du schéma SPPE {_quote(r.name)}"),
    Source("conventions", "Deliberation", "annexes", lambda r: f"Délibération {_quote(r.title)} du {_day(r.date)}"),
    Source("actions", "Axis", "plan", lambda r: f"Axe {r.number} — {r.title}"),
    Source(
        "actions", "Objective", "plan", _objective, related=("axis",),
        scope=lambda pk: Q(axis_id__in=_ids("actions", "Axis", convention_id=pk)),
    ),
    Source("actions", "Fiche", "plan", lambda r: f"Fiche n°{r.number} — {r.title}"),
    Source(
        "actions", "Update", "suivi", _update, related=("fiche",),
        scope=lambda pk: Q(fiche_id__in=_ids("actions", "Fiche", convention_id=pk)),
    ),
    Source("evaluation", "Milestone", "suivi", lambda r: f"Jalon {_quote(r.title)}"),
    Source("evaluation", "Bilan", "suivi", lambda r: r.get_kind_display()),
    Source("governance", "Body", "gouvernance", lambda r: f"Instance {_quote(r.name)}"),
    Source(
        "governance", "Member", "gouvernance", _member, related=("body",),
        scope=lambda pk: Q(body_id__in=_ids("governance", "Body", convention_id=pk)),
    ),
    Source("governance", "Meeting", "gouvernance", lambda r: f"Séance {_quote(r.title)} du {_day(r.date)}"),
    Source(
        "governance", "Decision", "gouvernance", _decision, related=("meeting",),
        scope=lambda pk: Q(meeting_id__in=_ids("governance", "Meeting", convention_id=pk)),
    ),
    Source("governance", "CooperationOfficer", "gouvernance", lambda r: f"Chargé de coopération {r.name}"),
]


@dataclass
class Entry:
    model: str  # the tracked model's name ("Avenant", "Meeting"…)
    when: datetime.datetime
    author: str
    subject: str
    kind: str
    changes: list = field(default_factory=list)

    @property
    def kind_label(self):
        return KINDS[self.kind]


def _records(source, pk):
    records = source.history.objects.filter(source.scope(pk))
    if source.model != "Convention":
        records = records.exclude(history_change_reason=IMPORT_REASON)
    return records


def _previous(history):
    """The id of the record just before the outer one, for the same object (a subquery)."""
    return Subquery(
        history.objects.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )


def _with_previous(source, ids):
    """The records `ids` of `source`, each with `previous` (its predecessor or None), in one query."""
    history = source.history
    previous_ids = history.objects.filter(history_id__in=ids).annotate(previous_id=_previous(history))
    rows = list(
        history.objects.filter(Q(history_id__in=ids) | Q(history_id__in=previous_ids.values("previous_id")))
        .annotate(previous_id=_previous(history))
        .select_related("history_user", *source.related)
    )
    by_id = {row.history_id: row for row in rows}
    for row in rows:
        row.previous = by_id.get(row.previous_id)
    return by_id


def _shows_values(field):
    """Whether a change of `field` is shown with its old and new values: choices, dates, numbers,
    yes/no and short texts; long texts and links to other rows are only named."""
    if field.is_relation:
        return False
    if isinstance(field, models.CharField):
        return bool(field.choices) or field.max_length <= SHORT_TEXT
    return isinstance(field, (models.BooleanField, models.DateField, models.IntegerField, models.FloatField,
                              models.DecimalField))


def _value(field, value):
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return _day(value)
    if isinstance(value, float | Decimal):
        return number_format(value)
    return str(value)


def _changes(record):
    """The changed fields in French, in the order of the form, with old → new when short."""
    delta = record.diff_against(record.previous, excluded_fields=IGNORED_FIELDS)
    order = {f.name: i for i, f in enumerate(record._meta.fields)}
    changes = []
    for change in sorted(delta.changes, key=lambda c: order.get(c.field, 0)):
        model_field = record._meta.get_field(change.field)
        label = capfirst(str(model_field.verbose_name))
        if _shows_values(model_field):
            label = f"{label} : {_value(model_field, change.old)} → {_value(model_field, change.new)}"
        changes.append(label)
    return changes


def _author(record):
    if record.history_user is not None:
        return user_name(record.history_user)
    return "import" if record.history_change_reason == IMPORT_REASON else "système"


def _entry(source, record):
    """The journal line of `record`, or None for a modification with nothing to show."""
    reason = record.history_change_reason
    changes = []
    if record.history_type == "+":
        kind = {IMPORT_REASON: "import", GENERATED_REASON: "generation"}.get(reason, source.created or "creation")
        changes = source.details(record) if source.details else []
    elif record.history_type == "-":
        kind = "suppression"
    else:
        kind = "modification"
        if record.previous is not None:
            changes = _changes(record)
            if not changes:
                return None
            if source.model == "Avenant" and record.status == AvenantStatus.SIGNE and record.previous.status != AvenantStatus.SIGNE:
                kind = "signature"
    return Entry(
        model=source.model, when=timezone.localtime(record.history_date), author=_author(record), subject=source.label(record),
        kind=kind, changes=changes,
    )


def journal_page(convention, *, group=None, page=None):
    """Page `page` (a number, as typed) of the journal of `convention`, limited to the objects
    of `group` (a key of GROUPS; anything else: all). The page's `entries` are its lines."""
    sources = [s for s in SOURCES if group not in GROUPS or s.group == group]
    parts = [
        _records(source, convention.pk).order_by()
        .annotate(source=Value(index, output_field=models.IntegerField()))
        .values_list("history_date", "history_id", "source")
        for index, source in enumerate(sources)
    ]
    union = parts[0].union(*parts[1:], all=True).order_by("-history_date", "-history_id", "source")
    result = Paginator(union, PER_PAGE).get_page(page)
    rows = list(result.object_list)
    wanted = {}
    for _, history_id, index in rows:
        wanted.setdefault(index, []).append(history_id)
    loaded = {index: _with_previous(sources[index], ids) for index, ids in wanted.items()}
    entries = (_entry(sources[index], loaded[index][history_id]) for _, history_id, index in rows)
    result.entries = [entry for entry in entries if entry is not None]
    return result


def changes_since(convention, models, since, *, fields=()):
    """The journal lines about `models` (tracked model names) written after `since` (None:
    none), oldest first: what a concurrent edit changed. For the convention itself, only its
    records that changed one of `fields`, and only those fields."""
    if since is None:
        return []
    entries = []
    for source in SOURCES:
        if source.model not in models:
            continue
        ids = list(_records(source, convention.pk).filter(history_date__gt=since).values_list("history_id", flat=True))
        loaded = _with_previous(source, ids) if ids else {}
        for history_id in ids:
            record = loaded[history_id]
            if source.model == "Convention":
                if record.previous is None or not record.diff_against(record.previous, included_fields=fields).changes:
                    continue
            entry = _entry(source, record)
            if entry is not None:
                if source.model == "Convention":
                    labels = tuple(capfirst(str(record._meta.get_field(name).verbose_name)) for name in fields)
                    entry.changes = [change for change in entry.changes if change.startswith(labels)]
                entries.append(entry)
    return sorted(entries, key=lambda entry: entry.when)
