"""The Caf's portfolio of CTGs (the home page after login) and its renewal wave."""

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from conventions.enums import ConventionStatus
from ctg.responses import file_response
from evaluation.enums import MilestoneStatus
from evaluation.models import RENEWAL_KINDS, Milestone
from governance.models import CooperationOfficer

from .exporters import PortfolioWorkbook
from .filters import PHASES, SORTS, PortfolioFilters
from .rows import portfolio_rows
from .wave import renewal_wave


@require_safe
def home(request):
    today = timezone.localdate()
    rows = portfolio_rows(request.user, today)
    filters = PortfolioFilters.from_query(request.GET)
    for error in filters.errors:
        messages.warning(request, error)
    shown = filters.apply(rows)
    if request.GET.get("format") == "xlsx":
        filename, mimetype, content = PortfolioWorkbook().generate(shown)
        return file_response(content, filename, mimetype)
    territories = sorted({s.pk: s for row in rows for s in row.signatories if s.kind != "caf"}.values(),
                         key=lambda o: o.name)
    return render(request, "portfolio/home.html", {
        "rows": shown, "total": len(rows), "filters": filters, "today": today,
        "phases": [(p.value, p.label) for p in PHASES],
        "end_years": sorted({row.end.year for row in rows}), "territories": territories,
        "sorts": filters.sort_links(request.GET), "sort_labels": {k: v[0] for k, v in SORTS.items()},
        "watched": sum(1 for row in rows if row.watch_reasons),
        "can_create": request.user.has_perm("ctg.create_convention"),
        "export_query": _with(request.GET, format="xlsx"),
    })


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
