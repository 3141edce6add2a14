"""The Caf's portfolio of CTGs (the home page after login) and its renewal wave."""

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from actions.periods import Period, periods_between
from conventions.enums import ConventionStatus, Role
from conventions.lifecycle import signature_checks
from conventions.rules import role_on
from conventions.shortcuts import (
    convention_context,
    convention_page,
    page_convention,
    territory_revision,
)
from ctg.pagecache import cached_page
from ctg.responses import file_response
from evaluation.enums import MilestoneStatus
from evaluation.figures import plan_figures
from evaluation.models import RENEWAL_KINDS, Milestone
from governance.models import CooperationOfficer
from governance.services import overdue_bodies

from .exporters import PortfolioWorkbook
from .filters import PHASES, SORTS, PortfolioFilters
from .rows import RUNNING, portfolio_rows
from .wave import renewal_wave


@require_safe
def home(request):
    today = timezone.localdate()
    filters = PortfolioFilters.from_query(request.GET)
    for error in filters.errors:
        messages.warning(request, error)
    if request.GET.get("format") == "xlsx":
        filename, mimetype, content = PortfolioWorkbook().generate(filters.apply(portfolio_rows(request.user, today)))
        return file_response(content, filename, mimetype)
    return cached_page(request, "portfolio/home.html", lambda: home_context(request, filters, today),
                       vary=territory_revision(request.user))


def home_context(request, filters, today):
    rows = portfolio_rows(request.user, today)
    shown = filters.apply(rows)
    territories = sorted({s.pk: s for row in rows for s in row.signatories if s.kind != "caf"}.values(),
                         key=lambda o: o.name)
    return {
        "rows": shown, "total": len(rows), "filters": filters, "today": today,
        "phases": [(p.value, p.label) for p in PHASES],
        "end_years": sorted({row.end.year for row in rows}), "territories": territories,
        "sorts": filters.sort_links(request.GET), "sort_labels": {k: v[0] for k, v in SORTS.items()},
        "watched": sum(1 for row in rows if row.watch_reasons),
        "can_create": request.user.has_perm("ctg.create_convention"),
        "export_query": _with(request.GET, format="xlsx"),
    }


def _with(query, **params):
    query = query.copy()
    for key, value in params.items():
        query[key] = value
    return query.urlencode()


@require_safe
def renewals(request):
    """The renewal wave over the years, and the portfolio's totals."""
    today = timezone.localdate()
    rows = [row for row in portfolio_rows(request.user, today) if row.phase != ConventionStatus.ABANDONNEE]
    ids = [row.convention.pk for row in rows]
    milestones = defaultdict(list)
    for convention_id, title, start, end in (
        Milestone.objects.filter(convention__in=ids, kind__in=RENEWAL_KINDS).exclude(status=MilestoneStatus.ANNULE)
        .order_by("end").values_list("convention_id", "title", "start", "end")
    ):
        milestones[convention_id].append((title, start or end))
    running = [row for row in rows if row.phase != ConventionStatus.ECHUE]
    fte = CooperationOfficer.objects.filter(convention__in=[r.convention.pk for r in running], caf_funded=True) \
        .aggregate(total=Sum("fte"))["total"] or Decimal(0)
    communes = {c.insee for row in running for c in row.communes}
    totals = {
        "conventions": len(running),
        "communes": len(communes),
        "population": sum(row.population for row in running),
        "fiches": sum(row.fiches for row in running),
        "fte": fte.normalize() if fte else 0,
        "collectivites": len({s.pk for row in running for s in row.signatories if s.kind != "caf"}),
    }
    return render(request, "portfolio/renewals.html", {
        "wave": renewal_wave(rows, milestones), "totals": totals, "today": today,
    })


def convention_home(request, slug):
    """A convention's home: what matters first (phase, days left, next steps, what is late, the
    dashboard's figures); its legal text has its own tab. Élus land on the dashboard."""
    convention = page_convention(request, slug)
    if role_on(request.user, convention) == Role.ELU:
        return redirect("evaluation:dashboard", slug=convention.slug)
    return convention_page(request, slug, "portfolio/convention_home.html",
                           lambda convention: convention_home_context(request, convention), convention=convention)


def convention_home_context(request, convention):
    context = convention_context(request, convention, "accueil")
    today = timezone.localdate()
    state, phase = context["state"], convention.phase
    figures = None
    if phase in RUNNING or phase == ConventionStatus.ECHUE:
        periods = periods_between(convention.start, state.end)
        figures = plan_figures(state.fiches, min(max(Period.containing(today), periods[0]), periods[-1]))
    milestones = list(convention.milestones.filter(status=MilestoneStatus.PREVU).order_by("end", "position"))
    context.update(
        today=today,
        days_left=(state.end - today).days if phase in RUNNING else None,
        checks=signature_checks(convention, with_signature=False) if phase == ConventionStatus.PREPARATION else [],
        late_milestones=[m for m in milestones if m.is_late(today)],
        next_milestones=[m for m in milestones if not m.is_late(today)][:3],
        next_meetings=convention.meetings.filter(date__gte=today).select_related("body").order_by("date", "time")[:3],
        overdue=overdue_bodies(convention, today),
        figures=figures,
        successor=convention.successor,
    )
    return context
