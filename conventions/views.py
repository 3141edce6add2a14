import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from actions.models import Fiche
from ctg.errors import DomainError
from ctg.shortcuts import run_and_report

from . import lifecycle, services
from .diagnosis import diagnosis_table
from .enums import ANNEX_TITLES, AmendMode, AvenantStatus, ConventionStatus
from .forms import (
    OPERATION_FORMS,
    AvenantArticleFormSet,
    AvenantForm,
    CafValidationForm,
    ConventionSignForm,
    PrefectureStampForm,
    SignedOriginalForm,
    SignForm,
    StatusNoteForm,
)
from .journal import GROUPS, journal_page
from .models import Article, Avenant, Convention, Signatory, Visa
from .originals import (
    OriginalConflict,
    SignedOriginal,
    conflict_message,
    is_avenant,
    original_attach,
    original_refusal,
)
from .parties import signature_context
from .shortcuts import convention_context, get_avenant, get_convention

logger = logging.getLogger(__name__)


def convention_list(request):
    today = timezone.localdate()
    conventions = list(
        Convention.objects.for_user(request.user)
        .select_related("caf")
        .prefetch_related(Prefetch("signatories", queryset=Signatory.objects.select_related("organisation")))
        .annotate(
            fiche_count=Fiche.objects.count_in_force(today),
            avenant_count=Count("avenants", distinct=True),
        )
        .with_phase_facts(today)
        .order_by("-start", "title")
    )
    for convention in conventions:
        convention.phase = convention.phase_on(today, end=convention.end_in_force, renewal_from=convention.renewal_from)
    return render(request, "conventions/list.html", {
        "conventions": conventions, "can_create": request.user.has_perm("ctg.create_convention"),
    })


def convention_detail(request, slug):
    """The body of the convention as in force on the chosen date."""
    convention = get_convention(request, slug)
    return render(request, "conventions/detail.html", detail_context(request, convention))


def detail_context(request, convention, *, original_form=None):
    context = convention_context(request, convention, "convention")
    avenants = list(convention.avenants.prefetch_related("operations__fiche", "operations__target_fiche",
                                                         "operations__equipment", "operations__target_equipment"))
    context.update(
        **signature_context(convention),
        communes=convention.communes.all(),
        visas=convention.visas.filter(avenant__isnull=True),
        avenants=avenants,
        timeline=timeline(convention, avenants, convention.milestones.all(),
                          convention.status_changes.select_related("by")),
        note_form=StatusNoteForm(),
        **originals_context(request, convention, convention, form=original_form),
    )
    return context


def avenant_detail(request, slug, number):
    convention, avenant = get_avenant(request, slug, number)
    context = avenant_context(request, convention, avenant)
    if "operation_forms" in context and (proposal := proposal_form(avenant, request.GET.get("proposer", ""))):
        kind, label, form = proposal
        context["operation_forms"][kind] = (label, form)
        context["open_form"] = kind
    return render(request, "conventions/avenant.html", context)


# « Proposer dans un avenant » on an article or an annexe: the part, its operation form, its field.
PROPOSALS = {"article": ("modifier-article", "article_number"), "annexe": ("modifier-annexe", "annex")}


def proposal_form(avenant, proposal):
    """The operation form a proposal (`article-11`, `annexe-5`) opens on the draft avenant, filled
    with the text in force on its effect date, to edit; None when the proposal names nothing."""
    part, _, number = proposal.partition("-")
    if part not in PROPOSALS:
        return None
    state = avenant.convention.as_of(avenant.effective_from)
    if part == "article":
        text = next((a.body for a in state.articles if a.number == number), None)
    else:
        text = state.annex_texts[int(number)].body if number.isdigit() and int(number) in state.annex_texts else None
    if text is None:
        return None
    kind, field = PROPOSALS[part]
    label, form_class = OPERATION_FORMS[kind]
    # Tables (annexes 3, 4, 7) have no text in force: their change is written as a complement.
    mode = AmendMode.REPLACE if text else AmendMode.COMPLETE
    return kind, label, form_class(prefix=kind, avenant=avenant, initial={field: number, "mode": mode, "body": text})


