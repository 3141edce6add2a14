"""« Nouvelle convention » and the preparation editors: « Parties et territoire », « Texte de la
convention » and one page per annexe, at /conventions/SLUG/preparer/PAGE/.

Every list has its « ajouter », « monter », « descendre » buttons: plain submit buttons that
re-display the page with the rows changed and nothing saved, so they work without JavaScript;
with htmx the same request comes back as the list's region alone (a `{% partialdef %}` named
`<region>-region`). « Enregistrer » saves the page in one service call (`editing.section_save`),
refused with 409 when someone changed the same part meanwhile."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from ctg import concurrency
from ctg.concurrency import BaseInputs
from ctg.errors import DomainError
from ctg.forms import formset_total, with_added_rows, with_swapped_rows

from . import editing, services
from .annex_forms import (
    DeliberationFormSet,
    DiagnosisGrid,
    EquipmentFormSet,
    IssueFormSet,
    SppeFormSet,
    annex_text_form,
    default_territories,
    deliberation_choices,
    equipment_choices,
    territory_names,
)
from .editor_forms import (
    ArticleFormSet,
    CommuneFormSet,
    ConventionCreateForm,
    ConventionTextForm,
    EditedSectionForm,
    PasteCommunesForm,
    RepresentativeFormSet,
    RowsFormSet,
    SignatoryFormSet,
    VisaFormSet,
    party_choices,
    period_hint,
)
from .enums import OrganisationKind, Role
from .model_text import PORTRAIT_INDICATORS
from .models import Convention, Organisation, Signatory
from .shortcuts import convention_context, get_convention


def row_action(data, regions):
    """Apply the row button pressed: « add_row » (a list's prefix) or « move » (« prefix:index:up »
    or « :down »). Returns the data and the region to show again, or None when the page is
    submitted to be saved. `regions`: {prefix: region}."""
    prefix = data.get("add_row")
    if prefix in regions:
        return with_added_rows(data, prefix), regions[prefix]
    prefix, _, rest = data.get("move", "").partition(":")
    index, _, direction = rest.partition(":")
    if prefix in regions and index.isdigit():
        index = int(index)
        return with_swapped_rows(data, prefix, index, index - 1 if direction == "up" else index + 1), regions[prefix]
    return data, None


def region_or_page(request, template, region, context, status=200):
    if region and request.htmx:
        return render(request, f"{template}#{region}-region", context, status=status)
    return render(request, template, context, status=status)


# ---------------------------------------------------------------------------------------------
# « Nouvelle convention »


def user_cafs(user):
    cafs = Organisation.objects.filter(kind=OrganisationKind.CAF).order_by("name")
    if user.is_superuser:
        return cafs
    return cafs.filter(memberships__user=user, memberships__role=Role.CAF).distinct()


def caf_representatives(caf):
    """Who signed the Caf's latest convention, to start from."""
    latest = Signatory.objects.filter(organisation=caf, convention__caf=caf).aggregate(start=Max("convention__start"))
    if latest["start"] is None:
        return [{}, {}]
    rows = Signatory.objects.filter(organisation=caf, convention__caf=caf, convention__start=latest["start"])
    return [{"representative": s.representative, "capacity": s.capacity} for s in rows.order_by("position", "id")]


