"""Writes to the evaluation milestones of a convention, and the calendar rules that generate them.

`milestones_plan(start, end)` computes the milestones a convention running from `start` to `end`
should have; `milestones_preview` compares them with the convention's milestones (what « Générer les
jalons » shows before doing anything); `milestones_generate` creates those still missing, in one
transaction.

The rules (dates are whole months: a window starts on the 1st of a month and ends on its last day):

- **Point d'étape annuel** (in COPIL, `002_…` Article 4): one per civil year of the convention,
  from 1 October to 31 December of that year. A year counts when the convention has started by
  1 July (at least six months to report on) and its 1 October comes before the bilan final
  starts: the last year, which has the bilan final, has none (end 31/12/2026: 2022 to 2025).
- **Bilan intermédiaire**: the three months ending on the last day of the month that holds the
  midpoint of the convention (2022-01-01..2026-12-31: midpoint 1 July 2024, so May–July 2024).
- **Bilan final**: from the first day of the month six months before the month of the end, to the
  end (end 31/12/2026: 01/06/2026–31/12/2026).
- **Renouvellement**: the renewal retro-planning of `003_…` (« Calendrier de renouvellement des
  CTG », for a CTG ending 31/12/2026), as month offsets from the month of the end, so that a CTG
  ending in December 2026 gets exactly that calendar (`RENEWAL`).

Windows never start before the convention does. The end is the one in force today: a signed
avenant may have extended it.

A planned milestone is already present when the convention has a milestone generated with its key,
or one of the same kind for the same period, made by hand under any title (« Bilan intermédiaire de
la CTG » is the bilan intermédiaire): the same year (1 July to 30 June) for a point d'étape, the
convention for a bilan, after the signature for a renewal step (the rule of `renewal_start`: a
diagnostic begun before it prepared this convention). Its begin date (start, else due date) is
compared. « Autre » says nothing of what a milestone is: only its key matches it.

A planned milestone already over is not created: « Prévu » it would show « En retard » for a step
that most likely took place but was never entered, and « Fait » it would claim a meeting nobody
recorded. The preview lists them, for the user to add by hand those that took place.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from conventions.models import Convention
from ctg import concurrency
from ctg.dates import bounded, month_end, month_start
from ctg.errors import DomainError
from ctg.history import GENERATED_REASON, authored
from governance.enums import BodyKind

from .enums import BilanKind, MilestoneKind, MilestoneStatus
from .models import Bilan, Milestone

# The renewal calendar of `003_…` (Caf de Loire-Atlantique, CTG ending 31/12/2026): key, kind,
# title, first and last month as offsets from the month of the end (0 = December 2026).
RENEWAL = [
    # « Juillet à octobre 2025 — Mise en œuvre de l'évaluation de l'ancienne CTG »
    ("evaluation", MilestoneKind.EVALUATION, "Évaluation de l'ancienne CTG", -17, -14),
    # « Novembre 2025 à mars 2026 — Élaboration du diagnostic de la future CTG »
    ("diagnostic", MilestoneKind.DIAGNOSTIC, "Élaboration du diagnostic de la future CTG", -13, -9),
    # « Juin 2026 — Présentation de l'évaluation et du diagnostic aux nouveaux élus suite aux
    # élections municipales »
    ("presentation", MilestoneKind.AUTRE, "Présentation de l'évaluation et du diagnostic aux élus", -6, -6),
    # « Juin à octobre 2026 — Définition des enjeux, des orientations et du plan d'action »
    ("enjeux", MilestoneKind.ENJEUX, "Définition des enjeux, des orientations et du plan d'action", -6, -2),
    # « Octobre à décembre 2026 — Déclinaison des fiches actions notamment pour les projets phares
    # et les actions nouvelles »
    ("fiches", MilestoneKind.PLAN_ACTION,
     "Déclinaison des fiches actions (projets phares, actions nouvelles)", -2, 0),
    # « Décembre 2026 à janvier 2027 — Écriture puis finalisation de la CTG »
    ("ecriture", MilestoneKind.ECRITURE, "Écriture puis finalisation de la CTG", 0, 1),
    # « Février 2027 — Validation par la Caf »
    ("validation_caf", MilestoneKind.VALIDATION_CAF, "Validation par la Caf", 2, 2),
    # « Mars 2027 — Validation par les conseils communaux et communautaires »
    ("validation_conseils", MilestoneKind.VALIDATION_CONSEILS,
     "Validation par les conseils communaux et communautaires", 3, 3),
]

RENEWAL_PREFIX = "renouvellement:"

# Kinds presented in COPIL by default (when the convention has one).
IN_COPIL = {MilestoneKind.POINT_ETAPE_ANNUEL, MilestoneKind.BILAN_INTERMEDIAIRE, MilestoneKind.BILAN_FINAL}


@dataclass(frozen=True)
class PlannedMilestone:
    key: str
    kind: str
    title: str
    start: datetime.date
    end: datetime.date
    # The begin dates (start, else due date) of a milestone of the same kind made for the same
    # period; None: no limit.
    matches_from: datetime.date | None = None
    matches_until: datetime.date | None = None

    def matches(self, milestone):
        if milestone.generated_key == self.key:
            return True
        if milestone.kind != self.kind or self.kind == MilestoneKind.AUTRE:
            return False
        begins = milestone.start or milestone.end
        return (self.matches_from is None or begins >= self.matches_from) and (
            self.matches_until is None or begins <= self.matches_until)


@dataclass
class Preview:
    """What « Générer les jalons » would do: `create` the planned milestones still missing, keep
    `present` ones ((planned, existing milestone) pairs), skip `past` ones (see the module)."""

    create: list
    present: list
    past: list


def milestones_plan(start, end, signed_on=None):
    """The milestones of a convention running from `start` to `end`, signed on `signed_on` (else
    `start`), in date order (see the module)."""
    start, end = bounded(start), bounded(end)  # a stored date out of range must not break generation
    final_start = max(month_start(end, -6), start)
    after_signature = bounded(signed_on or start) + datetime.timedelta(days=1)
    planned = []
    for year in range(start.year, end.year + 1):
        if start <= datetime.date(year, 7, 1) and datetime.date(year, 10, 1) < final_start:
            planned.append(PlannedMilestone(
                f"point_etape:{year}", MilestoneKind.POINT_ETAPE_ANNUEL, f"Point d'étape annuel {year}",
                datetime.date(year, 10, 1), datetime.date(year, 12, 31),
                datetime.date(year, 7, 1), datetime.date(year + 1, 6, 30),
            ))
    midpoint = start + datetime.timedelta(days=(end - start).days // 2)
    planned.append(PlannedMilestone(
        "bilan_intermediaire", MilestoneKind.BILAN_INTERMEDIAIRE, "Bilan intermédiaire",
        max(month_start(midpoint, -2), start), month_end(midpoint),
    ))
    planned.append(PlannedMilestone("bilan_final", MilestoneKind.BILAN_FINAL, "Bilan final", final_start, end))
    for key, kind, title, first, last in RENEWAL:
        planned.append(PlannedMilestone(
            f"{RENEWAL_PREFIX}{key}", kind, title, max(month_start(end, first), start), month_end(end, last),
            after_signature,
        ))
    return sorted(planned, key=lambda m: (m.end, m.start))


def milestones_preview(convention, *, renewal_only=False, today=None):
    """What generating the convention's milestones would do, as of `today` (see the module):
    `renewal_only`, the renewal retro-planning only. Each existing milestone stands for one
    planned milestone at most, its own key first."""
    today = today or timezone.localdate()
    planned = milestones_plan(convention.start, convention.end_on(today), convention.signed_on)
    if renewal_only:
        planned = [m for m in planned if m.key.startswith(RENEWAL_PREFIX)]
    existing = list(convention.milestones.order_by("end", "position", "id"))
    found = {}
    for by_key in (True, False):
        for m in planned:
            if m.key in found:
                continue
            match = next((e for e in existing if (e.generated_key == m.key) == by_key and m.matches(e)), None)
            if match is not None:
                found[m.key] = match
                existing.remove(match)
    missing = [m for m in planned if m.key not in found]
    return Preview(
        create=[m for m in missing if m.end >= today],
        present=[(m, found[m.key]) for m in planned if m.key in found],
        past=[m for m in missing if m.end < today],
    )


@authored
def milestones_generate(convention, *, by, renewal_only=False):
    """Create the convention's points d'étape, bilans and renewal retro-planning that are missing
    and not over yet (`milestones_preview`).

    Each generated milestone carries a `generated_key`; generating again never touches an existing
    milestone, even one the user edited or moved (a deleted one is created again if not over).
    Computed from the end in force today. Each new milestone's history says it was generated, and
    by whom (`by`). `renewal_only`: the renewal retro-planning only. Returns the `Preview` done."""
    with transaction.atomic():
        # Serialise two generations of the same convention (no-op on SQLite, which locks the file).
        convention = Convention.objects.select_for_update().get(pk=convention.pk)
        preview = milestones_preview(convention, renewal_only=renewal_only)
        copil = convention.bodies.filter(kind=BodyKind.COPIL).order_by("position", "id").first()
        bulk_create_with_history([
            Milestone(
                convention=convention, generated_key=m.key, kind=m.kind, title=m.title, start=m.start,
                end=m.end, status=MilestoneStatus.PREVU, position=position,
                body=copil if m.kind in IN_COPIL else None,
            )
            for position, m in enumerate(preview.create)
        ], Milestone, default_user=by, default_change_reason=GENERATED_REASON)
    return preview


@authored
def milestone_save(form, *, by):
    """Create or edit a milestone from its form. Setting the status to « Fait » records when and by
    whom (unless already recorded); leaving « Fait » clears that record. A save made meanwhile by
    someone else is merged or refused (`ctg.concurrency`)."""
    milestone = form.instance
    with transaction.atomic():
        if milestone.pk:
            current = Milestone.objects.select_for_update().get(pk=milestone.pk)
            concurrency.check(current.history.all(), form, [(form, current)])
            milestone.done_at, milestone.done_by = current.done_at, current.done_by
        if milestone.status == MilestoneStatus.FAIT and milestone.done_at is None:
            milestone.done_at, milestone.done_by = timezone.now(), by
        elif milestone.status != MilestoneStatus.FAIT:
            milestone.done_at = milestone.done_by = None
        return form.save()


@authored
def milestone_mark_done(milestone, *, by):
    """Mark a planned (or cancelled) milestone done; a milestone already done keeps its record."""
    if milestone.status != MilestoneStatus.FAIT:
        milestone.mark_done(by=by)
    return milestone


@authored
def milestone_delete(milestone, *, by):
    with transaction.atomic():
        milestone.delete()


@authored
def bilan_create(convention, kind, *, by):
    """Open the convention's bilan of `kind` over its default period: from the start to mid-term
    for the bilan intermédiaire, to the end in force today for the bilan final."""
    if convention.bilans.filter(kind=kind).exists():
        raise DomainError(f"Le {BilanKind(kind).label.lower()} de cette convention existe déjà.")
    end = convention.end_on(timezone.localdate())
    if kind == BilanKind.INTERMEDIAIRE:
        end = month_end(convention.start + (end - convention.start) / 2)
    return Bilan.objects.create(convention=convention, kind=kind, start=convention.start, end=end, updated_by=by)


@authored
def bilan_save(form, *, by):
    """Save a bilan's period and written parts; a save made meanwhile by someone else is merged or
    refused (`ctg.concurrency`)."""
    with transaction.atomic():
        current = Bilan.objects.select_for_update().get(pk=form.instance.pk)
        concurrency.check(current.history.all(), form, [(form, current)])
        bilan = form.save(commit=False)
        bilan.updated_by = by
        bilan.save()
    return bilan
