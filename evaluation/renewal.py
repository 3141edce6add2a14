"""« Préparer le renouvellement »: the next CTG of a territory, created in préparation from the one
it renews (`003_…`, « Calendrier de renouvellement des CTG »; `000_…`, the evaluation that opens
a renewal).

What the new CTG takes from the previous one: its parties and their representatives, its
communes, the place of signature, its governance bodies and their members, its chargés de
coopération, the equipment and services of annexe 3 in force, the diagnosis indicators of
annexe 2, the fiches the user chooses to continue (each a draft linked to the action it continues,
on the axes and objectives they belong to) and, in annexe 1, the previous CTG's bilan final: its
figures and its written parts. Its body starts from the model text, like any new CTG: the period,
the deliberations and the Caf's validation are the new CTG's own. The renewal milestones the
previous CTG carries are shown on the new one's evaluation page (`previous_renewal_milestones`).
"""

import datetime
import re

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from actions.enums import Nature, UpdateStatus
from actions.models import (
    Axis,
    Fiche,
    FicheTheme,
    Indicator,
    Objective,
    Update,
    refresh_current_flags,
)
from conventions.enums import OrganisationKind
from conventions.models import Convention, DiagnosisIndicator, Equipment
from conventions.services import convention_create
from ctg.errors import DomainError
from ctg.history import acting
from governance.models import Body, CooperationOfficer, Member

from .enums import BilanKind, MilestoneStatus
from .figures import bilan_figures
from .models import RENEWAL_KINDS, Bilan
from .services import milestones_generate

RENEWAL_REASON = "Préparation du renouvellement"


def years(convention):
    return f"{convention.start:%Y}-{convention.end:%Y}"


def reference_date(previous, today=None):
    """The day whose plan the renewal continues: today, or the previous CTG's end once passed."""
    today = today or timezone.localdate()
    return min(today, previous.end_on(today))


# Actions not offered to continue by default: their latest update says they are over.
FINISHED = {UpdateStatus.REALISEE, UpdateStatus.ABANDONNEE}


def renewable_fiches(previous, today=None):
    """The actions of the previous CTG a renewal may continue: its plan in force on the reference
    date, in plan order, each with its `latest_status` (quarterly tracking)."""
    latest = Update.objects.filter(fiche=OuterRef("pk")).order_by("-period").values("status")[:1]
    return list(
        Fiche.objects.filter(convention=previous).in_force(reference_date(previous, today))
        .select_related("axis", "objective", "commune")
        .prefetch_related("theme_links", "indicators", "lead_organisations")
        .annotate(latest_status=Subquery(latest))
        .order_by("axis__number", "number", "id")
    )


def default_period(previous, today=None):
    """The day after the previous CTG's end (as extended by avenants), for five years."""
    start = previous.end_on(today or timezone.localdate()) + datetime.timedelta(days=1)
    try:
        end = start.replace(year=start.year + 5) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + 5, day=28)
    return start, end


def renewal_refusal(previous):
    """Why `previous` cannot be renewed now, in French; "" when it can."""
    if not previous.is_signed:
        return "Seule une convention signée se renouvelle : celle-ci n'est pas encore signée."
    if successor := previous.successor:
        return f"Le renouvellement est déjà en préparation : « {successor.title} » ({years(successor)})."
    return ""


def slug_text(previous, start):
    """The new CTG's slug comes from the previous one's, with the new start year: roumois-seine-2022
    gives roumois-seine-2027."""
    return f"{re.sub(r'-(19|20)[0-9]{2}$', '', previous.slug)} {start.year}"


