from django.db.models import Prefetch, Sum
from django.shortcuts import render

from actions.models import Fiche
from ctg.shortcuts import convention_context, get_convention

from .models import Meeting


def governance(request, slug):
    """Instances with their members, séances with their minutes, chargés de coopération."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "gouvernance")
    officers = convention.cooperation_officers.select_related("organisation")
    context.update(
        bodies=convention.bodies.prefetch_related("members"),
        meetings=Meeting.objects.filter(convention=convention)
        .select_related("body")
        .prefetch_related("agenda_items", "participants", "decisions", Prefetch("fiches", queryset=Fiche.objects.only("key", "number", "title", "convention_id")))
        .order_by("-date", "-time"),
        officers=officers,
        fte_total=officers.aggregate(total=Sum("fte"))["total"] or 0,
        fte_caf=officers.filter(caf_funded=True).aggregate(total=Sum("fte"))["total"] or 0,
    )
    return render(request, "governance/index.html", context)
