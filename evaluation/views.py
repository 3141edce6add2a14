from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ctg.shortcuts import convention_context, get_convention
from governance.templatetags.governance_tags import meetings_by_milestone

from . import services
from .forms import MilestoneForm
from .models import Milestone


def milestones(request, slug):
    """Evaluation and renewal milestones, in time order; planned ones whose end is past are late."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "evaluation")
    today = timezone.localdate()
    items = list(convention.milestones.select_related("body", "done_by"))
    for milestone in items:
        milestone.late = milestone.is_late(today)
    in_force_today = context["state"] if context["on"] == today else convention.as_of(today)
    context.update(milestones=items, today=today, convention_end=in_force_today.end)
    return render(request, "evaluation/milestones.html", context)


def timeline_anchor(convention, milestone=None):
    url = reverse("evaluation:milestones", args=[convention.slug])
    return f"{url}#jalon-{milestone.pk}" if milestone else url


def get_milestone(convention, pk):
    """One of the convention's milestones: an id from another convention is not found here."""
    return get_object_or_404(convention.milestones.select_related("body", "done_by"), pk=pk)


@require_POST
def milestones_generate(request, slug):
    """Create the points d'étape, bilans and renewal retro-planning still missing."""
    convention = get_convention(request, slug, edit=True)
    result = services.milestones_generate(convention, by=request.user)
    if result.created:
        created = "1 jalon créé" if result.created == 1 else f"{result.created} jalons créés"
        if result.present:
            created += " ; 1 jalon déjà présent est conservé tel quel" if result.present == 1 else (
                f" ; {result.present} jalons déjà présents sont conservés tels quels")
        messages.success(request, f"{created}.")
    else:
        messages.info(request, "Tous les jalons générés sont déjà présents : rien n'a été modifié.")
    return redirect(timeline_anchor(convention))


def milestone_form_page(request, convention, milestone):
    form = MilestoneForm(request.POST if request.method == "POST" else None, instance=milestone, convention=convention)
    if form.is_bound and form.is_valid():
        saved = services.milestone_save(form, by=request.user)
        messages.success(request, f"Le jalon « {saved.title} » est enregistré.")
        return redirect(timeline_anchor(convention, saved))
    context = convention_context(request, convention, "evaluation")
    context.update(form=form, milestone=milestone)
    return render(request, "evaluation/milestone_form.html", context)


def milestone_create(request, slug):
    convention = get_convention(request, slug, edit=True)
    return milestone_form_page(request, convention, Milestone(convention=convention))


def milestone_edit(request, slug, pk):
    convention = get_convention(request, slug, edit=True)
    return milestone_form_page(request, convention, get_milestone(convention, pk))


@require_POST
def milestone_done(request, slug, pk):
    """« Marquer comme fait »: with htmx, the timeline item again; without, back to the timeline."""
    convention = get_convention(request, slug, edit=True)
    milestone = services.milestone_mark_done(get_milestone(convention, pk), by=request.user)
    if request.htmx:
        milestone.late = milestone.is_late()
        context = convention_context(request, convention, "evaluation")
        context.update(m=milestone, presented=meetings_by_milestone([milestone]))
        return render(request, "evaluation/milestones.html#milestone", context)
    messages.success(request, f"Le jalon « {milestone.title} » est marqué comme fait.")
    return redirect(timeline_anchor(convention, milestone))


def milestone_delete(request, slug, pk):
    """GET asks for confirmation, POST deletes."""
    convention = get_convention(request, slug, edit=True)
    milestone = get_milestone(convention, pk)
    if request.method == "POST":
        services.milestone_delete(milestone, by=request.user)
        messages.success(request, f"Le jalon « {milestone.title} » est supprimé.")
        return redirect(timeline_anchor(convention))
    context = convention_context(request, convention, "evaluation")
    context.update(milestone=milestone, confirm_delete=True)
    return render(request, "evaluation/milestone_form.html", context)
