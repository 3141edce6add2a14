from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ctg.errors import DomainError
from ctg.shortcuts import run_and_report

from . import services
from .diagnosis import diagnosis_table
from .enums import ANNEX_TITLES
from .forms import OPERATION_FORMS, AvenantArticleFormSet, AvenantForm, SignForm
from .journal import GROUPS, journal_page
from .models import Article, Avenant, Convention, Signatory, Visa
from .parties import signature_context
from .shortcuts import convention_context, get_avenant, get_convention


def convention_list(request):
    conventions = (
        Convention.objects.for_user(request.user)
        .select_related("caf")
        .prefetch_related(Prefetch("signatories", queryset=Signatory.objects.select_related("organisation")))
        .annotate(
            fiche_count=Count("fiches", filter=Q(fiches__avenant__isnull=True), distinct=True),
            avenant_count=Count("avenants", distinct=True),
        )
        .order_by("-start", "title")
    )
    return render(request, "conventions/list.html", {
        "conventions": conventions, "can_create": request.user.has_perm("ctg.create_convention"),
    })


def convention_detail(request, slug):
    """The body of the convention as in force on the chosen date."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "convention")
    avenants = list(convention.avenants.prefetch_related("operations__fiche", "operations__target_fiche",
                                                         "operations__equipment", "operations__target_equipment"))
    context.update(
        **signature_context(convention),
        communes=convention.communes.all(),
        visas=convention.visas.filter(avenant__isnull=True),
        avenants=avenants,
        timeline=timeline(convention, avenants, convention.milestones.all()),
    )
    return render(request, "conventions/detail.html", context)


def avenant_detail(request, slug, number):
    convention, avenant = get_avenant(request, slug, number)
    return render(request, "conventions/avenant.html", avenant_context(request, convention, avenant))


def annexes(request, slug):
    """Annexes 1 to 7 as in force on the chosen date."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "annexes")
    state = context["state"]
    equipment = list(state.equipment.select_related("funded_by").order_by("funded_by__name", "position", "id"))
    context.update(
        annex_titles=ANNEX_TITLES,
        diagnosis=diagnosis_table(convention, list(convention.diagnosis_indicators.all())),
        issues=convention.diagnosis_issues.all(),
        equipment=equipment,
        equipment_totals={
            "caf": sum(e.caf_funding or 0 for e in equipment),
            "local": sum(e.local_funding or 0 for e in equipment),
        },
        sppe_rows=convention.sppe_rows.all(),
        deliberations=convention.deliberations.select_related("signatory"),
    )
    return render(request, "conventions/annexes.html", context)


