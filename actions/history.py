"""What changed in a fiche action: its edit history (who, when, each field's old and new value)
and the comparison of two versions across avenants."""

from dataclasses import dataclass

from django.utils.text import capfirst

from .models import Fiche
from .tracking import format_number


@dataclass
class Change:
    label: str
    old: object
    new: object


def field_label(name):
    return capfirst(str(Fiche._meta.get_field(name).verbose_name))


# History-only snapshots of a fiche's related rows, compared like its fields (see fiche_save).
SNAPSHOT_FIELDS = [("themes_snapshot", "Thématiques"), ("indicators_snapshot", "Indicateurs chiffrés")]


def record_changes(record, previous, snapshots=None):
    """The tracked fields, thématiques and indicators that differ between two history records of a
    fiche. `snapshots`: the last thématiques and indicators recorded before `record`, when records
    written outside the fiche form (a move, an import) stand between them; `previous`'s otherwise."""
    delta = record.diff_against(previous, included_fields=Fiche.CONTENT_FIELDS)
    changes = [Change(field_label(c.field), c.old, c.new) for c in delta.changes]
    snapshots = snapshots if snapshots is not None else {name: getattr(previous, name) for name, _ in SNAPSHOT_FIELDS}
    for name, label in SNAPSHOT_FIELDS:
        old, new = snapshots.get(name), getattr(record, name)
        if old is not None and new is not None and old != new:
            changes.append(Change(label, old or "—", new or "—"))
    return changes


def indicators_snapshot(fiche):
    """One line per indicator, as the fiche's history shows it."""
    return "\n".join(
        f"{i.name}{f' ({i.unit})' if i.unit else ''} : départ {format_number(i.baseline)}, cible {format_number(i.target)}"
        for i in fiche.indicators.order_by("position", "id")
    )


def edit_history(fiche):
    """Every edit of the fiche, newest first: who, when, and each field's old → new value."""
    records = list(fiche.history.select_related("history_user").order_by("history_date", "history_id"))
    entries, snapshots = [], {}
    for previous, record in zip([None, *records], records, strict=False):
        changes = record_changes(record, previous, snapshots) if previous is not None else []
        snapshots.update({name: getattr(record, name) for name, _ in SNAPSHOT_FIELDS
                          if getattr(record, name) is not None})
        if previous is None or changes:
            entries.append({"record": record, "changes": changes, "created": previous is None})
    return entries[::-1]


def compare_versions(lineage, older_key, newer_key):
    """Field-by-field differences between two versions of an action, given by their keys."""
    versions = {f.key: f for f in lineage}
    older, newer = versions.get(older_key), versions.get(newer_key)
    if older is None or newer is None:
        return None
    changes = [
        Change(field_label(name), getattr(older, name), getattr(newer, name))
        for name in Fiche.CONTENT_FIELDS
        if getattr(older, name) != getattr(newer, name)
    ]
    if older.theme_labels != newer.theme_labels:
        changes.append(Change("Thématiques", ", ".join(older.theme_labels), ", ".join(newer.theme_labels)))
    return {"older": older, "newer": newer, "changes": changes}
