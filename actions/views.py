from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from ctg.shortcuts import convention_context, get_convention

from .models import Fiche, Update


def fiches_with_details(queryset):
    """Fiches with everything the plan and fiche pages show, in a fixed number of queries."""
    return queryset.select_related("axis", "objective", "commune", "avenant", "previous_version").prefetch_related(
        "theme_links",
        "lead_organisations",
        Prefetch("updates", queryset=Update.objects.order_by("-period")),
    )


def plan(request, slug):
    """The plan d'actions in force on the chosen date: axes, then their fiches, like the synoptique."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "plan")
    fiches = list(fiches_with_details(context["state"].fiches).order_by("axis__number", "number"))
    axes = list(convention.axes.prefetch_related("objectives"))
    by_axis = {axis.pk: [] for axis in axes}
    for fiche in fiches:
        by_axis[fiche.axis_id].append(fiche)
    context.update(axes=[(axis, by_axis[axis.pk]) for axis in axes], fiche_count=len(fiches))
    return render(request, "actions/plan.html", context)


def fiche_detail(request, slug, key):
    convention = get_convention(request, slug)
    fiche = get_object_or_404(fiches_with_details(convention.fiches.all()).prefetch_related("indicators"), key=key)
    context = convention_context(request, convention, "plan")
    in_force_keys = set(context["state"].fiches.values_list("key", flat=True))
    context.update(
        fiche=fiche,
        in_force=fiche.key in in_force_keys,
        lineage=fiche.lineage(),
        latest=next(iter(fiche.updates.all()), None),
        successors=list(fiche.next_versions.all()),
        superseding=list(fiche.targeting_operations.select_related("avenant")),
    )
    return render(request, "actions/fiche.html", context)
