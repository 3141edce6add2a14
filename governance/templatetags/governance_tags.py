"""Governance panels shown on pages of other apps: `{% load governance_tags %}` then a tag."""

from django import template
from django.db.models import Q
from django.utils import timezone

from ..models import AgendaItem, Decision, Meeting
from ..services import overdue_bodies

register = template.Library()


@register.inclusion_tag("governance/_overdue_panel.html", takes_context=True)
def governance_alerts(context, convention):
    """The convention's instances that have not met as often as the convention expects."""
    return {"convention": convention, "overdue": overdue_bodies(convention, timezone.localdate())}


@register.inclusion_tag("governance/_fiche_meetings.html", takes_context=True)
def fiche_governance(context, fiche):
    """The séances and decisions concerning an action, across its versions (two queries)."""
    versions = [v.pk for v in context.get("lineage") or [fiche]]
    meetings = (
        Meeting.objects.filter(
            Q(fiches__in=versions) | Q(agenda_items__fiches__in=versions) | Q(decisions__fiche__in=versions)
        )
        .filter(convention_id=fiche.convention_id)
        .select_related("body", "convention").distinct().order_by("-date", "-time")
    )
    decisions = (
        Decision.objects.filter(fiche__in=versions, meeting__convention_id=fiche.convention_id)
        .select_related("meeting__convention", "avenant")
        .order_by("-meeting__date", "position")
    )
    return {
        "convention": context.get("convention") or fiche.convention,
        "fiche": fiche,
        "meetings": list(meetings),
        "decisions": list(decisions),
        "today": timezone.localdate(),
    }


@register.simple_tag
def meetings_by_milestone(milestones):
    """{milestone id: [séances whose ordre du jour presents it]} for a list of milestones, in one
    query: `{% meetings_by_milestone milestones as presented %}`, then in the loop
    `{% milestone_meetings presented milestone %}`."""
    found = {}
    items = (
        AgendaItem.milestones.through.objects.filter(milestone__in=list(milestones))
        .select_related("agendaitem__meeting__convention").order_by("agendaitem__meeting__date")
    )
    for link in items:
        meetings = found.setdefault(link.milestone_id, [])
        if link.agendaitem.meeting not in meetings:
            meetings.append(link.agendaitem.meeting)
    return found


@register.inclusion_tag("governance/_milestone_meetings.html")
def milestone_meetings(presented, milestone):
    return {"meetings": presented.get(milestone.pk, [])}
