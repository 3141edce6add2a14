"""The lifecycle of a convention: préparation → signée → en renouvellement → échue, and
« abandonnée » for a preparation that stops (and is taken up again).

Each transition is a service: it refuses, in French, what is missing, and it logs the change
(`StatusChange`: who, when, an optional note), which the convention's timeline and its journal
show. Only the stored decisions are transitions; « en renouvellement » from the renewal milestones
and « échue » after the end follow from the dates (`conventions.phase`).

The signature requires the date and place of signature, a deliberation (annexe 7) of every
signatory collectivité, the Caf's own validation (its board or commission, with the date) and,
from the plan d'actions, the four mandatory thématiques (`003_…`). `conventions` does not import
the plan's rules: `actions` registers them in `plan_checks` when the application starts
(`actions.apps`). Once signed, the text is frozen (`Convention.contract_refusal`).
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from actions.models import refresh_current_flags
from ctg.errors import DomainError
from ctg.history import authored

from .enums import ANNEX_TITLES, ConventionStatus
from .models import Convention, StatusChange
from .parties import collectivities

# Functions convention -> [French problems] that the plan d'actions must pass before signature,
# registered by the apps that own those rules (`actions.apps` adds the coverage of `003_…`).
plan_checks = []

STAMP_FIELDS = ("prefecture_sent_on", "prefecture_received_on", "prefecture_published_on", "prefecture_act_id")


@dataclass
class Check:
    """One requirement of the signature, as the confirmation page lists it."""

    place: str  # where its problems are shown: a section of the page or a field of the form
    label: str
    problems: list = field(default_factory=list)
    present: list = field(default_factory=list)  # what already satisfies it, in French

    @property
    def ok(self):
        return not self.problems


class SignatureRefused(DomainError):
    """The signature is refused: `problems` maps each place (`Check.place`) to its messages."""

    def __init__(self, problems):
        self.problems = problems
        self.count = sum(len(messages) for messages in problems.values())
        super().__init__(
            "La convention ne peut pas être signée : " + " ".join(m for ms in problems.values() for m in ms)
        )


def signature_checks(convention, *, signed_on=None, signed_at="", with_signature=True):
    """Every requirement of the signature, with what is missing. `with_signature`: include the
    date and place (typed in the signature form, not yet stored; places `signed_on`, `signed_at`).
    """
    checks = []
    if with_signature:
        checks.append(Check("signed_on", "Date de signature", [] if signed_on else ["Indiquez la date de signature."]))
        checks.append(Check("signed_at", "Lieu de signature",
                            [] if (signed_at or "").strip() else ["Indiquez le lieu de signature."]))

    deliberations = Check("deliberations", "Délibération de chaque collectivité signataire (annexe 7)")
    by_organisation = {}
    for deliberation in convention.deliberations.all():
        by_organisation.setdefault(deliberation.organisation_id, []).append(deliberation)
    parties = collectivities(convention)
    if not parties:
        deliberations.problems.append("La convention n'a aucune collectivité signataire.")
    for organisation in parties:
        found = by_organisation.get(organisation.pk)
        if found:
            deliberations.present += [f"{organisation.name} : {d.body} du {d.date:%d/%m/%Y}" for d in found]
        else:
            deliberations.problems.append(
                f"Délibération manquante (annexe 7) : {organisation.name}. Enregistrez la délibération de "
                "son conseil approuvant la convention."
            )
    checks.append(deliberations)

    validation = Check("caf_validation", "Validation par la Caf")
    if not convention.caf_validation_body.strip() or not convention.caf_validation_on:
        validation.problems.append(
            "Indiquez l'instance de la Caf qui a validé la convention (conseil d'administration, commission "
            "d'action sociale…) et la date de cette validation."
        )
    elif signed_on and convention.caf_validation_on > signed_on:
        validation.problems.append(
            f"La validation par la Caf (le {convention.caf_validation_on:%d/%m/%Y}) doit précéder la signature "
            f"(le {signed_on:%d/%m/%Y})."
        )
    else:
        validation.present.append(f"{convention.caf_validation_body}, le {convention.caf_validation_on:%d/%m/%Y}")
    checks.append(validation)

    themes = Check("themes", "Thématiques obligatoires du plan d'actions")
    for check in plan_checks:
        themes.problems += check(convention)
    if themes.ok:
        themes.present.append("Le plan d'actions couvre les 4 thématiques obligatoires.")
    checks.append(themes)
    return checks


def _locked_status(convention):
    """The stored status, read under a row lock: two transitions of one convention run one after
    the other, and the second sees what the first did."""
    return Convention.objects.select_for_update().values_list("status", flat=True).get(pk=convention.pk)


# The one status each transition below starts from (each service checks it): the exchange format
# records only the status reached (`status_history`).
COMES_FROM = {
    ConventionStatus.SIGNEE: ConventionStatus.PREPARATION,
    ConventionStatus.RENOUVELLEMENT: ConventionStatus.SIGNEE,
    ConventionStatus.ABANDONNEE: ConventionStatus.PREPARATION,
    ConventionStatus.PREPARATION: ConventionStatus.ABANDONNEE,
}


def _move(convention, to, *, by, note):
    StatusChange.objects.create(convention=convention, from_status=convention.status, to_status=to, by=by,
                                note=note.strip())
    convention.status = to


@authored
def convention_sign(convention, *, by, signed_on, signed_at, note="", **stamp):
    """Sign a convention in préparation, after every check of `signature_checks`; the préfecture
    stamp (`STAMP_FIELDS`) may be given now or recorded later. From then on its body, annexes and
    plan are frozen. Refused with `SignatureRefused`, naming every missing item."""
    with transaction.atomic():
        convention.status = _locked_status(convention)
        if convention.status != ConventionStatus.PREPARATION:
            raise DomainError(
                "Cette convention est déjà signée." if convention.is_signed
                else "La préparation de cette convention est abandonnée : reprenez-la avant de la signer."
            )
        problems = {c.place: c.problems for c in signature_checks(convention, signed_on=signed_on, signed_at=signed_at)
                    if c.problems}
        if problems:
            raise SignatureRefused(problems)
        convention.signed_on, convention.signed_at = signed_on, signed_at.strip()
        for name in STAMP_FIELDS:
            if stamp.get(name):
                setattr(convention, name, stamp[name])
        _move(convention, ConventionStatus.SIGNEE, by=by, note=note)
        convention.save()
        refresh_current_flags(convention)
        return convention


@authored
def convention_start_renewal(convention, *, by, note=""):
    """Put a signed convention « en renouvellement » by hand (the renewal milestones do it by
    themselves on their start date)."""
    with transaction.atomic():
        convention.status = _locked_status(convention)
        if convention.status == ConventionStatus.RENOUVELLEMENT:
            raise DomainError("La convention est déjà en renouvellement.")
        if convention.status != ConventionStatus.SIGNEE:
            raise DomainError("Seule une convention signée peut entrer en renouvellement.")
        today = timezone.localdate()
        end = convention.end_on(today)
        if today > end:
            raise DomainError(f"La convention a pris fin le {end:%d/%m/%Y} : elle est échue.")
        _move(convention, ConventionStatus.RENOUVELLEMENT, by=by, note=note)
        convention.save(update_fields=["status", "updated_at"])
        return convention


@authored
def convention_abandon(convention, *, by, note=""):
    """Stop a preparation: the convention will not be signed (it can be taken up again)."""
    with transaction.atomic():
        convention.status = _locked_status(convention)
        if convention.status != ConventionStatus.PREPARATION:
            raise DomainError(
                "La préparation de cette convention est déjà abandonnée." if convention.status == ConventionStatus.ABANDONNEE
                else "Seule une convention en préparation peut être abandonnée : une convention signée court jusqu'à son terme."
            )
        _move(convention, ConventionStatus.ABANDONNEE, by=by, note=note)
        convention.save(update_fields=["status", "updated_at"])
        return convention


@authored
def convention_resume(convention, *, by, note=""):
    """Take an abandoned preparation up again."""
    with transaction.atomic():
        convention.status = _locked_status(convention)
        if convention.status != ConventionStatus.ABANDONNEE:
            raise DomainError("Seule une préparation abandonnée peut être reprise.")
        _move(convention, ConventionStatus.PREPARATION, by=by, note=note)
        convention.save(update_fields=["status", "updated_at"])
        return convention


@authored
def convention_record_caf_validation(convention, *, by, body, on):
    """Record the Caf's own validation (its board or commission, the date) before signature."""
    with transaction.atomic():
        convention.status = _locked_status(convention)
        convention.require_contract_editable()
        convention.caf_validation_body, convention.caf_validation_on = body.strip(), on
        convention.save(update_fields=["caf_validation_body", "caf_validation_on", "updated_at"])
        return convention