@transaction.atomic
def convention_renew(previous, *, by, title, start, end, fiche_ids=()):
    """The next CTG of `previous`'s territory, in préparation and linked to it (see the module);
    `fiche_ids` are the actions of `renewable_fiches` that continue. All or nothing."""
    previous = Convention.objects.select_for_update().get(pk=previous.pk)
    if refusal := renewal_refusal(previous):
        raise DomainError(refusal)
    if start <= previous.start:
        raise DomainError(
            f"La nouvelle CTG doit commencer après le début de la précédente ({previous.start:%d/%m/%Y})."
        )
    available = {fiche.pk: fiche for fiche in renewable_fiches(previous)}
    unknown = set(fiche_ids) - set(available)
    if unknown:
        raise DomainError("Une action choisie n'est plus en vigueur dans la CTG précédente : rechargez la page.")
    signatories = list(previous.signatories.select_related("organisation"))
    caf_representatives = [(s.representative, s.capacity) for s in signatories if s.organisation_id == previous.caf_id]
    collectivites = [
        {"organisation": s.organisation, "new_organisation": None, "representative": s.representative,
         "capacity": s.capacity}
        for s in signatories if s.organisation_id != previous.caf_id and s.organisation.kind != OrganisationKind.CAF
    ]
    communes = [(c.insee, c.name, c.population) for c in previous.communes.all()]
    with acting(by, reason=RENEWAL_REASON):
        convention = convention_create(
            by=by, title=title, caf=previous.caf, start=start, end=end, signed_at=previous.signed_at,
            caf_representatives=caf_representatives, collectivites=collectivites, communes=communes,
            slug_from=slug_text(previous, start),
        )
        convention.predecessor = previous
        convention.previous_evaluation = previous_evaluation_text(previous)
        convention.save(update_fields=["predecessor", "previous_evaluation"])
        _copy_territory(previous, convention)
        _copy_governance(previous, convention)
        chosen = set(fiche_ids)
        _continue_fiches(convention, [fiche for pk, fiche in available.items() if pk in chosen])
        # The previous CTG carries the renewal calendar: complete it if it was never generated.
        milestones_generate(previous, by=by, renewal_only=True)
    return convention


def _copy_territory(previous, convention):
    DiagnosisIndicator.objects.bulk_create([
        DiagnosisIndicator(
            convention=convention, territory=i.territory, level=i.level, indicator=i.indicator, year=i.year,
            value=i.value, unit=i.unit, position=i.position,
        )
        for i in previous.diagnosis_indicators.all()
    ])
    for equipment in Equipment.objects.filter(convention=previous).in_force(reference_date(previous)):
        Equipment.objects.create(
            convention=convention, key=equipment.key, kind=equipment.kind, name=equipment.name,
            address=equipment.address, commune=equipment.commune, places=equipment.places,
            caf_funding=equipment.caf_funding, local_funding=equipment.local_funding, funded_by=equipment.funded_by,
            bonus_territoire=equipment.bonus_territoire, position=equipment.position,
        )


def _copy_governance(previous, convention):
    for body in previous.bodies.prefetch_related("members"):
        copy = Body.objects.create(
            convention=convention, key=body.key, kind=body.kind, name=body.name, composition=body.composition,
            frequency=body.frequency, animators=body.animators, expected_per_year=body.expected_per_year,
            position=body.position,
        )
        for member in body.members.all():
            Member.objects.create(body=copy, name=member.name, organisation=member.organisation, role=member.role,
                                  email=member.email, position=member.position)
    for officer in previous.cooperation_officers.all():
        CooperationOfficer.objects.create(
            convention=convention, name=officer.name, organisation=officer.organisation, scope=officer.scope,
            themes=officer.themes, fte=officer.fte, caf_funded=officer.caf_funded, missions=officer.missions,
            position=officer.position,
        )


def continued_nature(nature):
    """A continued action is no longer a new one."""
    kept = [n for n in nature if n != Nature.NOUVELLE]
    return kept if Nature.EXISTANTE in kept or Nature.NOUVELLE not in nature else [*kept, Nature.EXISTANTE]