def convention_create(request):
    if not request.user.has_perm("ctg.create_convention"):
        raise PermissionDenied("Seuls les agents d'une Caf créent une convention ; un coordinateur la prépare ensuite.")
    cafs = user_cafs(request.user)
    first = cafs.first()
    if first is None:
        raise PermissionDenied("Aucune Caf n'est enregistrée dans l'application.")
    data, region = (request.POST, None) if request.method == "POST" else (None, None)
    if data is not None:
        data, region = row_action(data, {"caf": "caf", "collectivites": "collectivites"})
    form = ConventionCreateForm(data, cafs=cafs)
    representatives = RepresentativeFormSet(
        data, prefix="caf", initial=caf_representatives(first) if form.single_caf else [{}, {}],
        required="Indiquez qui signe pour la Caf : au moins un représentant.",
    )
    collectivites = SignatoryFormSet(data, prefix="collectivites", initial=[{}], choices=party_choices(),
                                     required="Indiquez au moins une collectivité signataire.")
    saving = data is not None and region is None
    if saving and all([form.is_valid(), representatives.is_valid(), collectivites.is_valid()]):
        cleaned = form.cleaned_data
        try:
            convention = services.convention_create(
                by=request.user, title=cleaned["title"], caf=cleaned["caf"], start=cleaned["start"], end=cleaned["end"],
                signed_at=cleaned["signed_at"], communes=cleaned["communes"],
                caf_representatives=[(r["representative"], r["capacity"]) for r in representatives.rows()],
                collectivites=collectivites.rows(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"La convention « {convention.title} » est créée en préparation : son texte "
                                      "part du modèle habituel, à relire et compléter.")
            if hint := period_hint(convention.start, convention.end):
                messages.warning(request, hint)
            return redirect(convention.get_absolute_url())
    context = {"form": form, "representatives": representatives, "collectivites": collectivites,
               "submitted": saving}
    return region_or_page(request, "conventions/create.html", region, context)


# ---------------------------------------------------------------------------------------------
# The preparation pages


@dataclass(frozen=True)
class Page:
    """A preparation page: its section (`editing.SECTIONS`), its template, the lists it shows with
    their regions, and how its forms are built and read."""

    section: str
    template: str
    regions: dict
    build: object  # (data, convention, rows or None) -> {name: form or formset}
    collect: object  # forms -> {"fields": {…}, "lists": {…}}
    tab: str = "convention"
    anchor: str = ""
    extra_actions: object = None  # (request, data, convention) -> (data, region) or None

    @property
    def title(self):
        return editing.SECTIONS[self.section].title


def _rows(rows, name):
    return rows[name] if rows is not None else ()


def parties_forms(data, convention, rows):
    return {
        "signatories": SignatoryFormSet(data, prefix="signataires", rows=_rows(rows, "signatories"),
                                        choices=party_choices(convention),
                                        required="Une convention a des signataires : gardez au moins la Caf et une collectivité."),
        "communes": CommuneFormSet(data, prefix="communes", rows=_rows(rows, "communes"),
                                   required="Indiquez au moins une commune couverte par la convention."),
        "paste": PasteCommunesForm(data, prefix="coller"),
    }


def parties_lists(forms):
    """The signatories, and the communes of the list followed by those still in the paste box."""
    pasted = [{"id": None, "insee": insee, "name": name, "population": population}
              for insee, name, population in forms["paste"].cleaned_data["lines"]]
    return {"lists": {"signatories": forms["signatories"].rows(), "communes": forms["communes"].rows() + pasted}}


def paste_communes(request, data, convention):
    """« Ajouter à la liste »: the pasted lines become rows of the list, to check before saving."""
    if "paste_communes" not in data:
        return None
    paste = PasteCommunesForm(data, prefix="coller")
    if paste.is_valid() and paste.cleaned_data["lines"]:
        rows = [{"insee": insee, "name": name, "population": population}
                for insee, name, population in paste.cleaned_data["lines"]]
        data = with_added_rows(data, "communes", rows)
        data["coller-lines"] = ""
    return data, "communes"


def text_forms(data, convention, rows):
    return {
        "text": ConventionTextForm(data, instance=convention),
        "visas": VisaFormSet(data, prefix="visas", rows=_rows(rows, "visas")),
        "articles": ArticleFormSet(data, prefix="articles", rows=_rows(rows, "articles")),
    }


def annex_text_page(number, field_name, help_text):
    form_class = annex_text_form(field_name, f"Texte de l'annexe {number}", help_text)
    return Page(
        section=f"annexe-{number}", template="conventions/prepare_annex_text.html", regions={},
        build=lambda data, convention, rows: {"text": form_class(data, instance=convention)},
        collect=lambda forms: {"fields": {field_name: forms["text"].cleaned_data[field_name]}},
        tab="annexes", anchor=f"annexe-{number}",
    )


def diagnosis_forms(data, convention, rows):
    communes = list(convention.communes.all())
    signatories = list(convention.signatories.select_related("organisation"))
    summary = annex_text_form("diagnosis_summary", "Synthèse du diagnostic partagé",
                              "Ce que le diagnostic retient, données froides et chaudes (Markdown).", rows=6)
    return {
        "text": summary(data, instance=convention),
        "grid": DiagnosisGrid(data, convention=convention, indicators=_rows(rows, "indicators"),
                              names=territory_names(convention, communes, signatories)),
        "issues": IssueFormSet(data, prefix="enjeux", rows=_rows(rows, "issues")),
    }


def diagnosis_actions(request, data, convention):
    """« Ajouter les territoires de la convention » and « Ajouter les indicateurs usuels »."""
    if "add_territories" in data:
        present = {(data.get(f"territoires-{i}-level"), data.get(f"territoires-{i}-code"))
                   for i in range(formset_total(data, "territoires"))}
        rows = default_territories(convention, present)
        return (with_added_rows(data, "territoires", rows) if rows else data), "grid"
    if "add_indicators" in data:
        present = {data.get(f"indicateurs-{i}-indicator") for i in range(formset_total(data, "indicateurs"))}
        rows = [{"indicator": name, "unit": unit} for name, unit in PORTRAIT_INDICATORS if name not in present]
        return (with_added_rows(data, "indicateurs", rows) if rows else data), "grid"
    return None


def rows_page(section, template, prefix, name, formset_class, *, choices=None, anchor):
    def build(data, convention, rows):
        return {name: formset_class(data, prefix=prefix, rows=_rows(rows, name),
                                    choices=choices(convention) if choices else None)}

    return Page(section=section, template=template, regions={prefix: prefix}, build=build,
                collect=lambda forms: {"lists": {name: forms[name].rows()}}, tab="annexes", anchor=anchor)


def _equipment_choices(convention):
    return equipment_choices(convention, convention.signatories.select_related("organisation"), convention.communes.all())


def _deliberation_choices(convention):
    return deliberation_choices(convention, convention.signatories.select_related("organisation"))


PAGES = {
    "parties": Page(
        section="parties", template="conventions/prepare_parties.html",
        regions={"signataires": "signataires", "communes": "communes"}, build=parties_forms,
        collect=parties_lists,
        anchor="parties", extra_actions=paste_communes,
    ),
    "texte": Page(
        section="texte", template="conventions/prepare_text.html", regions={"visas": "visas", "articles": "articles"},
        build=text_forms, anchor="visas",
        collect=lambda forms: {
            "fields": {name: forms["text"].cleaned_data[name] for name in ("preamble", "signed_at", "signed_on")},
            "lists": {"visas": forms["visas"].rows(), "articles": forms["articles"].rows()},
        },
    ),
    "annexe-1": annex_text_page(1, "previous_evaluation",
                                "L'évaluation de la précédente CTG : le plan d'actions, puis la démarche (pilotage, "
                                "partenariat, transversalité). Markdown."),
    "annexe-2": Page(
        section="annexe-2", template="conventions/prepare_diagnosis.html",
        regions={"territoires": "grid", "indicateurs": "grid", "enjeux": "enjeux"}, build=diagnosis_forms,
        collect=lambda forms: {"fields": {"diagnosis_summary": forms["text"].cleaned_data["diagnosis_summary"]},
                               "lists": {"indicators": forms["grid"].rows(), "issues": forms["issues"].rows()}},
        tab="annexes", anchor="annexe-2", extra_actions=diagnosis_actions,
    ),
    "annexe-3": rows_page("annexe-3", "conventions/prepare_equipment.html", "equipements", "equipment", EquipmentFormSet,
                          choices=_equipment_choices, anchor="annexe-3"),
    "annexe-4": rows_page("annexe-4", "conventions/prepare_sppe.html", "sppe", "sppe", SppeFormSet, anchor="annexe-4"),
    "annexe-5": annex_text_page(5, "governance_text",
                                "Les instances (comité de pilotage, comité technique, commissions), leur composition "
                                "et leur fréquence, les chargés de coopération. Markdown."),
    "annexe-6": annex_text_page(6, "evaluation_text",
                                "Comment la convention est évaluée : suivi, points d'étape, bilans. Markdown."),
    "annexe-7": rows_page("annexe-7", "conventions/prepare_deliberations.html", "deliberations", "deliberations",
                          DeliberationFormSet, choices=_deliberation_choices, anchor="annexe-7"),
}


def done_url(convention, page):
    name = "conventions:annexes" if page.tab == "annexes" else "conventions:detail"
    return reverse(name, args=[convention.slug]) + (f"#{page.anchor}" if page.anchor else "")


def rebase_page(convention, section, forms, data):
    """The page's data rebased on the section as stored now (`ctg.concurrency`): the fields and rows
    only someone else changed take their stored value, the rows they added are appended; with the
    section's current fingerprint."""
    fresh = Convention.objects.get(pk=convention.pk)
    fingerprint, stored = editing.fingerprint(fresh, section)
    result = concurrency.Rebase(data.copy())
    result.data["fingerprint"], result.data["opened_at"] = fingerprint, timezone.now().isoformat()
    for name, form in forms.items():
        if isinstance(form, RowsFormSet):
            form.rebase(stored[name], result)
        elif isinstance(form, DiagnosisGrid):
            form.rebase(stored["indicators"], result, fresh)
        elif isinstance(form, BaseInputs) and getattr(form, "instance", None) is not None:
            concurrency.rebase_form(form, fresh, result)
    return result


def prepare(request, slug, part):
    """A preparation page: its forms from the stored rows (GET), a row button (POST, nothing
    saved), or the save (POST « Enregistrer »). A save made meanwhile by someone else on the same
    part is merged, or shown with 409 and the typing kept (`rebase_page`)."""
    page = PAGES.get(part)
    if page is None:
        raise Http404("Page de préparation inconnue.")
    convention = get_convention(request, slug, contract=True)
    section = editing.SECTIONS[page.section]
    region, conflict, status = None, None, 200

    def save(head, forms):
        editing.section_save(convention, section, by=request.user, fingerprint=head.cleaned_data["fingerprint"],
                             opened_at=head.cleaned_data["opened_at"], **page.collect(forms))

    if request.method == "POST":
        data = request.POST
        acted = page.extra_actions(request, data, convention) if page.extra_actions else None
        data, region = acted if acted else row_action(data, page.regions)
        head, forms = EditedSectionForm(data), page.build(data, convention, None)
        if region is None and head.is_valid() and all(form.is_valid() for form in forms.values()):
            try:
                try:
                    save(head, forms)
                except editing.EditConflict as error:
                    rebase = rebase_page(convention, section, forms, data)
                    conflict = concurrency.EditConflict(rebase, list(dict.fromkeys(e.author for e in error.changes)))
                    conflict.changes = error.changes
                    data = rebase.data
                    head, forms = EditedSectionForm(data), page.build(data, convention, None)
                    valid = head.is_valid() and all([form.is_valid() for form in forms.values()])
                    if rebase.clashes or not valid:
                        raise
                    save(head, forms)  # nothing both changed: the other person's changes are kept with these
            except editing.EditConflict:
                status = 409
            except DomainError as error:
                head.add_error(None, error.message)
            else:
                messages.success(request, f"{section.title} : modifications enregistrées.")
                if conflict:
                    messages.info(request, conflict.notice)
                return redirect(done_url(convention, page))
    else:
        fingerprint, rows = editing.fingerprint(convention, section)
        head = EditedSectionForm(initial={"fingerprint": fingerprint, "opened_at": timezone.now().isoformat()})
        forms = page.build(None, convention, rows)
    submitted = request.method == "POST" and region is None and status != 409
    context = convention_context(request, convention, page.tab)
    context.update(page=page, pages=PAGES, part=part, head=head, conflict=conflict if status == 409 else None,
                   submitted=submitted,
                   invalid=submitted and (bool(head.errors) or not all(form.is_valid() for form in forms.values())),
                   **forms)
    return region_or_page(request, page.template, region, context, status)
