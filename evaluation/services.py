"""Writes to the evaluation milestones of a convention, and the calendar rules that generate them.

`milestones_plan(start, end)` computes the milestones a convention running from `start` to `end`
should have; `milestones_generate` creates those still missing, in one transaction.

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
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from conventions.models import Convention
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


@dataclass(frozen=True)
class Generated:
    """What `milestones_generate` did: milestones created, and those already there (kept as is)."""

    created: int
    present: int


def milestones_plan(start, end):
    """The milestones of a convention running from `start` to `end`, in date order (see the module)."""
    start, end = bounded(start), bounded(end)  # a stored date out of range must not break generation
    final_start = max(month_start(end, -6), start)
    planned = []
    for year in range(start.year, end.year + 1):
        if start <= datetime.date(year, 7, 1) and datetime.date(year, 10, 1) < final_start:
            planned.append(PlannedMilestone(
                f"point_etape:{year}", MilestoneKind.POINT_ETAPE_ANNUEL, f"Point d'étape annuel {year}",
                datetime.date(year, 10, 1), datetime.date(year, 12, 31),
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
        ))
    return sorted(planned, key=lambda m: (m.end, m.start))


@authored
def milestones_generate(convention, *, by, renewal_only=False):
    """Create the convention's points d'étape, bilans and renewal retro-planning that are missing.

    Each generated milestone carries a `generated_key`: generating again creates only the keys not
    yet present and never touches an existing milestone, even one the user edited or moved (a
    deleted one is created again). Computed from the end in force today. Each new milestone's
    history says it was generated, and by whom (`by`). `renewal_only`: the renewal retro-planning
    only. Returns `Generated`."""
    today = timezone.localdate()
    with transaction.atomic():
        # Serialise two generations of the same convention (no-op on SQLite, which locks the file).
        convention = Convention.objects.select_for_update().get(pk=convention.pk)
        planned = milestones_plan(convention.start, convention.end_on(today))
        if renewal_only:
            planned = [m for m in planned if m.key.startswith(RENEWAL_PREFIX)]
        present = set(
            convention.milestones.exclude(generated_key="").values_list("generated_key", flat=True)
        )
        copil = convention.bodies.filter(kind=BodyKind.COPIL).order_by("position", "id").first()
        missing = [m for m in planned if m.key not in present]
        bulk_create_with_history([
            Milestone(
                convention=convention, generated_key=m.key, kind=m.kind, title=m.title, start=m.start,
                end=m.end, status=MilestoneStatus.PREVU, position=position,
                body=copil if m.kind in IN_COPIL else None,
            )
            for position, m in enumerate(planned) if m.key not in present
        ], Milestone, default_user=by, default_change_reason=GENERATED_REASON)
    return Generated(created=len(missing), present=len(planned) - len(missing))


@authored
def milestone_save(form, *, by):
    """Create or edit a milestone from its form. Setting the status to « Fait » records when and by
    whom (unless already recorded); leaving « Fait » clears that record."""
    milestone = form.instance
    if milestone.status == MilestoneStatus.FAIT and milestone.done_at is None:
        milestone.done_at, milestone.done_by = timezone.now(), by
    elif milestone.status != MilestoneStatus.FAIT:
        milestone.done_at = milestone.done_by = None
    with transaction.atomic():
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
    bilan = form.save(commit=False)
    bilan.updated_by = by
    bilan.save()
    return bilan
