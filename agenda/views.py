"""The calendar: a convention's séances and jalons by month or as a list, and each user's
subscription feed across the conventions they may see (`/agenda/`)."""

import calendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from conventions.models import Convention
from conventions.shortcuts import convention_context, get_convention
from ctg.dates import FIRST_YEAR, LAST_YEAR, month_start
from ctg.responses import file_response
from ctg.shortcuts import site_url
from evaluation.models import Milestone
from governance.models import AgendaItem, CalendarToken, Meeting
from governance.services import calendar_token_reset

from .feeds import feed_calendar

MONTH = "%Y-%m"


def requested_month(request, today):
    raw = request.GET.get("mois", "").strip()
    if not raw:
        return today.replace(day=1), None
    try:
        month = datetime.datetime.strptime(raw, MONTH).date()
    except ValueError:
        month = None
    if month is None or not FIRST_YEAR <= month.year <= LAST_YEAR:
        return today.replace(day=1), f"Mois « {raw} » invalide : le calendrier affiche le mois en cours."
    return month, None


def calendar_view(request, slug):
    """The convention's séances and jalons, as a month grid or as a list."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "gouvernance")
    today = timezone.localdate()
    as_list = request.GET.get("vue") == "liste"
    meetings = Meeting.objects.filter(convention=convention).select_related("body", "convention").order_by("date", "time")
    milestones = Milestone.objects.filter(convention=convention).order_by("end", "position")
    if as_list:
        milestones = milestones.prefetch_related(Prefetch(
            "agenda_items", queryset=AgendaItem.objects.select_related("meeting__convention").order_by("meeting__date")))
        context.update(months=month_groups(list(meetings), list(milestones)))
    else:
        first, month_error = requested_month(request, today)
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
        start, end = weeks[0][0], weeks[-1][-1]
        by_day = {}
        for meeting in meetings.filter(date__range=(start, end)):
            by_day.setdefault(meeting.date, {"meetings": [], "milestones": []})["meetings"].append(meeting)
        for milestone in milestones.filter(end__range=(start, end)):
            by_day.setdefault(milestone.end, {"meetings": [], "milestones": []})["milestones"].append(milestone)
        context.update(
            month=first, month_error=month_error,
            previous=month_start(first, -1), next=month_start(first, 1),
            weeks=[[{"day": d, "in_month": d.month == first.month, **by_day.get(d, {})} for d in week] for week in weeks],
        )
    context.update(as_list=as_list, today=today)
    template = "agenda/calendar.html#calendar" if request.htmx else "agenda/calendar.html"
    return render(request, template, context)


def month_groups(meetings, milestones):
    """Séances and jalons in date order, grouped by month."""
    events = [(m.date, 0, "meeting", m) for m in meetings] + [(j.end, 1, "milestone", j) for j in milestones]
    events.sort(key=lambda e: (e[0], e[1]))
    groups = []
    for date, _, kind, obj in events:
        first = date.replace(day=1)
        if not groups or groups[-1]["month"] != first:
            groups.append({"month": first, "events": []})
        if kind == "milestone":
            seen = {}
            for item in obj.agenda_items.all():
                seen.setdefault(item.meeting.pk, item.meeting)
            obj.presented_at = list(seen.values())
        groups[-1]["events"].append({"date": date, "kind": kind, "obj": obj})
    return groups


# Months the calendar of all the user's CTGs shows at once.
OVERVIEW_MONTHS = 3


@require_safe
def overview(request):
    """Séances and jalons of every CTG the user may see, three months at a time."""
    today = timezone.localdate()
    first, month_error = requested_month(request, today)
    until = month_start(first, OVERVIEW_MONTHS)
    conventions = Convention.objects.for_user(request.user)
    meetings = (
        Meeting.objects.filter(convention__in=conventions, date__gte=first, date__lt=until)
        .select_related("body", "convention").order_by("date", "time")
    )
    milestones = (
        Milestone.objects.filter(convention__in=conventions, end__gte=first, end__lt=until)
        .select_related("convention").order_by("end", "position")
        .prefetch_related(Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("meeting__convention")
                                   .order_by("meeting__date")))
    )
    return render(request, "agenda/overview.html", {
        "months": month_groups(list(meetings), list(milestones)), "first": first,
        "last": month_start(until, -1), "month_error": month_error, "today": today,
        "previous": month_start(first, -OVERVIEW_MONTHS), "next": until,
    })


# ---------------------------------------------------------------------------------------------
# Calendar subscription (per user, across conventions)


def subscription(request):
    """The user's secret calendar URL, to paste into Outlook, Thunderbird or Google Calendar."""
    token = CalendarToken.objects.filter(user=request.user).first()
    feed_url = request.build_absolute_uri(reverse("agenda:feed", args=[token.token])) if token else ""
    return render(request, "agenda/subscription.html", {
        "token": token, "feed_url": feed_url,
        "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://"),
        "conventions": Convention.objects.for_user(request.user).order_by("title"),
    })


@require_POST
def subscription_reset(request):
    had_token = CalendarToken.objects.filter(user=request.user).exists()
    calendar_token_reset(request.user)
    messages.success(
        request,
        "Nouvelle adresse créée : l'ancienne ne fonctionne plus. Mettez à jour vos abonnements."
        if had_token else "Votre adresse d'abonnement est créée.",
    )
    return redirect("agenda:subscription")


@login_not_required
@require_safe
def feed(request, token):
    """The subscription feed: séances and jalons of every convention the token's owner may see.

    Calendar clients fetch it without a session: the secret token in the URL is the credential."""
    owner = CalendarToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if owner is None:
        raise Http404("Adresse d'agenda inconnue ou réinitialisée.")
    conventions = Convention.objects.for_user(owner.user)
    meetings = (
        Meeting.objects.filter(convention__in=conventions).select_related("body", "convention")
        .prefetch_related("agenda_items").order_by("date", "time")
    )
    milestones = Milestone.objects.filter(convention__in=conventions).select_related("convention").order_by("end")
    name = f"CTG — {owner.user.get_full_name() or owner.user.username}"
    body = feed_calendar(name, meetings, milestones, base_url=site_url(request))
    response = file_response(body, "ctg.ics", "text/calendar; charset=utf-8", inline=True)
    response["Cache-Control"] = "private, max-age=900"
    return response
