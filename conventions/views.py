from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from ctg.shortcuts import convention_context, get_convention

from .enums import ANNEX_TITLES
from .models import Article, Convention, Signatory, Visa


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
    return render(request, "conventions/list.html", {"conventions": conventions})


def convention_detail(request, slug):
    """The body of the convention as in force on the chosen date."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "convention")
    context.update(
        signatories=convention.signatories.select_related("organisation"),
        communes=convention.communes.all(),
        visas=convention.visas.filter(avenant__isnull=True),
        avenants=convention.avenants.prefetch_related("operations__fiche", "operations__target_fiche",
                                                      "operations__equipment", "operations__target_equipment"),
    )
    return render(request, "conventions/detail.html", context)


def avenant_detail(request, slug, number):
    convention = get_convention(request, slug)
    avenant = get_object_or_404(convention.avenants, number=number)
    context = convention_context(request, convention, "convention")
    context.update(
        avenant=avenant,
        visas=Visa.objects.filter(avenant=avenant),
        articles=Article.objects.filter(avenant=avenant),
        operations=avenant.operations.select_related("fiche", "target_fiche", "equipment", "target_equipment"),
        signatories=convention.signatories.select_related("organisation"),
    )
    return render(request, "conventions/avenant.html", context)


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
        deliberations=convention.deliberations.all(),
    )
    return render(request, "conventions/annexes.html", context)


LEVEL_ORDER = {"commune": 0, "epci": 1, "departement": 2}


def diagnosis_table(convention, indicators):
    """Pivot the portrait de territoire: one row per indicator and year, one column per territory
    (communes, then the EPCI, then the département), as the seeds compare them."""
    names = {c.insee: c.name for c in convention.communes.all()}
    names.update(
        (s.organisation.code, s.organisation.name)
        for s in convention.signatories.select_related("organisation")
        if s.organisation.code
    )
    columns = sorted({(i.level, i.territory) for i in indicators}, key=lambda c: (LEVEL_ORDER.get(c[0], 9), c[1]))
    rows = {}
    for item in indicators:
        row = rows.setdefault((item.indicator, item.year, item.unit), {})
        row[(item.level, item.territory)] = item.value
    return {
        "columns": [{"level": level, "code": code, "name": names.get(code, code)} for level, code in columns],
        "rows": [
            {"indicator": indicator, "year": year, "unit": unit, "values": [values.get(c) for c in columns]}
            for (indicator, year, unit), values in rows.items()
        ],
    }