@require_POST
def text_propose(request, slug, part, number):
    """« Proposer dans un avenant » on an article or an annexe of a signed convention: the draft
    avenant (the one chosen, the latest, or a new one) with the operation's editor open and filled."""
    convention = get_convention(request, slug, edit=True)
    if not request.user.has_perm("ctg.propose_avenant", convention):
        raise PermissionDenied("Cette convention n'est pas signée : modifiez son texte directement.")
    exists = (convention.articles.filter(avenant__isnull=True, number=number).exists() if part == "article"
              else part == "annexe" and number in {str(n) for n in ANNEX_TITLES})
    if not exists:
        raise Http404("Article ou annexe inconnu.")
    avenant = None
    if chosen := request.POST.get("avenant"):
        avenant = get_object_or_404(convention.avenants, number=chosen if chosen.isdigit() else 0,
                                    status=AvenantStatus.BROUILLON)
    try:
        avenant = services.draft_avenant_for(convention, by=request.user, avenant=avenant)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(convention)
    what = f"l'article {number}" if part == "article" else f"l'annexe {number}"
    messages.info(request, f"Rédigez la modification de {what} dans l'avenant n°{avenant.number} (brouillon) : "
                           "elle ne s'appliquera qu'une fois l'avenant signé.")
    url = reverse("conventions:avenant", args=[convention.slug, avenant.number])
    return redirect(f"{url}?proposer={part}-{number}#operation-{PROPOSALS[part][0]}")


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
        deliberations=convention.deliberations.select_related("organisation"),
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


def timeline(convention, avenants, milestones, status_changes=()):
    """The life of the convention in date order: signature, changes of status (who, why),
    avenants with their changes, milestones."""
    events = []
    if convention.signed_on:
        events.append({"date": convention.signed_on, "kind": "signature", "title": "Signature de la convention"})
    for change in status_changes:
        events.append({"date": timezone.localtime(change.at).date(), "kind": "statut", "change": change,
                       "title": f"Statut : {change.get_to_status_display().lower()}"})
    events.append({"date": convention.start, "kind": "periode", "title": "Début de la convention"})
    for avenant in avenants:
        events.append({"date": avenant.effective_from, "kind": "avenant", "avenant": avenant,
                       "title": f"Avenant n°{avenant.number}{'' if avenant.is_signed else ' (brouillon)'} : prise d'effet"})
    for milestone in milestones:
        events.append({"date": milestone.end, "kind": "jalon", "milestone": milestone, "title": milestone.title})
    events.append({"date": convention.end, "kind": "periode", "title": "Fin de la convention"})
    return sorted(events, key=lambda e: e["date"])


def avenant_context(request, convention, avenant, *, original_form=None):
    context = convention_context(request, convention, "convention")
    context.update(
        avenant=avenant,
        visas=Visa.objects.filter(avenant=avenant),
        articles=Article.objects.filter(avenant=avenant),
        operations=avenant.operations.select_related("fiche", "target_fiche", "equipment", "target_equipment"),
        **signature_context(convention),
        **originals_context(request, convention, avenant, form=original_form),
    )
    if context["can_edit"] and not avenant.is_signed:
        context["operation_forms"] = {
            kind: (label, form_class(prefix=kind, avenant=avenant)) for kind, (label, form_class) in OPERATION_FORMS.items()
        }
        if context["can_sign"]:
            context["sign_form"] = SignForm(instance=avenant, initial={"signed_at": avenant.signed_at})
    return context


def avenant_create(request, slug):
    convention = get_convention(request, slug, edit=True)
    if not convention.is_signed:
        raise PermissionDenied("Cette convention n'est pas signée : un avenant ne modifie qu'une convention signée ; "
                               "en préparation, le texte et le plan d'actions se modifient directement.")
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
    if avenant.is_signed:
        return refuse_signed(request, convention, avenant)
    run_and_report(request, lambda: services.operation_delete(operation, by=request.user), "L'opération est retirée.")
    return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)


@require_POST
def operation_move(request, slug, number, pk):
    convention, avenant, operation = _operation(request, slug, number, pk)
    if avenant.is_signed:
        return refuse_signed(request, convention, avenant)
    direction = -1 if request.POST.get("direction") == "up" else 1
    run_and_report(request, lambda: services.operation_move(operation, direction, by=request.user),
                   "L'ordre des opérations est modifié.")
    return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)


@require_POST
def avenant_object_article(request, slug, number):
    convention, avenant = get_avenant(request, slug, number, edit=True)
    if avenant.is_signed:
        return refuse_signed(request, convention, avenant)
    run_and_report(request, lambda: services.avenant_generate_object_article(avenant, by=request.user),
                   "L'article 1 « Objet de l'avenant » est rédigé à partir des opérations.")
    return redirect("conventions:avenant", slug=convention.slug, number=avenant.number)


@require_POST
def avenant_sign(request, slug, number):
    convention, avenant = get_avenant(request, slug, number, sign=True)
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


