"""Writes to the plan d'actions that touch several rows, each in one transaction. `by`, the user
acting, is the author of the history records each one writes (`ctg.history`).

The plan of a signed convention is contractual: every write to its axes, objectives and fiches
is refused here (`Convention.contract_refusal`, `Fiche.edit_refusal`), whatever the view; only
the fiches a draft avenant proposes are written. The quarterly tracking stays open."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from conventions.models import Convention
from ctg import concurrency
from ctg.errors import DomainError
from ctg.history import acting, authored
from ctg.keys import unique_slug

from .enums import Theme
from .history import indicators_snapshot
from .models import (
    RESERVED_KEYS,
    Axis,
    Fiche,
    FicheTheme,
    Indicator,
    IndicatorValue,
    Objective,
    Update,
    fiche_key,
)
from .plan_import import MISSING
from .tracking import row_changes, tracking_fiches


class FicheVanished(DomainError):
    """The fiche being saved no longer exists: replaced by an import (`import_convention --replace`)
    or deleted while the form was open."""

    def __init__(self):
        super().__init__(
            "Cette fiche a été remplacée entre-temps (la convention a été réimportée, ou la fiche supprimée) : "
            "votre saisie n'a pas été enregistrée. La voici ci-dessous, pour que vous puissiez la copier."
        )


def fiche_save(form, indicators, *, by):
    """Save a fiche from its form and its indicators formset; a concurrent edit is merged or
    refused (`ctg.concurrency.EditConflict`), never overwritten."""
    fiche = form.instance
    with transaction.atomic():
        if fiche.pk:
            current = Fiche.objects.select_for_update(of=("self",)).select_related("avenant", "convention").filter(pk=fiche.pk).first()
            if current is None:
                raise FicheVanished
            current.require_editable()
            concurrency.check(current.history.all(), form, [(form, current), *concurrency.rows(indicators)])
        else:
            form.convention.require_contract_editable()
        if not fiche.pk:
            fiche.convention = form.convention
            fiche.key = fiche_key(form.convention, form.cleaned_data["title"])
            fiche.is_current = True
        fiche._change_reason = "Modification de la fiche" if fiche.pk else "Création de la fiche"
        fiche = form.save()
        FicheTheme.objects.filter(fiche=fiche).delete()
        FicheTheme.objects.bulk_create(
            FicheTheme(fiche=fiche, theme=theme, position=i) for i, theme in enumerate(form.cleaned_data["themes"])
        )
        indicators.instance = fiche
        taken = set(fiche.indicators.values_list("key", flat=True))
        last = max(fiche.indicators.values_list("position", flat=True), default=-1)
        for indicator in indicators.save(commit=False):
            if not indicator.key:
                indicator.key = unique_slug(indicator.name, taken, fallback="indicateur")
                taken.add(indicator.key)
            if indicator.pk is None:  # a new indicator comes after the others; they keep their places
                last += 1
                indicator.position = last
            indicator.save()
        for indicator in indicators.deleted_objects:
            indicator.delete()
        # The history record of this save was written by form.save(), before the related rows.
        fiche.history.filter(pk=fiche.history.latest().pk).update(
            themes_snapshot=", ".join(Theme(theme).label for theme in form.cleaned_data["themes"]),
            indicators_snapshot=indicators_snapshot(fiche),
        )
    return fiche


def renumber_current_fiches(convention):
    """Number the current actions 1…N in plan order (axis, then position), as the synoptique does."""
    fiches = list(
        Fiche.objects.filter(convention=convention, is_current=True).select_related("axis").order_by("axis__number", "number")
    )
    return _assign_numbers(fiches)


def _assign_numbers(ordered):
    # Park numbers out of the way first: the partial unique index must never see a duplicate.
    Fiche.objects.filter(pk__in=[f.pk for f in ordered]).update(number=F("number") + 100000)
    for number, fiche in enumerate(ordered, start=1):
        fiche.number = number
        fiche.save(update_fields=["number"])
    return ordered


@authored
def fiche_move(fiche, direction, *, by):
    """Move a current fiche one place up (-1) or down (+1) within its axis; numbers follow."""
    with transaction.atomic():
        fiche.convention.require_contract_editable()
        ordered = list(
            Fiche.objects.filter(convention=fiche.convention, is_current=True).select_related("axis")
            .order_by("axis__number", "number")
        )
        index = next(i for i, f in enumerate(ordered) if f.pk == fiche.pk)
        other = index + direction
        if not 0 <= other < len(ordered) or ordered[other].axis_id != fiche.axis_id:
            raise DomainError("Cette action est déjà à cette extrémité de son axe.")
        ordered[index], ordered[other] = ordered[other], ordered[index]
        _assign_numbers(ordered)


@authored
def axis_create(convention, title, *, by):
    with transaction.atomic():
        convention.require_contract_editable()
        last = convention.axes.order_by("-number").values_list("number", flat=True).first() or 0
        return Axis.objects.create(convention=convention, number=last + 1, title=title)


@authored
def axis_move(axis, direction, *, by):
    """Swap the axis with its neighbour; the actions are renumbered to follow the new order."""
    with transaction.atomic():
        axis.convention.require_contract_editable()
        axes = list(axis.convention.axes.order_by("number"))
        index = next(i for i, a in enumerate(axes) if a.pk == axis.pk)
        other = index + direction
        if not 0 <= other < len(axes):
            raise DomainError("Cet axe est déjà à cette extrémité du plan.")
        mine, neighbour = axes[index], axes[other]
        numbers = mine.number, neighbour.number
        Axis.objects.filter(pk=mine.pk).update(number=0)
        Axis.objects.filter(pk=neighbour.pk).update(number=numbers[0])
        Axis.objects.filter(pk=mine.pk).update(number=numbers[1])
        mine.number, neighbour.number = numbers[1], numbers[0]
        bulk_update_with_history([mine, neighbour], Axis, [], default_user=by)  # history only
        renumber_current_fiches(axis.convention)


def close_number_gaps(queryset, by):
    """Number the rows 1…N in their current order after one was deleted (each target number is
    free by then, so the unique constraint holds at every step); each renumbered row's history
    records its new number."""
    renumbered = []
    for number, row in enumerate(queryset.order_by("number"), start=1):
        if row.number != number:
            queryset.model.objects.filter(pk=row.pk).update(number=number)
            row.number = number
            renumbered.append(row)
    bulk_update_with_history(renumbered, queryset.model, [], default_user=by)  # history only


@authored
def axis_rename(axis, title, *, by):
    with transaction.atomic():
        axis.convention.require_contract_editable()
        axis.title = title
        axis.save(update_fields=["title"])
        return axis


@authored
def axis_delete(axis, *, by):
    with transaction.atomic():
        axis.convention.require_contract_editable()
        count = axis.fiches.count()
        if count:
            raise DomainError(
                f"L'axe {axis.number} contient encore {count} fiche{'s' if count > 1 else ''} action "
                "(y compris d'anciennes versions) : déplacez-les vers un autre axe avant de le supprimer."
            )
        convention = axis.convention
        axis.delete()
        close_number_gaps(convention.axes.all(), by)


@authored
def objective_create(axis, title, *, by):
    with transaction.atomic():
        axis.convention.require_contract_editable()
        last = axis.objectives.order_by("-number").values_list("number", flat=True).first() or 0
        return Objective.objects.create(axis=axis, number=last + 1, title=title)


@authored
def objective_rename(objective, title, *, by):
    with transaction.atomic():
        objective.axis.convention.require_contract_editable()
        objective.title = title
        objective.save(update_fields=["title"])
        return objective


@authored
def objective_delete(objective, *, by):
    with transaction.atomic():
        objective.axis.convention.require_contract_editable()
        count = objective.fiches.count()
        if count:
            raise DomainError(
                f"L'objectif « {objective.title} » est encore celui de {count} fiche{'s' if count > 1 else ''} "
                "action : rattachez-les à un autre objectif avant de le supprimer."
            )
        axis = objective.axis
        objective.delete()
        close_number_gaps(axis.objectives.all(), by)


UPDATE_FIELDS = ["status", "progress", "comment", "difficulties", "updated_by", "author", "updated_on", "saved_at",
                 "copied_from"]


def _write_row(update, values, by):
    """Set `values` on `update` (not saved); returns the indicator values to create, change and
    delete."""
    for name in ("status", "comment", "difficulties"):
        if getattr(values, name) is not None:
            setattr(update, name, getattr(values, name))
    if values.progress_given:
        update.progress = values.progress
    update.updated_by = by
    update.author = (by.get_full_name() or by.get_username()) if by else "Import en ligne de commande"
    update.updated_on = timezone.localdate()
    update.saved_at = timezone.now()
    update.copied_from = ""
    stored = {v.indicator_id: v for v in update.indicator_values.all()} if update.pk else {}
    created, changed, deleted = [], [], []
    for pk, value in values.indicators.items():
        existing = stored.get(pk)
        if value is None:
            if existing:
                deleted.append(existing)
        elif existing is None:
            created.append(IndicatorValue(update=update, indicator_id=pk, value=value))
        elif existing.value != value:
            existing.value = value
            changed.append(existing)
    return created, changed, deleted


def _save_indicator_values(created, changed, deleted, by):
    # Each insert, change and deletion leaves a historical record, as a save would.
    for value in created:
        value.update_id = value.update.pk
    bulk_create_with_history(created, IndicatorValue, default_user=by)
    bulk_update_with_history(changed, IndicatorValue, ["value"], default_user=by)
    for value in deleted:
        value.delete()


@authored
def update_save(fiche, period, values, *, by, form=None):
    """Record `values` (a tracking.RowValues) as `fiche`'s update for `period`; returns the French
    list of what changed, empty when the row already said so. Saving a row copied from the
    previous quarter confirms it, even unchanged. `form`: the row's form, when a person typed
    it: a save made meanwhile by someone else is merged or refused (`ctg.concurrency`)."""
    with transaction.atomic():
        # Lock the fiche: two first updates of the same quarter are written one after the other.
        Fiche.objects.select_for_update().filter(pk=fiche.pk).values_list("pk").first()
        update = (
            Update.objects.select_for_update().filter(fiche=fiche, period=str(period)).prefetch_related("indicator_values").first()
        )
        if form is not None:
            concurrency.check(Update.history.filter(fiche_id=fiche.pk, period=str(period)), form, [(form, update)])
        changes = row_changes(fiche, update, values)
        if not changes and not (update and update.copied_from):
            return changes
        if update is None:
            if values.status is None:
                raise DomainError("Le statut est obligatoire pour un premier suivi de la période.")
            update = Update(fiche=fiche, period=str(period))
        indicator_values = _write_row(update, values, by)
        update.save()
        _save_indicator_values(*indicator_values, by)
    return changes


@authored
def tracking_copy_previous(convention, period, *, by):
    """Start every row without an update for `period` from the previous quarter's values (of the
    same action, or of the version it replaced). The copies stay marked "à vérifier" until saved.
    Returns how many rows were filled."""
    previous = str(period.previous())
    with transaction.atomic():
        fiches = [f for f in tracking_fiches(convention, period) if f.period_update is None]
        sources = {
            u.fiche_id: u
            for u in Update.objects.filter(
                period=previous, fiche__in=[f.pk for f in fiches] + [f.previous_version_id for f in fiches if f.previous_version_id]
            ).prefetch_related("indicator_values__indicator")
        }
        copied = 0
        for fiche in fiches:
            source = sources.get(fiche.pk) or sources.get(fiche.previous_version_id)
            if source is None:
                continue
            update = Update.objects.create(
                fiche=fiche, period=str(period), status=source.status, progress=source.progress,
                comment=source.comment, difficulties=source.difficulties, copied_from=previous, updated_by=by,
                author=by.get_full_name() or by.get_username(), updated_on=timezone.localdate(), saved_at=timezone.now(),
            )
            # A new version of the action keeps its predecessor's indicators by key.
            indicators = {i.key: i for i in fiche.indicators.all()}
            bulk_create_with_history([
                IndicatorValue(update=update, indicator=indicators[v.indicator.key], value=v.value)
                for v in source.indicator_values.all() if v.indicator.key in indicators
            ], IndicatorValue, default_user=by)
            copied += 1
    if not copied:
        raise DomainError(f"Aucune ligne à reprendre : le trimestre {previous} n'a pas de suivi pour les actions encore sans suivi.")
    return copied


@dataclass
class ImportReport:
    period: object
    changes: list  # (fiche, [French change descriptions]) per changed row
    unchanged: int


@authored
def tracking_import(convention, rows, period, *, by):
    """Apply checked workbook rows [(fiche, RowValues)] all together, in one transaction: a
    failure leaves the table as it was. Rows equal to what is stored change nothing; the others
    are written in bulk, each with its historical record."""
    changes, created, changed = [], [], []
    indicator_values = ([], [], [])
    with transaction.atomic():
        existing = {
            u.fiche_id: u
            for u in Update.objects.select_for_update()
            .filter(fiche__in=[fiche.pk for fiche, _ in rows], period=str(period))
            .prefetch_related("indicator_values")
        }
        for fiche, values in rows:
            update = existing.get(fiche.pk)
            row = row_changes(fiche, update, values)
            if not row:
                continue
            changes.append((fiche, row))
            if update is None:
                update = Update(fiche=fiche, period=str(period))
                created.append(update)
            else:
                changed.append(update)
            for bucket, items in zip(indicator_values, _write_row(update, values, by), strict=True):
                bucket.extend(items)
        bulk_create_with_history(created, Update, default_user=by)
        bulk_update_with_history(changed, Update, UPDATE_FIELDS, default_user=by)
        _save_indicator_values(*indicator_values, by)
    return ImportReport(period=period, changes=changes, unchanged=len(rows) - len(changes))


PLAN_IMPORT_REASON = "Import du classeur du plan d'actions"
PLAN_CHANGED = "Le plan d'actions a changé pendant l'import : importez de nouveau le classeur pour voir ce qu'il modifie."


def plan_import(convention, changes, *, by):
    """Apply the `changes` of a plan workbook (`plan_workbook.read_plan_workbook`, prepared outside
    any transaction) in one short transaction: axes and objectives, then actions and indicators.
    The convention must still be in préparation and each action as it was read (its version,
    `ctg.concurrency`); otherwise nothing is written and the DomainError says why."""
    try:
        with transaction.atomic(), acting(by, reason=PLAN_IMPORT_REASON):
            Convention.objects.select_for_update().get(pk=convention.pk).require_contract_editable()
            for axis in changes.new_axes:
                axis.row = Axis.objects.create(convention=convention, number=axis.number, title=axis.title)
            for objective in changes.new_objectives:
                objective.row = Objective.objects.create(axis=objective.parent.row, number=objective.number,
                                                         title=objective.title)
            for target in changes.renamed_axes + changes.renamed_objectives:
                target.row.title = target.title
                target.row.save(update_fields=["title"])
            read = {row.fiche.pk: row.fiche.edit_version for row in changes.updated}
            list(Fiche.objects.select_for_update().filter(pk__in=read).values_list("pk"))
            if concurrency.versions_of(Fiche, read) != read:
                raise DomainError(PLAN_CHANGED)
            for row in changes.updated:
                fiche = row.fiche
                _write_fiche(fiche, row, themes_changed=row.themes is not None and row.themes != fiche.theme_slugs)
            taken = set(convention.fiches.values_list("key", flat=True)) | RESERVED_KEYS
            for row in changes.created:
                row.fiche = Fiche(convention=convention, key=unique_slug(row.title, taken, fallback="fiche"), is_current=True)
                taken.add(row.fiche.key)
                _write_fiche(row.fiche, row, themes_changed=True)
            _write_indicators(changes)
    except IntegrityError:  # a number taken meanwhile
        raise DomainError(PLAN_CHANGED) from None


def _write_fiche(fiche, row, *, themes_changed):
    fiche.number = row.number
    fiche.axis = row.axis.row
    if row.objective is not MISSING:
        fiche.objective = row.objective.row if row.objective else None
    for name, value in row.values.items():
        setattr(fiche, name, value)
    fiche.save()
    if themes_changed:
        FicheTheme.objects.filter(fiche=fiche).delete()
        FicheTheme.objects.bulk_create(FicheTheme(fiche=fiche, theme=theme, position=i) for i, theme in enumerate(row.themes))
    if row.pilots is not None:
        fiche.lead_organisations.set(row.pilots)


def _write_indicators(changes):
    keys, positions = {}, {}
    for row in changes.new_indicators:
        fiche_row = row.fiche_row
        if fiche_row.line not in keys:
            existing = list(fiche_row.fiche.indicators.all())  # prefetched for the fiches read
            keys[fiche_row.line] = {i.key for i in existing}
            positions[fiche_row.line] = max((i.position for i in existing), default=-1) + 1
        key = unique_slug(row.values["name"], keys[fiche_row.line], fallback="indicateur")
        keys[fiche_row.line].add(key)
        Indicator.objects.create(fiche=fiche_row.fiche, key=key, position=positions[fiche_row.line], **row.values)
        positions[fiche_row.line] += 1
    for row in changes.changed_indicators:
        for name, value in row.values.items():
            setattr(row.indicator, name, value)
        row.indicator.save(update_fields=list(row.values))
