"""The portfolio: one row per CTG the user may see, with what tells a chargé de coopération where
to look first. Built in a fixed number of queries whatever the number of CTGs: one for the
conventions, then one per figure, grouped by convention.

Each figure reads the rule of the app that owns it: the phase and the end in force
(`conventions.phase`), the latest status of an action (`evaluation.figures.latest_status`), late
milestones (`Milestone.objects.late`), bodies to convene (`Body.objects.overdue`)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, Subquery

from actions.enums import UpdateStatus
from actions.models import Fiche, Update
from actions.periods import Period
from conventions.enums import ConventionStatus
from conventions.models import Commune, Convention, Signatory
from ctg.text import fold
from evaluation.figures import latest_status
from evaluation.models import Milestone
from governance.enums import BodyKind
from governance.models import Body, Meeting

# Below this share of actions with a confirmed update for the last quarter, a CTG is to watch.
FRESHNESS_WATCH = 50
# A CTG ending within this many months without a next one in préparation is to watch.
RENEWAL_WATCH_MONTHS = 12
RUNNING = {ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT}
SHORT_NAMES = (("Communauté de communes ", "CC "), ("Communauté d'agglomération ", "CA "),
               ("Communauté urbaine ", "CU "), ("Commune de ", ""), ("Ville de ", ""))
LONG_TEXTS = ("preamble", "previous_evaluation", "diagnosis_summary", "governance_text", "evaluation_text")


def months_between(start, end):
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


@dataclass
class PortfolioRow:
    convention: Convention
    phase: ConventionStatus
    end: datetime.date
    months_left: int | None
    signatories: list
    communes: list
    fiches: int = 0
    done: int = 0
    fresh: int = 0
    late_milestones: int = 0
    to_convene: list = field(default_factory=list)
    next_copil: datetime.date | None = None
    last_activity: datetime.datetime | None = None
    has_successor: bool = False

    @property
    def realisation(self):
        """Taux de réalisation, as the dashboard computes it: share of the actions in force réalisées."""
        return round(100 * self.done / self.fiches) if self.fiches else None

    @property
    def freshness(self):
        """Share of the actions in force whose last quarter's update is confirmed."""
        return round(100 * self.fresh / self.fiches) if self.fiches else None

    @property
    def population(self):
        return sum(c.population or 0 for c in self.communes)

    @property
    def territory(self):
        return ", ".join(s.name for s in self.signatories if s.kind != "caf") or self.convention.title

    @property
    def chart_label(self):
        """The territory as a chart's row names it, short enough to stay whole: « CC Roumois Seine
        2022–2026 » (titles all begin with « Convention territoriale globale de la … »)."""
        name = self.territory
        for long, short in SHORT_NAMES:
            if name.startswith(long):
                name = short + name[len(long):]
        return f"{name} {self.convention.start.year}–{self.end.year}"

    @cached_property  # read by the count, the row's class and its list
    def watch_reasons(self):
        """Why the CTG needs its chargé de coopération, in French (empty: nothing to watch)."""
        reasons = []
        if self.late_milestones:
            reasons.append(f"{self.late_milestones} jalon{'s' if self.late_milestones > 1 else ''} en retard")
        if self.to_convene:
            reasons.append("instance à réunir : " + ", ".join(self.to_convene))
        if self.phase in RUNNING and self.fiches and self.freshness < FRESHNESS_WATCH:
            reasons.append(f"suivi du dernier trimestre confirmé pour {self.freshness} % des actions")
        if (self.phase in RUNNING and self.months_left is not None and self.months_left < RENEWAL_WATCH_MONTHS
                and not self.has_successor):
            reasons.append("fin dans moins d'un an sans CTG suivante en préparation")
        return reasons

    def matches(self, words):
        haystack = fold(" ".join([self.convention.title, self.convention.caf.name,
                                    *(s.name for s in self.signatories), *(c.name for c in self.communes),
                                    *(c.insee for c in self.communes)]))
        return all(word in haystack for word in words)