@require_POST
def fiche_propose(request, slug, key):
    """« Proposer dans un avenant »: open the fiche editor on the version a draft avenant proposes
    (the one there, or a new one; `avenant`: the number of the draft to use)."""
    convention = get_convention(request, slug, edit=True)
    fiche = get_object_or_404(convention.fiches, key=key, is_current=True)
    fiche.convention = convention
    if not request.user.has_perm("ctg.propose_avenant", convention):
        raise PermissionDenied("Cette convention n'est pas signée : modifiez la fiche directement.")
    avenant = None
    if number := request.POST.get("avenant"):
        avenant = get_object_or_404(convention.avenants, number=number if number.isdigit() else 0,
                                    status=AvenantStatus.BROUILLON)
    try:
        proposed = services.fiche_propose_change(fiche, by=request.user, avenant=avenant)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("actions:fiche", slug=convention.slug, key=fiche.key)
    messages.success(request, f"La modification de l'action {fiche.number} est proposée dans l'avenant "
                              f"n°{proposed.avenant.number} (brouillon) : rédigez-la ici ; elle ne s'appliquera "
                              "qu'une fois l'avenant signé.")
    return redirect("actions:fiche_edit", slug=convention.slug, key=proposed.key)


# ---------------------------------------------------------------------------------------------
# Lifecycle (`lifecycle.py`): the signature, the préfecture stamp, the changes of status.


def _in_preparation(convention):
    if convention.status != ConventionStatus.PREPARATION:
        raise PermissionDenied(
            "Cette convention est déjà signée." if convention.is_signed
            else "La préparation de cette convention est abandonnée : reprenez-la avant de la signer."
        )


def signature_page(request, convention, form, *, validation_form=None, refusal=None):
    context = convention_context(request, convention, "convention")
    typed = form.cleaned_data.get("signed_on") if hasattr(form, "cleaned_data") else None
    context.update(
        form=form,
        validation_form=validation_form or CafValidationForm(instance=convention),
        checks=lifecycle.signature_checks(convention, signed_on=typed, with_signature=False),
        refusal=refusal,
        inventory=lifecycle.frozen_inventory(convention),
    )
    return render(request, "conventions/signature.html", context)


def signature(request, slug):
    """The confirmation page of the signature (Caf staff): what becomes frozen, what is still
    missing (each at its place), the Caf's own validation, and the signature form."""
    convention = get_convention(request, slug, sign=True)
    _in_preparation(convention)
    form = ConventionSignForm(request.POST or None, instance=Convention.objects.get(pk=convention.pk))
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.convention_sign(convention, by=request.user, **form.cleaned_data)
        except lifecycle.SignatureRefused as error:
            refusal = error
            for place in ("signed_on", "signed_at"):
                for message in error.problems.get(place, ()):
                    form.add_error(place, message)
        except DomainError as error:  # signed or abandoned meanwhile
            raise PermissionDenied(error.message) from error
        else:
            messages.success(request, "La convention est signée. Son texte, ses annexes et son plan d'actions sont "
                                      "désormais figés : ils ne changent plus que par avenant.")
            return redirect(convention)
    return signature_page(request, convention, form, refusal=refusal)


@require_POST
def caf_validation(request, slug):
    """Record the Caf's own validation, from the confirmation page of the signature."""
    convention = get_convention(request, slug, sign=True)
    _in_preparation(convention)
    form = CafValidationForm(request.POST, instance=Convention.objects.get(pk=convention.pk))
    if form.is_valid():
        lifecycle.convention_record_caf_validation(convention, by=request.user, body=form.cleaned_data["caf_validation_body"],
                                                   on=form.cleaned_data["caf_validation_on"])
        messages.success(request, "La validation par la Caf est enregistrée.")
        return redirect(f"{reverse('conventions:signature', args=[convention.slug])}#validation-caf")
    sign_form = ConventionSignForm(instance=convention)
    return signature_page(request, convention, sign_form, validation_form=form)


def prefecture_stamp(request, slug):
    """Record the préfecture stamp of a signed convention (Caf staff), at any time after signature."""
    convention = get_convention(request, slug, sign=True)
    if not convention.is_signed:
        raise PermissionDenied("Le tampon de la préfecture s'enregistre une fois la convention signée.")
    form = PrefectureStampForm(request.POST or None, instance=Convention.objects.get(pk=convention.pk))
    if request.method == "POST" and form.is_valid():
        lifecycle.convention_record_prefecture_stamp(convention, by=request.user, **form.cleaned_data)
        messages.success(request, "Le tampon de la préfecture est enregistré.")
        return redirect(f"{convention.get_absolute_url()}#signature")
    context = convention_context(request, convention, "convention")
    context["form"] = form
    return render(request, "conventions/prefecture_form.html", context)


