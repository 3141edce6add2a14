from django.shortcuts import render
from django.utils import timezone

from ctg.shortcuts import convention_context, get_convention


def milestones(request, slug):
    """Evaluation and renewal milestones, in time order; planned ones whose end is past are late."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "evaluation")
    today = timezone.localdate()
    items = list(convention.milestones.select_related("body", "done_by"))
    for milestone in items:
        milestone.late = milestone.is_late(today)
    context.update(milestones=items, today=today)
    return render(request, "evaluation/milestones.html", context)