@authored
def convention_record_prefecture_stamp(convention, *, by, **stamp):
    """Record (or correct) the préfecture stamp of a signed convention."""
    with transaction.atomic():
        convention.status = _locked_status(convention)
        if not convention.is_signed:
            raise DomainError("Le tampon de la préfecture s'enregistre une fois la convention signée.")
        for name in STAMP_FIELDS:
            setattr(convention, name, stamp.get(name) or ("" if name == "prefecture_act_id" else None))
        convention.save(update_fields=[*STAMP_FIELDS, "updated_at"])
        return convention


def frozen_inventory(convention):
    """What the signature freezes, for the confirmation page: the body, the annexes, the plan
    and each of its fiches (a fixed number of queries)."""
    fiches = convention.fiches.filter(avenant__isnull=True).select_related("axis").prefetch_related("theme_links")
    written = {True: "texte rédigé", False: "vide"}
    annexes = [
        (1, written[bool(convention.previous_evaluation.strip())]),
        (2, f"{convention.diagnosis_indicators.count()} indicateur(s), {convention.diagnosis_issues.count()} enjeu(x)"
            f"{', une synthèse' if convention.diagnosis_summary.strip() else ''}"),
        (3, f"{convention.equipment.filter(avenant__isnull=True).count()} équipement(s) ou service(s)"),
        (4, f"le plan d'actions, {convention.sppe_rows.count()} ligne(s) du schéma SPPE"),
        (5, written[bool(convention.governance_text.strip())]),
        (6, written[bool(convention.evaluation_text.strip())]),
        (7, f"{convention.deliberations.count()} délibération(s)"),
    ]
    return {
        "visas": convention.visas.filter(avenant__isnull=True).count(),
        "preamble": bool(convention.preamble.strip()),
        "articles": list(convention.articles.filter(avenant__isnull=True)),
        "annexes": [(number, ANNEX_TITLES[number], detail) for number, detail in annexes],
        "axes": list(convention.axes.prefetch_related("objectives")),
        "fiches": list(fiches.order_by("axis__number", "number")),
    }
