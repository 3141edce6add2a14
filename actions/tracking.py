"""The shared tracking table (tableau de suivi, `002_…` Article 4): one row per fiche in force
during a quarter, with its update for that quarter."""

from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef, Prefetch

from ctg.numbers import format_number
from ctg.text import multiline

from .enums import UpdateStatus
from .models import Fiche, IndicatorValue, Update
from .periods import Period


@dataclass
class RowValues:
    """What one row of the table says. `None` means "not given": the stored value is kept.
    `indicators` maps an indicator's pk to its value (`None`: no value)."""

    status: str | None = None
    progress: int | None = None
    comment: str | None = None
    difficulties: str | None = None
    indicators: dict = field(default_factory=dict)
    progress_given: bool = False


def clean_text(value):
    """Cell or form text as stored (`ctg.text.multiline`), without surrounding blanks."""
    return "" if value is None else multiline(str(value)).strip()


def with_latest_values(fiche, *, confirmed_only=False):
    """The fiche's indicators, each with `.latest`: its most recent IndicatorValue (or None);
    `confirmed_only` skips the quarters copied from the previous one and not confirmed since."""
    values = IndicatorValue.objects.filter(indicator__fiche=fiche).select_related("update").order_by("update__period")
    if confirmed_only:
        values = values.filter(update__copied_from="")
    latest = {value.indicator_id: value for value in values}
    indicators = list(fiche.indicators.all())
    for indicator in indicators:
        indicator.latest = latest.get(indicator.pk)
    return indicators


def row_changes(fiche, update, values):
    """French descriptions of what `values` would change in `fiche`'s `update` (None: no update yet)."""
    changes = []

    def compare(label, old, new, show=lambda v: v):
        if new is not None and old != new:
            changes.append(f"{label} : {show(old) if old not in (None, '') else '—'} → {show(new) if new != '' else '—'}")

    def status_label(slug):
        return UpdateStatus(slug).label

    compare("statut", update.status if update else None, values.status, status_label)
    if values.progress_given:
        old = update.progress if update else None
        if old != values.progress:
            changes.append(f"avancement : {'—' if old is None else f'{old} %'} → {'—' if values.progress is None else f'{values.progress} %'}")
    compare("commentaire", update.comment if update else "", values.comment, excerpt)
    compare("difficultés", update.difficulties if update else "", values.difficulties, excerpt)
    stored = {v.indicator_id: v.value for v in update.indicator_values.all()} if update else {}
    names = {i.pk: i.name for i in fiche.indicators.all()}
    for pk, value in values.indicators.items():
        if stored.get(pk) != value:
            changes.append(f"{names[pk]} : {format_number(stored.get(pk))} → {format_number(value)}")
    return changes


def excerpt(text, size=60):
    """A text on one line, quoted, cut at `size` characters: for a change report."""
    text = " ".join(str(text).split())
    return f"« {text if len(text) <= size else text[: size - 1] + '…'} »"


def tracking_fiches(convention, period):
    """The fiches of the table for `period`, in plan order, each with `period_update` (or None)
    and its indicators, in a fixed number of queries."""
    updates = Update.objects.filter(period=str(period)).select_related("updated_by").prefetch_related("indicator_values")
    fiches = list(
        Fiche.objects.filter(convention=convention)
        .in_force_during(period.start, period.end)
        .select_related("axis")
        .prefetch_related("indicators", Prefetch("updates", queryset=updates, to_attr="period_updates"))
        .order_by("axis__number", "number", "id")
    )
    for fiche in fiches:
        fiche.period_update = fiche.period_updates[0] if fiche.period_updates else None
        values = {v.indicator_id: v.value for v in fiche.period_update.indicator_values.all()} if fiche.period_update else {}
        for indicator in fiche.indicators.all():
            indicator.period_value = values.get(indicator.pk)
    return fiches


def opening_period(convention, today):
    """The quarter the tracking page opens on: the current one once it has an update; until then,
    the latest quarter that has some (the one people are still reading), or the current one."""
    current = Period.containing(today)
    latest = Update.objects.filter(fiche__convention=convention, period__lte=str(current)).aggregate(p=Max("period"))["p"]
    return Period.parse(latest) if latest else current


def previous_update(fiche, period):
    """The fiche's update of the quarter before `period` (its predecessor's, for a fiche an avenant
    replaced since), with `.values_by_key`: indicator key → value. None without one."""
    updates = {
        update.fiche_id: update
        for update in Update.objects.filter(fiche_id__in=[fiche.pk, fiche.previous_version_id], period=str(period.previous()))
        .prefetch_related("indicator_values__indicator")
    }
    update = updates.get(fiche.pk) or updates.get(fiche.previous_version_id)
    if update is not None:
        update.values_by_key = {v.indicator.key: v.value for v in update.indicator_values.all()}
    return update


# Which fiches need this quarter's update: every fiche in force at any time during the quarter
# (a fiche an avenant replaced mid-quarter still owes its update, and so does its successor) that
# has no update for it, or only one copied from the previous quarter and not confirmed since. The
# tracking page, the reminder e-mails and the dashboard all ask these two functions.

def fiches_to_update(convention, period):
    """The fiches of `convention` that still need their update for `period`, as a queryset."""
    # NOT EXISTS, not NOT IN: PostgreSQL answers it from the (fiche, period) index, where NOT IN
    # hashes the quarter's updates of every CTG (80 ms at national scale).
    confirmed = Update.objects.filter(fiche=OuterRef("pk"), period=str(period), copied_from="")
    return convention.fiches.in_force_during(period.start, period.end).exclude(Exists(confirmed))


def needs_update(fiche):
    """The same rule on a row of `tracking_fiches` (its `period_update` already loaded)."""
    return fiche.period_update is None or bool(fiche.period_update.copied_from)


HISTORY_FIELDS = [("status", "statut"), ("progress", "avancement"), ("comment", "commentaire"),
                  ("difficulties", "difficultés")]


def tracking_history(fiches, limit=30):
    """Who changed what in the quarterly updates of `fiches`, newest first, in one query."""
    records = Update.history.filter(fiche_id__in=[f.pk for f in fiches]).select_related("history_user")
    by_update = {}
    for record in records.order_by("history_date", "history_id"):
        by_update.setdefault(record.id, []).append(record)
    entries = []
    for versions in by_update.values():
        for previous, record in zip([None, *versions], versions, strict=False):
            if record.history_type == "-":
                continue
            changes = []
            for name, label in HISTORY_FIELDS:
                old, new = (getattr(previous, name) if previous else None), getattr(record, name)
                if name == "status":
                    old, new = (UpdateStatus(v).label if v else v for v in (old, new))
                if name == "progress":
                    old, new = (f"{v} %" if v is not None else v for v in (old, new))
                if (old or "") != (new or ""):
                    changes.append(f"{label} : {old or '—'} → {excerpt(new) if name in ('comment', 'difficulties') else new or '—'}")
            if changes:
                entries.append({"record": record, "created": previous is None, "changes": changes})
    entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id), reverse=True)
    return entries[:limit]