def journal(request, slug):
    """Who changed what on the convention, newest first, for every role that reads it."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "journal")
    group = request.GET.get("objet", "")
    context.update(journal=journal_page(convention, group=group, page=request.GET.get("page")),
                   groups=GROUPS, group=group if group in GROUPS else "")
    return render(request, "conventions/journal.html", context)


def timeline(convention, avenants, milestones):
    """The life of the convention in date order: signature, avenants with their changes, milestones."""
    events = []
    if convention.signed_on:
        events.append({"date": convention.signed_on, "kind": "signature", "title": "Signature de la convention"})
    events.append({"date": convention.start, "kind": "periode", "title": "Début de la convention"})
    for avenant in avenants:
        events.append({"date": avenant.effective_from, "kind": "avenant", "avenant": avenant,
                       "title": f"Avenant n°{avenant.number}{'' if avenant.is_signed else ' (brouillon)'} : prise d'effet"})
    for milestone in milestones:
        events.append({"date": milestone.end, "kind": "jalon", "milestone": milestone, "title": milestone.title})
    events.append({"date": convention.end, "kind": "periode", "title": "Fin de la convention"})
    return sorted(events, key=lambda e: e["date"])


def avenant_context(request, convention, avenant):
    context = convention_context(request, convention, "convention")
    context.update(
        avenant=avenant,
        visas=Visa.objects.filter(avenant=avenant),
        articles=Article.objects.filter(avenant=avenant),
        operations=avenant.operations.select_related("fiche", "target_fiche", "equipment", "target_equipment"),
        **signature_context(convention),
    )
    if context["can_edit"] and not avenant.is_signed:
        context["operation_forms"] = {
            kind: (label, form_class(prefix=kind, avenant=avenant)) for kind, (label, form_class) in OPERATION_FORMS.items()
        }
        context["sign_form"] = SignForm(instance=avenant, initial={"signed_at": avenant.signed_at})
    return context


def avenant_create(request, slug):
    convention = get_convention(request, slug, edit=True)
    form = AvenantForm(request.POST or None, convention=convention,
                       initial={"visas": "\n".join(convention.visas.filter(avenant__isnull=True).values_list("text", flat=True))})
    if request.method == "POST" and form.is_valid():
        try:
            avenant = services.avenant_create(convention, by=request.user, visas=form.visa_lines,
                                              **form.avenant_fields())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"L'avenant n°{avenant.number} est créé en brouillon.")
            return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)
    context = convention_context(request, convention, "convention")
    context.update(form=form, proposed_number=services.next_avenant_number(convention))
    return render(request, "conventions/avenant_form.html", context)


def refuse_signed(request, convention, avenant):
    """A signed text is never rewritten: refused (403) like any change the user may not make."""
    messages.error(request, f"L'avenant n°{avenant.number} est signé : il ne peut plus être modifié.")
    return render(request, "conventions/avenant.html", avenant_context(request, convention, avenant), status=403)


def avenant_edit(request, slug, number):
    convention, avenant = get_avenant(request, slug, number, edit=True)
    if avenant.is_signed:
        return refuse_signed(request, convention, avenant)
    data = request.POST if request.method == "POST" else None
    form = AvenantForm(data, instance=avenant, convention=convention)
    articles = AvenantArticleFormSet(data, instance=avenant, prefix="articles")
    if data is not None and form.is_valid() and articles.is_valid():
        try:
            services.avenant_update(avenant, by=request.user, visas=form.visa_lines, articles=articles,
                                    **form.avenant_fields())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"L'avenant n°{avenant.number} est enregistré.")
            return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)
    context = convention_context(request, convention, "convention")
    context.update(form=form, articles=articles, avenant=avenant, proposed_number=avenant.number)
    return render(request, "conventions/avenant_form.html", context)


def apply_operation(kind, avenant, form, user):
    data = form.cleaned_data
    match kind:
        case "abroger-fiche":
            services.operation_abrogate_fiche(avenant, data["fiche"], by=user)
        case "modifier-fiche":
            return services.operation_replace_fiche(avenant, data["fiche"], by=user)
        case "ajouter-fiche":
            return services.operation_add_fiche(avenant, by=user, axis=data["axis"], title=data["title"])
        case "modifier-article":
            services.operation_amend_article(avenant, by=user, **data)
        case "modifier-annexe":
            services.operation_amend_annex(avenant, by=user, **data)
        case "ajouter-equipement":
            services.operation_add_equipment(avenant, by=user, **data)
        case "abroger-equipement":
            services.operation_abrogate_equipment(avenant, data["equipment"], by=user)
    return None


@require_POST
def operation_add(request, slug, number, kind):
    convention, avenant = get_avenant(request, slug, number, edit=True)
    if kind not in OPERATION_FORMS:
        raise Http404
    if avenant.is_signed:
        return refuse_signed(request, convention, avenant)
    label, form_class = OPERATION_FORMS[kind]
    form = form_class(request.POST, prefix=kind, avenant=avenant)
    if form.is_valid():
        try:
            fiche = apply_operation(kind, avenant, form, request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "L'opération est ajoutée à l'avenant.")
            if fiche is not None:
                # A new or modified fiche is written in the fiche editor, as in force on the effect date.
                return redirect("actions:fiche_edit", slug=convention.slug, key=fiche.key)
            return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)
    context = avenant_context(request, convention, avenant)
    context["operation_forms"][kind] = (label, form)
    context["open_form"] = kind
    return render(request, "conventions/avenant.html", context)


def _operation(request, slug, number, pk):
    convention, avenant = get_avenant(request, slug, number, edit=True)
    return convention, avenant, get_object_or_404(avenant.operations, pk=pk)


@require_POST
def operation_delete(request, slug, number, pk):
    convention, avenant, operation = _operation(request, slug, number, pk)
    run_and_report(request, lambda: services.operation_delete(operation, by=request.user), "L'opération est retirée.")
    return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)


@require_POST
def operation_move(request, slug, number, pk):
    convention, avenant, operation = _operation(request, slug, number, pk)
    direction = -1 if request.POST.get("direction") == "up" else 1
    run_and_report(request, lambda: services.operation_move(operation, direction, by=request.user),
                   "L'ordre des opérations est modifié.")
    return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)


@require_POST
def avenant_object_article(request, slug, number):
    convention, avenant = get_avenant(request, slug, number, edit=True)
    run_and_report(request, lambda: services.avenant_generate_object_article(avenant, by=request.user),
                   "L'article 1 « Objet de l'avenant » est rédigé à partir des opérations.")
    return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)


@require_POST
def avenant_sign(request, slug, number):
    convention, avenant = get_avenant(request, slug, number, edit=True)
    if avenant.is_signed:
        return refuse_signed(request, convention, avenant)
    # A separate instance: a refused signature must not show its typed date as if signed.
    form = SignForm(request.POST, instance=Avenant.objects.get(pk=avenant.pk))
    if form.is_valid():
        try:
            services.avenant_sign(avenant, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"L'avenant n°{avenant.number} est signé ; il s'applique à compter du "
                                      f"{avenant.effective_from:%d/%m/%Y}.")
            return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)
    context = avenant_context(request, convention, avenant)
    context["sign_form"] = form
    return render(request, "conventions/avenant.html", context)