TRANSITIONS = {
    "renouvellement": (lifecycle.convention_start_renewal, "La convention est en renouvellement."),
    "abandon": (lifecycle.convention_abandon, "La préparation de la convention est abandonnée."),
    "reprise": (lifecycle.convention_resume, "La préparation de la convention reprend."),
}


@require_POST
def status_change(request, slug, action):
    """Start the renewal, abandon or resume a preparation (Caf staff), with an optional note."""
    convention = get_convention(request, slug, sign=True)
    if action not in TRANSITIONS:
        raise Http404
    service, success = TRANSITIONS[action]
    form = StatusNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    run_and_report(request, lambda: service(convention, by=request.user, note=note), success)
    return redirect(convention)


# ---------------------------------------------------------------------------------------------
# Signed originals (`originals.py`): the scanned PDF of a signed convention or avenant.


def originals_context(request, convention, act, *, form=None):
    """The originals of `act` (the convention or one of its avenants), the current one first, and
    for the Caf, once the act is signed, the form that deposits or replaces it."""
    # Only a signed act has originals: a draft's page reads none.
    originals = list(SignedOriginal.objects.of(act)) if act.is_signed else []
    if form is None and not original_refusal(act) and request.user.has_perm("ctg.sign_convention", convention):
        form = SignedOriginalForm(current=originals[0] if originals else None)
    avenant = act if is_avenant(act) else None
    return {
        "originals": originals,
        "original_act_signed": act.is_signed,
        "original_form": form,
        "original_upload_url": reverse("conventions:avenant_original", args=[convention.slug, avenant.number])
        if avenant else reverse("conventions:original", args=[convention.slug]),
    }


@require_POST
def original_upload(request, slug, number=None):
    """Deposit (or replace, with the reason) the signed original of the convention or of its
    avenant `number`: the Caf, once the act is signed. An invalid file is refused at the field
    (200); someone else's deposit meanwhile is a conflict (409)."""
    convention, avenant = get_avenant(request, slug, number) if number is not None else (get_convention(request, slug), None)
    act = avenant or convention
    if not request.user.has_perm("ctg.sign_convention", convention):
        raise PermissionDenied("Seule la Caf dépose l'original signé de la convention et de ses avenants.")
    if refusal := original_refusal(act):
        raise PermissionDenied(refusal)
    current = SignedOriginal.objects.of(act).first()
    form = SignedOriginalForm(request.POST, request.FILES, current=current)
    conflict = conflict_message(current) if form.is_stale() else None
    if conflict is None and form.is_valid():
        try:
            original_attach(act, form.cleaned_data["file"], by=request.user, note=form.cleaned_data.get("note", ""),
                            replacing=form.cleaned_data["replacing"])
        except OriginalConflict as error:
            conflict = error.message
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            what = f"de l'avenant n°{avenant.number}" if avenant else "de la convention"
            messages.success(request, f"L'original signé {what} est déposé.")
            page = reverse("conventions:avenant", args=[slug, number]) if avenant else convention.get_absolute_url()
            return redirect(f"{page}#original-signe")
    if conflict:  # the form again, for the original there now; the reason typed is kept
        form = SignedOriginalForm(current=SignedOriginal.objects.of(act).first(), initial={"note": form.typed_note()})
    if avenant:
        context, template = avenant_context(request, convention, avenant, original_form=form), "conventions/avenant.html"
    else:
        context, template = detail_context(request, convention, original_form=form), "conventions/detail.html"
    context["original_conflict"] = conflict
    return render(request, template, context, status=409 if conflict else 200)


def original_download(request, slug, pk):
    """A signed original, current or replaced, for everyone with a role on the convention."""
    convention = get_convention(request, slug)
    original = get_object_or_404(convention.signed_originals.select_related("avenant"), pk=pk)
    original.convention = convention
    current = SignedOriginal.objects.of(original.avenant or convention).values_list("pk", flat=True).first()
    try:
        content = original.file.open("rb")
    except FileNotFoundError:
        logger.error("Signed original %s of %s: file %s missing from storage", pk, slug, original.file.name)
        raise Http404("Le fichier de cet original est introuvable : signalez-le à l'administrateur.") from None
    response = FileResponse(content, as_attachment=True, filename=original.download_name(current=current == pk),
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
