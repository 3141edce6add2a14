from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from actions.periods import Period, periods_between
from actions.tracking import fiches_to_update
from conventions.shortcuts import convention_context, convention_page, get_convention
from ctg.concurrency import save_rebasing, with_version
from ctg.errors import DomainError
from ctg.responses import file_response
from governance.services import overdue_bodies
from governance.templatetags.governance_tags import meetings_by_milestone

from . import renewal, services
from .charts import progress_by_axis, status_distribution
from .enums import BilanKind, MilestoneStatus
from .exporters import BilanWorkbook
from .figures import LATE_RULE, bilan_figures, plan_figures
from .forms import BilanForm, MilestoneForm, RenewalForm
from .models import Milestone


def milestones(request, slug):
    """Evaluation and renewal milestones, in time order; planned ones whose end is past are late."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "evaluation")
    today = timezone.localdate()
    items = list(convention.milestones.select_related("body", "done_by"))
    preparation = renewal.previous_renewal_milestones(convention)
    for milestone in items + preparation:
        milestone.late = milestone.is_late(today)
    context.update(milestones=items, preparation_milestones=preparation, today=today,
                   convention_end=convention.end_on(today))
    return render(request, "evaluation/milestones.html", context)


def timeline_anchor(convention, milestone=None):
    url = reverse("evaluation:milestones", args=[convention.slug])
    return f"{url}#jalon-{milestone.pk}" if milestone else url


def get_milestone(convention, pk):
    """One of the convention's milestones: an id from another convention is not found here."""
    return get_object_or_404(with_version(convention.milestones.select_related("body", "done_by")), pk=pk)


def milestones_generate(request, slug):
    """« Générer les jalons »: GET shows what would be created, kept and skipped; POST creates."""
    convention = get_convention(request, slug, edit=True)
    if request.method != "POST":
        context = convention_context(request, convention, "evaluation")
        context.update(preview=services.milestones_preview(convention),
                       convention_end=convention.end_on(timezone.localdate()))
        return render(request, "evaluation/milestones_generate.html", context)
    done = services.milestones_generate(convention, by=request.user)
    created, kept, past = len(done.create), len(done.present), len(done.past)
    report = []
    if kept:
        report.append("1 jalon déjà présent est conservé tel quel" if kept == 1
                      else f"{kept} jalons déjà présents sont conservés tels quels")
    if past:
        report.append("1 jalon passé n'est pas créé" if past == 1 else f"{past} jalons passés ne sont pas créés")
    if created:
        messages.success(request, " ; ".join([f"{created} jalon{pluralize(created)} créé{pluralize(created)}", *report]) + ".")
    else:
        messages.info(request, "Aucun jalon à créer : rien n'a été modifié.")
    return redirect(timeline_anchor(convention))


def milestone_form_page(request, convention, milestone):
    def build(data):
        return (MilestoneForm(data, instance=milestone, convention=convention),)

    (form,), conflict = build(request.POST if request.method == "POST" else None), None
    if form.is_bound and form.is_valid():
        saved, (form,), conflict = save_rebasing((form,), lambda f: services.milestone_save(f, by=request.user), build)
        if saved is not None:
            messages.success(request, f"Le jalon « {saved.title} » est enregistré.")
            if conflict:
                messages.info(request, conflict.notice)
            return redirect(timeline_anchor(convention, saved))
    context = convention_context(request, convention, "evaluation")
    context.update(form=form, milestone=milestone, conflict=conflict)
    return render(request, "evaluation/milestone_form.html", context, status=409 if conflict else 200)


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


def dashboard(request, slug):
    """The élus' dashboard: read-only for everyone with a role on the convention."""
    return convention_page(request, slug, "evaluation/dashboard.html", lambda convention: dashboard_context(request, convention))


def dashboard_context(request, convention):
    context = convention_context(request, convention, "tableau")
    on, today = context["on"], timezone.localdate()
    periods = periods_between(convention.start, context["state"].end)
    period = min(max(Period.containing(on), periods[0]), periods[-1])
    figures = plan_figures(context["state"].fiches, period)
    shown = {fiche.pk: fiche for fiche in figures.fiches}
    without_update = [shown.get(f.pk, f) for f in fiches_to_update(convention, period).order_by("number", "id")]
    next_milestones = list(convention.milestones.filter(status=MilestoneStatus.PREVU, end__gte=today)[:5])
    context.update(
        figures=figures,
        without_update=without_update,
        axis_chart=progress_by_axis(figures),
        status_chart=status_distribution(figures),
        late_rule=LATE_RULE,
        next_meetings=convention.meetings.filter(date__gte=today).select_related("body")[:5],
        next_milestones=next_milestones,
        overdue=overdue_bodies(convention, today),
    )
    return context