def portfolio_rows(user, today):
    conventions = list(
        Convention.objects.for_user(user).select_related("caf").with_phase_facts(today)
        .defer(*LONG_TEXTS)  # the row shows none of them
        .annotate(successor_count=Count("successors", filter=~Q(successors__status=ConventionStatus.ABANDONNEE), distinct=True))
        # Into lists (to_attr): a related manager per CTG and relation would clone a queryset each.
        .prefetch_related(
            Prefetch("signatories", queryset=Signatory.objects.select_related("organisation").order_by("position", "pk"),
                     to_attr="signatory_list"),
            Prefetch("communes", queryset=Commune.objects.only("convention", "name", "insee", "population")
                     .order_by("position", "pk"), to_attr="commune_list"),
        )
        .order_by("end", "title")
    )
    rows = {}
    for convention in conventions:
        end = convention.end_in_force
        phase = convention.phase_on(today, end=end, renewal_from=convention.renewal_from)
        rows[convention.pk] = PortfolioRow(
            convention=convention, phase=phase, end=end,
            months_left=months_between(today, end) if phase in RUNNING else None,
            signatories=[s.organisation for s in convention.signatory_list],
            communes=convention.commune_list, has_successor=convention.successor_count > 0,
        )
    if rows:
        _add_plan_figures(rows, today)
        _add_governance_and_milestones(rows, today)
        _add_last_activity(rows)
    return list(rows.values())


def _add_plan_figures(rows, today):
    period = Period.containing(today)
    last_quarter = str(period.previous())
    confirmed = Update.objects.filter(fiche=OuterRef("pk"), period=last_quarter, copied_from="")
    fiches = (
        Fiche.objects.in_force(today).filter(convention__in=rows)
        .annotate(status=latest_status(period), fresh=Exists(confirmed))
        .values_list("convention_id", "status", "fresh").order_by()
    )
    for convention_id, status, fresh in fiches:
        row = rows[convention_id]
        row.fiches += 1
        row.done += status == UpdateStatus.REALISEE
        row.fresh += fresh


def _add_governance_and_milestones(rows, today):
    late = Milestone.objects.filter(convention__in=rows).late(today).values("convention").annotate(n=Count("pk"))
    for item in late.order_by():
        rows[item["convention"]].late_milestones = item["n"]
    for convention_id, name in Body.objects.filter(convention__in=rows).overdue(today).values_list(
        "convention_id", "name"
    ):
        rows[convention_id].to_convene.append(name)
    copils = (
        Meeting.objects.filter(convention__in=rows, body__kind=BodyKind.COPIL, date__gte=today)
        .values("convention").annotate(next=Min("date")).order_by()
    )
    for item in copils:
        rows[item["convention"]].next_copil = item["next"]


def _add_last_activity(rows):
    """The latest change a user made on the CTG: its text, its plan, its tracking or its séances."""
    latest = defaultdict(list)
    for row in rows.values():
        latest[row.convention.pk].append(row.convention.updated_at)
    # Each fiche's newest tracking record, read from the (fiche, date) index: a fiche gains four
    # records a year, a Caf's CTGs tens of thousands.
    tracked = Update.history.filter(fiche=OuterRef("pk")).order_by("-history_date").values("history_date")[:1]
    sources = [
        Fiche.history.filter(convention_id__in=list(rows)).values("convention_id").annotate(at=Max("history_date")),
        Fiche.objects.filter(convention_id__in=list(rows)).values("convention_id").annotate(at=Max(Subquery(tracked))),
        Meeting.history.filter(convention_id__in=list(rows)).values("convention_id").annotate(at=Max("history_date")),
    ]
    for source in sources:
        for convention_id, at in source.order_by().values_list("convention_id", "at"):
            latest[convention_id].append(at)
    for pk, dates in latest.items():
        rows[pk].last_activity = max(d for d in dates if d)
