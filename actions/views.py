from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from conventions.enums import AvenantStatus
from conventions.shortcuts import convention_context, convention_page, get_convention
from ctg.concurrency import save_rebasing, with_version
from ctg.errors import DomainError
from ctg.forms import formset_total, with_added_rows
from ctg.markdown import render_markdown
from ctg.pending import PendingUploads
from ctg.responses import file_response
from ctg.shortcuts import requested_date, run_and_report
from ctg.zips import ZipRefused, read_upload

from . import services
from .coverage import theme_coverage
from .forms import (
    AxisForm,
    FicheForm,
    IndicatorFormSet,
    ObjectiveForm,
    PlanFilterForm,
    PlanImportForm,
    TrackingImportForm,
    UpdateForm,
)
from .history import compare_versions, edit_history
from .models import Axis, Fiche, Objective, Update, next_fiche_number
from .periods import Period, periods_between
from .plan_import import read_plan_workbook
from .plan_workbook import PlanWorkbook
from .tracking import (
    needs_update,
    opening_period,
    previous_update,
    tracking_fiches,
    tracking_history,
    with_latest_values,
)
from .workbook import MAX_BYTES, TrackingWorkbook, WorkbookError, read_tracking_workbook


def plan(request, slug):
    """The plan d'actions in force on the chosen date, like the synoptique of `004_…`, with filters."""
    template = "actions/plan.html#results" if request.htmx else "actions/plan.html"
    return convention_page(request, slug, template, lambda convention: plan_context(request, convention))


def plan_context(request, convention):
    context = convention_context(request, convention, "plan")
    in_force = context["state"].fiches
    filters = PlanFilterForm(request.GET, convention=convention)
    fiches = list(filters.filter(in_force.with_details()).order_by("axis__number", "number").distinct())
    axes = list(convention.axes.prefetch_related("objectives"))
    by_axis = {axis.pk: [] for axis in axes}
    for fiche in fiches:
        by_axis[fiche.axis_id].append(fiche)
    context.update(
        filters=filters,
        axes=[(axis, by_axis[axis.pk]) for axis in axes if by_axis[axis.pk] or not filters.active],
        fiche_count=len(fiches),
        coverage=theme_coverage(in_force),
        today_plan=context["on"] == context["state"].on,
    )
    return context


@require_GET
def plan_template(request, slug):
    """The empty plan workbook, to fill offline and import."""
    convention = get_convention(request, slug)
    filename, mimetype, content = PlanWorkbook().generate(convention)
    return file_response(content, filename, mimetype)


@require_GET
def plan_export(request, slug):
    """The plan workbook of the convention as in force on the chosen date (`?date=`)."""
    convention = get_convention(request, slug)
    on, _ = requested_date(request)
    filename, mimetype, content = PlanWorkbook(on).generate(convention)
    return file_response(content, filename, mimetype)


# An uploaded plan workbook waits here between its preview and its confirmation.
PENDING_PLANS = PendingUploads("imports-plan")


def pending_owner(request, convention):
    """A kept workbook opens only for the user who uploaded it, on this convention."""
    return f"{convention.pk}-{request.user.pk}"


def plan_import_page(request, convention, *, form=None, errors=None, changes=None, token=None, notice=None, status=200):
    context = convention_context(request, convention, "plan")
    context.update(form=form or PlanImportForm(), errors=errors, changes=changes, token=token, notice=notice,
                   unchanged=changes is not None and not changes)
    return render(request, "actions/plan_import.html", context, status=status)


