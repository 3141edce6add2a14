"""Figures of the plan d'actions, computed from the quarterly tracking, never typed: taux de
réalisation, progress by axe and theme, indicators against their targets, late actions.

Used by the élus' dashboard, the bilans and their exports. Every function reads a fixed number
of queries whatever the size of the plan."""

from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from actions.enums import Theme, UpdateStatus
from actions.models import Fiche, IndicatorValue, Update
from actions.periods import Period
from conventions.enums import AvenantStatus, OperationKind
from conventions.models import Operation

NO_UPDATE = "sans_suivi"
NO_UPDATE_LABEL = "Sans suivi"
# Display order of the status distribution, with the share of work each status stands for.
STATUS_ORDER = [UpdateStatus.REALISEE, UpdateStatus.EN_COURS, UpdateStatus.NON_DEMARREE, UpdateStatus.REPORTEE,
                UpdateStatus.ABANDONNEE, NO_UPDATE]
LATE_RULE = (
    "Une action est en retard quand elle est reportée, ou quand son année de fin est passée sans qu'elle soit "
    "réalisée ni abandonnée."
)


def status_label(status):
    return NO_UPDATE_LABEL if status == NO_UPDATE else UpdateStatus(status).label


@dataclass
class Share:
    """Counts and rates of a group of actions (the whole plan, an axe, a theme)."""

    label: str
    total: int = 0
    done: int = 0
    progress_sum: int = 0
    progress_count: int = 0

    def add(self, fiche):
        self.total += 1
        self.done += fiche.status == UpdateStatus.REALISEE
        if fiche.progress is not None:
            self.progress_sum += fiche.progress
            self.progress_count += 1

    @property
    def rate(self):
        """Taux de réalisation: share of the actions that are réalisées, in %."""
        return round(100 * self.done / self.total) if self.total else None

    @property
    def mean_progress(self):
        return round(self.progress_sum / self.progress_count) if self.progress_count else None


@dataclass
class PlanFigures:
    period: Period
    fiches: list
    overall: Share
    by_status: list  # (status, label, count)
    by_axis: list  # Share per axe, plan order
    by_theme: list  # Share per theme present
    indicators: list  # indicators with .latest (IndicatorValue or None) and .fiche
    late: list = field(default_factory=list)
    abandoned: list = field(default_factory=list)
    # Bilans only: the avenants' abrogations of the period (Operation, with target_fiche and avenant).
    abrogated: list = field(default_factory=list)

    @property
    def share_tables(self):
        return [("Par axe", self.by_axis, "Axe"), ("Par thématique", self.by_theme, "Thématique")]

    @property
    def in_progress(self):
        return sum(1 for f in self.fiches if f.status == UpdateStatus.EN_COURS)


def latest_status(period):
    """The expression of an action's status as `plan_figures` reads it, for the fiche
    `OuterRef("pk")`: its latest update up to `period`, else its predecessor's (an action an avenant
    replaced continues its predecessor's tracking). For lists of many conventions at once."""
    def latest(fiche):
        updates = Update.objects.filter(fiche=fiche, period__lte=str(period)).order_by("-period")
        return Subquery(updates.values("status")[:1])

    return Coalesce(latest(OuterRef("pk")), latest(OuterRef("previous_version")))


def plan_figures(fiches, period):
    """Figures of `fiches` (a queryset of the actions in force) as of the end of `period`.

    Each action's state is its latest update up to `period`; an action an avenant replaced
    continues its predecessor's tracking until its own first update."""
    period_text = str(period)
    # Only the latest update up to the period, of each action and of its predecessor.
    updates = Update.objects.filter(period__lte=period_text).order_by("-period")[:1]
    fiches = list(
        fiches.select_related("axis", "previous_version")
        .prefetch_related(
            "theme_links", "indicators",
            Prefetch("updates", queryset=updates, to_attr="past_updates"),
            Prefetch("previous_version__updates", queryset=updates, to_attr="past_updates"),
        )
        .order_by("axis__number", "number", "id")
    )
    latest_values = _latest_indicator_values(fiches, period_text)
    overall = Share("Plan d'actions")
    axes, themes = {}, {}
    counts = dict.fromkeys(STATUS_ORDER, 0)
    figures = PlanFigures(period, fiches, overall, [], [], [], [])
    for fiche in fiches:
        history = fiche.past_updates or (fiche.previous_version.past_updates if fiche.previous_version else [])
        latest = history[0] if history else None
        fiche.latest_update = latest
        fiche.status = latest.status if latest else NO_UPDATE
        fiche.status_label = status_label(fiche.status)
        fiche.progress = latest.progress if latest and latest.progress is not None else (
            100 if fiche.status == UpdateStatus.REALISEE else None
        )
        counts[fiche.status] += 1
        overall.add(fiche)
        axes.setdefault(fiche.axis_id, Share(f"Axe {fiche.axis.number} — {fiche.axis.title}")).add(fiche)
        for link in fiche.theme_links.all():
            themes.setdefault(link.theme, Share(Theme(link.theme).label)).add(fiche)
        if fiche.status == UpdateStatus.ABANDONNEE:
            figures.abandoned.append(fiche)
        elif fiche.status == UpdateStatus.REPORTEE or (
            fiche.status != UpdateStatus.REALISEE and fiche.end_year and fiche.end_year < period.year
        ):
            figures.late.append(fiche)
        for indicator in fiche.indicators.all():
            indicator.fiche_ref = fiche
            indicator.latest = latest_values.get(indicator.pk)
            indicator.target_share = target_share(indicator)
            figures.indicators.append(indicator)
    figures.by_status = [(s, status_label(s), counts[s]) for s in STATUS_ORDER]
    figures.by_axis = list(axes.values())
    theme_order = list(Theme.values)
    figures.by_theme = [themes[t] for t in sorted(themes, key=theme_order.index)]
    return figures


def _latest_indicator_values(fiches, period_text):
    """Each indicator's latest value up to the period, in one query."""
    values = (
        IndicatorValue.objects.filter(indicator__fiche__in=[f.pk for f in fiches], update__period__lte=period_text)
        .select_related("update")
        .order_by("update__period")
    )
    return {value.indicator_id: value for value in values}


def target_share(indicator):
    """How far the latest value has gone on the way from the starting value to the target, in %:
    0 % still at the start (or behind it), 100 % at the target, more beyond it; a target below the
    start (fewer days of waiting) is measured the same way. Without a starting value the way starts
    at 0. A target equal to the start is a level to keep: the latest value against it. None when
    the latest value or the target is missing, or the way cannot be measured (a target of 0 to keep)."""
    if indicator.latest is None or indicator.target is None:
        return None
    start = indicator.baseline or 0
    if start == indicator.target:
        return round(100 * indicator.latest.value / indicator.target) if indicator.target else None
    return max(0, round(100 * (indicator.latest.value - start) / (indicator.target - start)))


def bilan_figures(bilan, today=None):
    """The figures of a bilan: the actions in force at the end of its period (or today while it
    runs), each as of its latest update up to then."""
    on = bilan.reference_date(today)
    figures = plan_figures(Fiche.objects.filter(convention=bilan.convention).in_force(on), Period.containing(on))
    # Out of the plan by the end, so out of the rates; a bilan still says what became of them.
    figures.abrogated = list(
        Operation.objects.filter(
            avenant__convention=bilan.convention, avenant__status=AvenantStatus.SIGNE, op=OperationKind.ABROGATE_FICHE,
            avenant__effective_from__range=(bilan.start, on),
        ).select_related("target_fiche__axis", "avenant").order_by("avenant__number", "position")
    )
    return figures