def bilans(request, slug):
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "bilans")
    existing = {bilan.kind: bilan for bilan in convention.bilans.select_related("updated_by")}
    context["kinds"] = [(kind, label, existing.get(kind)) for kind, label in BilanKind.choices]
    return render(request, "evaluation/bilans.html", context)


def get_bilan(convention, kind):
    return get_object_or_404(with_version(convention.bilans.select_related("updated_by")), kind=kind)


@require_POST
def bilan_create(request, slug, kind):
    convention = get_convention(request, slug, edit=True)
    if kind not in BilanKind.values:
        raise Http404("Type de bilan inconnu.")
    try:
        bilan = services.bilan_create(convention, kind, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("evaluation:bilans", slug=convention.slug)
    messages.success(request, f"Le {bilan.get_kind_display().lower()} est ouvert : vérifiez sa période puis rédigez ses parties.")
    return redirect("evaluation:bilan_edit", slug=convention.slug, kind=kind)


def bilan_detail(request, slug, kind):
    """The bilan as it will be presented: computed figures, charts, then the written parts."""
    convention = get_convention(request, slug)
    bilan = get_bilan(convention, kind)
    context = convention_context(request, convention, "bilans")
    figures = bilan_figures(bilan)
    context.update(
        bilan=bilan, figures=figures, axis_chart=progress_by_axis(figures), status_chart=status_distribution(figures),
        late_rule=LATE_RULE, history=bilan.history.select_related("history_user")[:10],
    )
    return render(request, "evaluation/bilan.html", context)


def bilan_edit(request, slug, kind):
    convention = get_convention(request, slug, edit=True)
    bilan = get_bilan(convention, kind)

    def build(data):
        return (BilanForm(data, instance=bilan),)

    (form,), conflict = build(request.POST if request.method == "POST" else None), None
    if form.is_bound and form.is_valid():
        saved, (form,), conflict = save_rebasing((form,), lambda f: services.bilan_save(f, by=request.user), build)
        if saved is not None:
            messages.success(request, f"Le {bilan.get_kind_display().lower()} est enregistré.")
            if conflict:
                messages.info(request, conflict.notice)
            return redirect("evaluation:bilan", slug=convention.slug, kind=kind)
    context = convention_context(request, convention, "bilans")
    context.update(bilan=bilan, form=form, conflict=conflict)
    return render(request, "evaluation/bilan_form.html", context, status=409 if conflict else 200)


@require_GET
def bilan_export(request, slug, kind):
    convention = get_convention(request, slug)
    filename, mimetype, content = BilanWorkbook().generate(get_bilan(convention, kind))
    return file_response(content, filename, mimetype)


def renewal_prepare(request, slug):
    """« Préparer le renouvellement » (Caf staff): the next CTG, in préparation, from this one."""
    previous = get_convention(request, slug)
    if not request.user.has_perm("ctg.sign_convention", previous):
        raise PermissionDenied("Seule la Caf prépare le renouvellement d'une convention.")
    if refusal := renewal.renewal_refusal(previous):
        raise PermissionDenied(refusal)
    fiches = renewal.renewable_fiches(previous)
    start, end = renewal.default_period(previous)
    form = RenewalForm(request.POST or None, previous=previous, fiches=fiches, initial={
        "title": previous.title, "start": start, "end": end,
        "fiches": [fiche.pk for fiche in fiches if fiche.latest_status not in renewal.FINISHED],
    })
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            convention = renewal.convention_renew(
                previous, by=request.user, title=data["title"], start=data["start"], end=data["end"],
                fiche_ids=data["fiches"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"La CTG {renewal.years(convention)} est créée en préparation, à partir de la "
                                      f"CTG {renewal.years(previous)} : relisez ses parties, son texte et ses annexes.")
            return redirect(convention)
    context = convention_context(request, previous, "convention")
    context.update(form=form, fiches=fiches, bilan_final=previous.bilans.filter(kind=BilanKind.FINAL).first())
    return render(request, "evaluation/renewal.html", context)