def plan_import(request, slug):
    """Upload a plan workbook: what it would create or change is shown first, with every error by
    cell; nothing is written before the user confirms (`plan_import_confirm`)."""
    convention = get_convention(request, slug, contract=True)
    if request.method != "POST":
        return plan_import_page(request, convention)
    form = PlanImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return plan_import_page(request, convention, form=form)
    try:
        content = read_upload(form.cleaned_data["workbook"], MAX_BYTES)
        changes = read_plan_workbook(convention, content)
    except ZipRefused as error:
        return plan_import_page(request, convention, form=form, errors=[error.message])
    except WorkbookError as error:
        return plan_import_page(request, convention, form=form, errors=error.errors)
    token = PENDING_PLANS.keep(content, pending_owner(request, convention)) if changes else None
    return plan_import_page(request, convention, changes=changes, token=token)


@require_POST
def plan_import_confirm(request, slug, token):
    """Apply the workbook kept under `token`, if it still changes what its preview showed."""
    convention = get_convention(request, slug, contract=True)
    owner = pending_owner(request, convention)
    if "annuler" in request.POST:
        PENDING_PLANS.forget(owner, token)
        messages.info(request, "Import annulé : le plan d'actions n'est pas modifié.")
        return redirect("actions:plan", slug=convention.slug)
    content = PENDING_PLANS.read(owner, token)
    if content is None:
        messages.error(request, "Cet aperçu a expiré ou a déjà servi : importez de nouveau le classeur.")
        return redirect("actions:plan_import", slug=convention.slug)
    try:
        changes = read_plan_workbook(convention, content)
    except WorkbookError as error:  # the plan changed meanwhile (an axis renumbered…)
        PENDING_PLANS.forget(owner, token)
        return plan_import_page(request, convention, errors=error.errors)
    if changes.digest != request.POST.get("digest"):
        if not changes:
            PENDING_PLANS.forget(owner, token)
        return plan_import_page(
            request, convention, changes=changes, token=token if changes else None, status=409,
            notice="Le plan d'actions a changé depuis l'aperçu : voici ce que le classeur y modifierait maintenant.",
        )
    try:
        services.plan_import(convention, changes, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("actions:plan_import", slug=convention.slug)
    PENDING_PLANS.forget(owner, token)
    messages.success(request, f"Classeur importé : {changes.summary}.")
    return redirect("actions:plan", slug=convention.slug)


def fiche_detail(request, slug, key):
    return convention_page(request, slug, "actions/fiche.html", lambda convention: fiche_context(request, convention, key))


def fiche_context(request, convention, key):
    fiche = get_object_or_404(
        convention.fiches.with_details().select_related("renewed_from__convention").prefetch_related("indicators"),
        key=key,
    )
    fiche.convention = convention
    context = convention_context(request, convention, "plan")
    in_force_keys = set(context["state"].fiches.values_list("key", flat=True))
    with_latest_values(fiche)  # the prefetched indicators get their .latest
    lineage = fiche.lineage() + list(fiche.next_versions.all())
    context.update(
        fiche=fiche,
        in_force=fiche.key in in_force_keys,
        lineage=fiche.lineage(),
        comparison=compare_versions(lineage, request.GET.get("de"), request.GET.get("a")),
        lineage_updates=Update.objects.filter(fiche__in=lineage).select_related("fiche").order_by("-period"),
        tracking_history=tracking_history(lineage),
        latest=next(iter(fiche.latest_updates), None),
        successors=list(fiche.next_versions.select_related("avenant")),
        renewals=list(fiche.renewals.select_related("convention")),
        superseding=list(fiche.targeting_operations.select_related("avenant")),
        history=edit_history(fiche),
        can_edit_fiche=request.user.has_perm("ctg.edit_fiche", fiche),
        # A signed fiche changes through an avenant: « Proposer dans un avenant ».
        can_propose_fiche=context["can_propose"] and fiche.is_current,
        draft_avenants=list(convention.avenants.filter(status=AvenantStatus.BROUILLON)) if fiche.is_current else [],
    )
    return context


def fiche_form_page(request, convention, fiche):
    """Create or edit a fiche with its indicators; the user's typing survives every error, and a
    save made meanwhile by someone else is merged or shown (409), never overwritten."""
    data = request.POST if request.method == "POST" else None

    def build(data):
        return (FicheForm(data, instance=fiche, convention=convention),
                IndicatorFormSet(data, instance=fiche, prefix="indicators"))

    form, indicators = build(data)
    conflict = None
    if data is not None and "add_indicator" in data:
        # Without JavaScript, "add a row" re-displays the form with one more empty indicator.
        indicators = IndicatorFormSet(with_added_rows(data, "indicators"), instance=fiche, prefix="indicators")
    elif data is not None and form.is_valid() and indicators.is_valid():
        try:
            saved, (form, indicators), conflict = save_rebasing(
                (form, indicators), lambda f, i: services.fiche_save(f, i, by=request.user), build)
        except services.FicheVanished as error:
            return fiche_vanished(request, convention, fiche.key, error)
        except DomainError as error:  # signed meanwhile
            raise PermissionDenied(error.message) from error
        if saved is not None:
            messages.success(request, f"La fiche « {saved.title} » est enregistrée.")
            if conflict:
                messages.info(request, conflict.notice)
            if hint := form.title_hint:
                messages.warning(request, hint)
            return redirect(saved.get_absolute_url())
    context = convention_context(request, convention, "plan")
    context.update(form=form, indicators=indicators, fiche=fiche, conflict=conflict)
    return render(request, "actions/fiche_form.html", context, status=409 if conflict else 200)


def fiche_vanished(request, convention, key, error):
    """The user saved a fiche that no longer exists: their typing, to copy, and the fiche now
    under the same key if there is one (409: nothing is saved)."""
    form = FicheForm(request.POST, convention=convention)
    typed = [(field.label, field.value()) for field in form
             if isinstance(field.field.widget, forms.TextInput | forms.Textarea) and field.value()]
    typed += [(f"Indicateur « {value} »", value) for name, value in request.POST.items()
              if name.startswith("indicators-") and name.endswith("-name") and value]
    context = convention_context(request, convention, "plan")
    context.update(message=error.message, typed=typed, current=convention.fiches.filter(key=key).first())
    return render(request, "actions/fiche_vanished.html", context, status=409)


def fiche_create(request, slug):
    """A new fiche of the plan in préparation; a signed plan gains fiches through an avenant."""
    convention = get_convention(request, slug, contract=True)
    if not convention.axes.exists():
        messages.error(request, "Créez d'abord un axe stratégique : chaque fiche action appartient à un axe.")
        return redirect("actions:structure", slug=convention.slug)
    return fiche_form_page(request, convention, Fiche(convention=convention, number=next_fiche_number(convention)))


def fiche_edit(request, slug, key):
    """Edit a version a draft avenant proposes, or a fiche of the plan in préparation
    (`Fiche.edit_refusal`). A signed fiche is contractual: it changes through an avenant
    (« Proposer dans un avenant »); versions that signed avenants replaced are history."""
    convention = get_convention(request, slug, edit=True)
    fiche = with_version(convention.fiches.select_related("avenant")).filter(key=key).first()
    if fiche is None:
        if request.method == "POST":  # opened before the fiche went: keep what was typed
            return fiche_vanished(request, convention, key, services.FicheVanished())
        raise Http404("Aucune fiche de cette clé.")
    fiche.convention = convention
    if refusal := fiche.edit_refusal():
        raise PermissionDenied(refusal)
    return fiche_form_page(request, convention, fiche)


@require_GET
def indicator_row(request, slug):
    """One empty indicator row for the htmx "add" button, and the formset's new total (out of band)."""
    get_convention(request, slug, edit=True)
    index = formset_total(request.GET, "indicators")
    formset = IndicatorFormSet(prefix="indicators")
    return render(request, "actions/fiche_form.html#indicator-row", {
        "row": formset._construct_form(index, empty_permitted=True, use_required_attribute=False),
        "new_total": index + 1,
    })


@require_POST
def markdown_preview(request, slug):
    """The Markdown of one field, rendered through the one sanitizing filter."""
    get_convention(request, slug, edit=True)
    field = request.POST.get("field", "")
    html = render_markdown(request.POST.get(field, "")) or '<p class="empty">Rien à afficher.</p>'
    return HttpResponse(html)


def structure(request, slug):
    """Create, rename, reorder and delete the plan's axes and objectives (in préparation)."""
    convention = get_convention(request, slug, contract=True)
    context = convention_context(request, convention, "plan")
    context.update(
        # The fiches of the plan as the list below shows them: not an abrogated or replaced one.
        axes=convention.axes.prefetch_related("objectives").annotate(
            fiche_count=Count("fiches", filter=Q(fiches__is_current=True))),
        new_axis_form=AxisForm(prefix="new-axis"),
        current=Fiche.objects.filter(convention=convention, is_current=True).select_related("axis").order_by("axis__number", "number"),
    )
    return render(request, "actions/structure.html", context)


@require_POST
def axis_create(request, slug):
    convention = get_convention(request, slug, contract=True)
    form = AxisForm(request.POST, prefix="new-axis")
    if form.is_valid():
        axis = services.axis_create(convention, form.cleaned_data["title"], by=request.user)
        messages.success(request, f"L'axe {axis.number} est créé.")
    else:
        messages.error(request, "Indiquez l'intitulé du nouvel axe.")
    return redirect("actions:structure", slug=convention.slug)


def axis_edit(request, slug, number):
    convention = get_convention(request, slug, contract=True)
    axis = get_object_or_404(Axis, convention=convention, number=number)
    form = AxisForm(request.POST or None, instance=axis)
    objective_form = ObjectiveForm(prefix="new-objective")
    if request.method == "POST" and form.is_valid():
        services.axis_rename(axis, form.cleaned_data["title"], by=request.user)
        messages.success(request, f"L'axe {axis.number} est renommé.")
        return redirect("actions:structure", slug=convention.slug)
    context = convention_context(request, convention, "plan")
    context.update(axis=axis, form=form, objective_form=objective_form)
    return render(request, "actions/axis_form.html", context)


@require_POST
def axis_move(request, slug, number):
    convention = get_convention(request, slug, contract=True)
    axis = get_object_or_404(Axis, convention=convention, number=number)
    direction = -1 if request.POST.get("direction") == "up" else 1
    run_and_report(request, lambda: services.axis_move(axis, direction, by=request.user),
                   "L'ordre des axes est modifié ; les actions sont renumérotées.")
    return redirect("actions:structure", slug=convention.slug)


@require_POST
def axis_delete(request, slug, number):
    convention = get_convention(request, slug, contract=True)
    axis = get_object_or_404(Axis, convention=convention, number=number)
    run_and_report(request, lambda: services.axis_delete(axis, by=request.user), f"L'axe « {axis.title} » est supprimé.")
    return redirect("actions:structure", slug=convention.slug)


@require_POST
def objective_create(request, slug, number):
    convention = get_convention(request, slug, contract=True)
    axis = get_object_or_404(Axis, convention=convention, number=number)
    form = ObjectiveForm(request.POST, prefix="new-objective")
    if form.is_valid():
        services.objective_create(axis, form.cleaned_data["title"], by=request.user)
        messages.success(request, "L'objectif est ajouté.")
    else:
        messages.error(request, "Indiquez l'intitulé de l'objectif.")
    return redirect("actions:axis_edit", slug=convention.slug, number=axis.number)


def objective_edit(request, slug, pk):
    convention = get_convention(request, slug, contract=True)
    objective = get_object_or_404(Objective, axis__convention=convention, pk=pk)
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        services.objective_rename(objective, form.cleaned_data["title"], by=request.user)
        messages.success(request, "L'objectif est renommé.")
        return redirect("actions:axis_edit", slug=convention.slug, number=objective.axis.number)
    context = convention_context(request, convention, "plan")
    context.update(objective=objective, form=form)
    return render(request, "actions/objective_form.html", context)


@require_POST
def objective_delete(request, slug, pk):
    convention = get_convention(request, slug, contract=True)
    objective = get_object_or_404(Objective, axis__convention=convention, pk=pk)
    run_and_report(request, lambda: services.objective_delete(objective, by=request.user), "L'objectif est supprimé.")
    return redirect("actions:axis_edit", slug=convention.slug, number=objective.axis.number)


@require_POST
def fiche_move(request, slug, key):
    convention = get_convention(request, slug, contract=True)
    fiche = get_object_or_404(convention.fiches, key=key, is_current=True)
    direction = -1 if request.POST.get("direction") == "up" else 1
    run_and_report(request, lambda: services.fiche_move(fiche, direction, by=request.user),
                   "L'ordre des actions est modifié ; les numéros suivent.")
    return redirect("actions:structure", slug=convention.slug)


def tracking_periods(convention, on):
    """The quarters of the convention, up to its end in force on `on` (an avenant may extend it)."""
    return periods_between(convention.start, convention.end_on(on))


def tracking(request, slug):
    """The quarter chosen in the selector (`?periode=`), or the one the page opens on (`opening_period`)."""
    convention = get_convention(request, slug)
    periods = tracking_periods(convention, timezone.localdate())
    try:
        period = Period.parse(request.GET.get("periode", ""))
    except ValueError:
        period = opening_period(convention, timezone.localdate())
    return redirect("actions:tracking_period", slug=convention.slug, period=min(max(period, periods[0]), periods[-1]))


def get_period(convention, text):
    """The quarter `text` if it lies within the convention; 404 otherwise."""
    try:
        period = Period.parse(text)
    except ValueError:
        raise Http404("Période invalide.") from None
    periods = tracking_periods(convention, timezone.localdate())
    if not periods[0] <= period <= periods[-1]:
        raise Http404("Période hors de la convention.")
    return period, periods


def tracking_context(request, convention, period, periods, *, editing=None, form=None, conflict=None,
                     import_form=None, report=None):
    context = convention_context(request, convention, "suivi")
    fiches = tracking_fiches(convention, period)
    for fiche in fiches:
        fiche.needs_update = needs_update(fiche)
        if fiche.key == editing:
            fiche.form = form or UpdateForm(fiche=fiche, period=period, previous=previous_update(fiche, period))
            fiche.conflict = conflict
    context.update(
        period=period, periods=periods, fiches=fiches, missing=sum(f.needs_update for f in fiches),
        previous=period.previous() if period > periods[0] else None, next=period.next() if period < periods[-1] else None,
        import_form=import_form or TrackingImportForm(), report=report,
    )
    return context


def tracking_page(request, convention, period, periods, *, conflict=None, **kwargs):
    """The page again after a save or an import, with what it reports: computed, never cached."""
    context = tracking_context(request, convention, period, periods, conflict=conflict, **kwargs)
    return render(request, "actions/tracking.html", context, status=409 if conflict else 200)


def tracking_period(request, slug, period):
    """The shared tracking table of one quarter: a row per fiche in force during it."""
    def build(convention):
        found, periods = get_period(convention, period)
        editing = request.GET.get("modifier") if request.user.has_perm("ctg.edit_convention", convention) else None
        return tracking_context(request, convention, found, periods, editing=editing)

    return convention_page(request, slug, "actions/tracking.html", build)


def tracking_row(request, slug, period, key):
    """Edit one row in place. With htmx the row alone comes back (read mode once saved, with the
    page's count of rows without update swapped out of band; the form with its errors and the typed
    values otherwise); without, the whole page does. A save made meanwhile by someone else is
    merged, or shown on the row with the typing kept (409)."""
    convention = get_convention(request, slug, edit=True)
    period, periods = get_period(convention, period)
    fiche = next((f for f in tracking_fiches(convention, period) if f.key == key), None)
    if fiche is None:
        raise Http404("Cette action n'est pas en vigueur pendant la période.")
    row = {"fiche": fiche, "convention": convention, "period": period, "can_edit": True}
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{reverse('actions:tracking_period', args=[convention.slug, period])}?modifier={key}#suivi-{key}")
        fiche.needs_update = needs_update(fiche)
        if request.GET.get("annuler") is None:
            fiche.form = UpdateForm(fiche=fiche, period=period, previous=previous_update(fiche, period))
        return render(request, "actions/tracking.html#row", row)

    def build(data):
        return (UpdateForm(data, fiche=fiche, period=period, previous=previous_update(fiche, period)),)

    (form,), conflict = build(request.POST), None
    if form.is_valid():
        try:
            changes, (form,), conflict = save_rebasing(
                (form,), lambda f: services.update_save(fiche, period, f.values(), by=request.user, form=f), build)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changes is not None:
                if not request.htmx:
                    messages.success(request, f"Action {fiche.number} : " + ("; ".join(changes) if changes else "suivi confirmé, sans changement."))
                    if conflict:
                        messages.info(request, conflict.notice)
                    return redirect(f"{reverse('actions:tracking_period', args=[convention.slug, period])}#suivi-{key}")
                fiches = tracking_fiches(convention, period)
                for each in fiches:
                    each.needs_update = needs_update(each)
                row["fiche"] = saved = next(f for f in fiches if f.key == key)
                saved.saved_changes = changes or ["aucun changement"]
                saved.merge_notice = conflict.notice if conflict else ""
                summary = {**row, "oob": True, "missing": sum(f.needs_update for f in fiches),
                           "previous": period.previous() if period > periods[0] else None}
                return HttpResponse(render_to_string("actions/tracking.html#row", row, request)
                                    + render_to_string("actions/tracking.html#summary", summary, request))
    if request.htmx:
        fiche.needs_update = needs_update(fiche)
        fiche.form, fiche.conflict = form, conflict
        return render(request, "actions/tracking.html#row", row, status=409 if conflict else 200)
    return tracking_page(request, convention, period, periods, editing=key, form=form, conflict=conflict)


@require_POST
def tracking_copy(request, slug, period):
    convention = get_convention(request, slug, edit=True)
    period, _ = get_period(convention, period)

    try:
        count = services.tracking_copy_previous(convention, period, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{count} ligne{pluralize(count)} reprise{pluralize(count)} du trimestre {period.previous()} : "
            "vérifiez-les puis enregistrez-les une à une."
        )
    return redirect("actions:tracking_period", slug=convention.slug, period=period)


@require_GET
def tracking_export(request, slug, period):
    convention = get_convention(request, slug)
    period, _ = get_period(convention, period)
    filename, mimetype, content = TrackingWorkbook(period).generate(convention)
    return file_response(content, filename, mimetype)


@require_POST
def tracking_import(request, slug, period):
    """Upload a filled workbook: all its rows are applied, or none, with every error by cell."""
    convention = get_convention(request, slug, edit=True)
    period, periods = get_period(convention, period)
    form = TrackingImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return tracking_page(request, convention, period, periods, import_form=form)
    try:
        imported_period, rows = read_tracking_workbook(convention, form.cleaned_data["workbook"])
        report = services.tracking_import(convention, rows, imported_period, by=request.user)
    except WorkbookError as error:
        form.add_error("workbook", "Le classeur n'est pas importé : aucune donnée n'a été modifiée.")
        return tracking_page(request, convention, period, periods, import_form=form, report={"errors": error.errors})
    if imported_period != period:
        messages.info(request, f"Le classeur portait sur le trimestre {imported_period} : voici ce trimestre.")
    return tracking_page(request, convention, imported_period, periods, report={"result": report})