def _continue_fiches(convention, fiches):
    """Copy `fiches` (plan order) into the new plan, numbered from 1, on copies of their axes and
    objectives (numbered in the order they come)."""
    axes, objectives = {}, {}
    communes = {c.insee: c for c in convention.communes.all()}
    start_year, end_year = convention.start.year, convention.end.year
    for number, fiche in enumerate(fiches, start=1):
        if fiche.axis_id not in axes:
            axes[fiche.axis_id] = Axis.objects.create(convention=convention, number=len(axes) + 1, title=fiche.axis.title)
        axis = axes[fiche.axis_id]
        objective = None
        if fiche.objective_id:
            if fiche.objective_id not in objectives:
                rank = sum(1 for o in objectives.values() if o.axis_id == axis.pk) + 1
                objectives[fiche.objective_id] = Objective.objects.create(axis=axis, number=rank,
                                                                          title=fiche.objective.title)
            objective = objectives[fiche.objective_id]
        has_years = fiche.start_year or fiche.end_year
        copy = Fiche.objects.create(
            convention=convention, renewed_from=fiche, key=fiche.key, number=number, axis=axis, objective=objective,
            title=fiche.title, nature=continued_nature(fiche.nature),
            commune=communes.get(fiche.commune.insee) if fiche.commune_id else None,
            coordination_between_collectivities=fiche.coordination_between_collectivities,
            schedule=fiche.schedule, start_year=start_year if has_years else None,
            end_year=end_year if has_years else None,
            **{name: getattr(fiche, name) for name in Fiche.BOX_FIELDS},
        )
        copy.lead_organisations.set(fiche.lead_organisations.all())
        FicheTheme.objects.bulk_create([
            FicheTheme(fiche=copy, theme=link.theme, position=link.position) for link in fiche.theme_links.all()
        ])
        for indicator in fiche.indicators.all():
            Indicator.objects.create(fiche=copy, key=indicator.key, name=indicator.name, unit=indicator.unit,
                                     baseline=indicator.baseline, target=indicator.target, position=indicator.position)
    refresh_current_flags(convention)


def plural(label, count):
    """« réalisée » → « réalisées » (« en cours », « sans suivi » do not change)."""
    return f"{label}s" if count > 1 and label.endswith("e") else label


def percent(value):
    return "—" if value is None else f"{value} %"


def previous_evaluation_text(previous, today=None):
    """Annexe 1 « Évaluation de la précédente CTG », in Markdown, from the previous CTG's bilan
    final: its figures (computed from the tracking) and its written parts. Without a bilan final
    yet, the figures of the tracking up to the reference date, saying so."""
    bilan = previous.bilans.filter(kind=BilanKind.FINAL).first()
    if bilan is None:
        unsaved = Bilan(convention=previous, kind=BilanKind.FINAL, start=previous.start,
                        end=reference_date(previous, today))
        figures = bilan_figures(unsaved, today)
        lines = [
            f"Évaluation de la CTG {years(previous)} « {previous.title} ». Son bilan final n'est pas encore "
            f"rédigé : les chiffres sont ceux du suivi trimestriel au {unsaved.reference_date(today):%d/%m/%Y}."
        ]
    else:
        figures = bilan_figures(bilan, today)
        lines = [
            f"Évaluation de la CTG {years(previous)} « {previous.title} », d'après son bilan final "
            f"(période du {bilan.start:%d/%m/%Y} au {bilan.end:%d/%m/%Y})."
        ]
    overall = figures.overall
    lines += [
        "", "### Chiffres clés", "",
        f"- Taux de réalisation : {percent(overall.rate)} ({overall.done} action{'s' if overall.done > 1 else ''} "
        f"réalisée{'s' if overall.done > 1 else ''} sur {overall.total}) ;",
        f"- Avancement moyen : {percent(overall.mean_progress)} ;",
        "- Répartition : " + ", ".join(
            f"{count} {plural(label.lower(), count)}" for _, label, count in figures.by_status if count) + ".",
    ]
    if figures.by_axis:
        lines += ["", "| Axe | Actions | Réalisées | Taux de réalisation |", "|---|---|---|---|"]
        lines += [f"| {share.label} | {share.total} | {share.done} | {percent(share.rate)} |"
                  for share in figures.by_axis]
    if figures.abrogated:
        lines += ["", "Actions abrogées par avenant pendant la période : " + " ; ".join(
            f"« {operation.target_fiche.title} » (avenant n°{operation.avenant.number})"
            for operation in figures.abrogated) + "."]
    if bilan is not None:
        for title, text in bilan.parts:
            if text.strip():
                lines += ["", f"### {title}", "", text.strip()]
    return "\n".join(lines)


def previous_renewal_milestones(convention):
    """The renewal milestones of the CTG `convention` renews (its retro-planning of preparation),
    in time order; empty without a previous CTG."""
    if not convention.predecessor_id:
        return []
    return list(
        convention.predecessor.milestones.filter(kind__in=RENEWAL_KINDS)
        .exclude(status=MilestoneStatus.ANNULE).select_related("done_by").order_by("end", "start", "id")
    )

