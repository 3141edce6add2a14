"""Import: a validated document becomes a convention, all or nothing, in one transaction."""

import itertools

from django.db import DatabaseError, transaction

from actions.models import (
    Axis,
    Fiche,
    FicheTheme,
    Indicator,
    IndicatorValue,
    Objective,
    Update,
    refresh_current_flags,
)
from conventions.models import (
    Article,
    Avenant,
    Commune,
    Convention,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Operation,
    Organisation,
    Signatory,
    SppeRow,
    Visa,
)
from ctg.history import IMPORT_REASON, acting
from evaluation.models import Milestone
from governance.models import (
    AgendaItem,
    Body,
    CooperationOfficer,
    Decision,
    Meeting,
    Member,
    Participant,
)

from .checks import Validator
from .fields import (
    ARTICLE_FIELDS,
    AVENANT_FIELDS,
    BODY_FIELDS,
    COMMUNE_FIELDS,
    DELIBERATION_FIELDS,
    DIAGNOSIS_INDICATOR_FIELDS,
    EQUIPMENT_FIELDS,
    FICHE_FIELDS,
    INDICATOR_FIELDS,
    MEETING_FIELDS,
    MEMBER_FIELDS,
    MILESTONE_FIELDS,
    OFFICER_FIELDS,
    OPERATION_FIELDS,
    PARTICIPANT_FIELDS,
    PREFECTURE_FIELDS,
    SIGNATORY_FIELDS,
    SPPE_FIELDS,
    UPDATE_FIELDS,
    organisation_identity,
    take,
)
from .reading import ExchangeError
from .schema import EQUIPMENT_OPERATIONS, FICHE_OPERATIONS


def import_document(data, *, replace=False, by=None):
    """Create the convention a document describes and return it; all or nothing.

    Raises `ExchangeError` listing every problem, with nothing written. With `replace`, an
    existing convention of the same slug is deleted in the same transaction. `by` (a user) is
    recorded as the author of the history entries, all marked as an import.
    """
    validator = Validator(replace=replace)
    document = validator.run(data)
    if validator.errors:
        raise ExchangeError(validator.errors)
    try:
        with transaction.atomic(), acting(by, reason=IMPORT_REASON):
            if replace:
                _delete_convention(document["convention"]["slug"])
            convention = _Writer(by).write(document["convention"])
            refresh_current_flags(convention)
            return convention
    except DatabaseError as error:
        raise ExchangeError(
            [f"convention: enregistrement refusé par la base de données, rien n'a été importé ({error})"]
        ) from error


def _delete_convention(slug):
    convention = Convention.objects.filter(slug=slug).first()
    if convention is None:
        return
    # Fiche.axis and Fiche.commune are PROTECT: fiches must go before their axes and communes.
    Fiche.objects.filter(convention=convention).delete()
    convention.delete()


def _prefecture(stamp):
    """The four `prefecture_*` columns of a stamp; no stamp leaves them empty."""
    stamp = stamp or {"sent_on": None, "received_on": None, "published_on": None, "act_id": ""}
    return {column: stamp[key] for key, column in PREFECTURE_FIELDS.items()}


class _Writer:
    """Writes a validated, cleaned convention; every reference is known to resolve."""

    def __init__(self, by=None):
        self.by = by
        self.organisations = {}  # (kind, code) -> Organisation
        self.parties = {}  # code -> Organisation (a code used as a reference is unambiguous)
        self.fiches = {}  # key -> Fiche
        self.equipment = {}  # key -> Equipment
        self.equipment_positions = itertools.count()  # base annexe 3 first, then avenants' additions

    def save(self, instance):
        if self.by is not None:
            instance._history_user = self.by  # read by django-simple-history
        instance.save()
        return instance

    def organisation(self, data):
        identity = organisation_identity(data)
        if identity not in self.organisations:
            if data["code"]:
                organisation, created = Organisation.objects.get_or_create(
                    kind=data["kind"], code=data["code"],
                    defaults={"name": data["name"], "population": data["population"]},
                )
            else:
                named = (o for o in Organisation.objects.filter(kind=data["kind"], code="")
                         if organisation_identity({"kind": o.kind, "name": o.name}) == identity)
                organisation = next(named, None)
                created = organisation is None
                if created:
                    organisation = Organisation.objects.create(kind=data["kind"], name=data["name"],
                                                               population=data["population"])
            if not created and (organisation.name, organisation.population) != (data["name"], data["population"]):
                organisation.name, organisation.population = data["name"], data["population"]
                organisation.save(update_fields=["name", "population"])
            self.organisations[identity] = organisation
            if organisation.code:
                self.parties[organisation.code] = organisation
        return self.organisations[identity]

    def positioned(self, model, items, fields=None, text=None, **extra):
        """Bulk-create one row per item, keeping the list order in `position`."""
        rows = [
            model(position=position, **(take(item, fields) if fields else {text: item}), **extra)
            for position, item in enumerate(items)
        ]
        return model.objects.bulk_create(rows)

    def write(self, c):
        annexes, governance = c["annexes"], c["governance"]
        caf = self.organisation(c["caf"])
        for signatory in c["signatories"]:
            self.organisation(signatory["organisation"])
        self.convention = convention = self.save(Convention(
            slug=c["slug"], title=c["title"], caf=caf, start=c["period"]["start"], end=c["period"]["end"],
            status=c["status"], signed_on=c["signed_on"], signed_at=c["signed_at"], preamble=c["preamble"],
            caf_validation_body=(c["caf_validation"] or {}).get("body", ""),
            caf_validation_on=(c["caf_validation"] or {}).get("date"),
            previous_evaluation=annexes["previous_evaluation"],
            diagnosis_summary=annexes["diagnosis"]["summary"],
            governance_text=annexes["governance_text"], evaluation_text=annexes["evaluation_text"],
            **_prefecture(c["prefecture"]),
        ))
        Signatory.objects.bulk_create(
            Signatory(convention=convention, organisation=self.organisation(s["organisation"]), position=position,
                      **take(s, SIGNATORY_FIELDS))
            for position, s in enumerate(c["signatories"])
        )
        self.positioned(Commune, c["communes"], COMMUNE_FIELDS, convention=convention)
        self.communes = {commune.insee: commune for commune in convention.communes.all()}
        self.positioned(Visa, c["visas"], text="text", convention=convention)
        self.positioned(Article, c["articles"], ARTICLE_FIELDS, convention=convention)
        self.write_axes(c["axes"])
        for item in annexes["equipment"]:
            self.write_equipment(item)
        for fiche in c["fiches"]:
            self.write_fiche(fiche)
        for avenant in c["amendments"]:
            self.write_avenant(avenant)
        self.write_annexes(annexes)
        self.write_governance(governance, c["milestones"])
        return convention

    def write_axes(self, axes):
        self.axes, self.objectives = {}, {}
        for data in axes:
            axis = Axis.objects.create(convention=self.convention, number=data["number"], title=data["title"])
            self.axes[axis.number] = axis
            for number, title in enumerate(data["objectives"], start=1):
                self.objectives[axis.number, number] = Objective.objects.create(axis=axis, number=number, title=title)

    def write_fiche(self, data, avenant=None, previous=None):
        fiche = self.save(Fiche(
            convention=self.convention, avenant=avenant, previous_version=previous,
            axis=self.axes[data["axis"]], objective=self.objectives.get((data["axis"], data["objective"])),
            commune=self.communes.get(data["commune"]), **take(data, FICHE_FIELDS),
        ))
        self.positioned(FicheTheme, data["themes"], text="theme", fiche=fiche)
        leads = Fiche.lead_organisations.through
        leads.objects.bulk_create(leads(fiche=fiche, organisation=self.parties.get(code)) for code in data["lead_organisations"])
        indicators = {
            item["key"]: Indicator.objects.create(fiche=fiche, position=position, **take(item, INDICATOR_FIELDS))
            for position, item in enumerate(data["indicators"])
        }
        for item in data["updates"]:
            update = self.save(Update(fiche=fiche, **take(item, UPDATE_FIELDS)))
            for key, value in item["indicator_values"].items():
                self.save(IndicatorValue(update=update, indicator=indicators[key], value=value))
        self.fiches[fiche.key] = fiche
        return fiche

    def write_equipment(self, data, avenant=None):
        item = Equipment.objects.create(
            convention=self.convention, avenant=avenant, position=next(self.equipment_positions),
            funded_by=self.parties.get(data["funded_by"]), **take(data, EQUIPMENT_FIELDS),
        )
        self.equipment[item.key] = item
        return item

    def write_avenant(self, data):
        avenant = Avenant.objects.create(
            convention=self.convention, **take(data, AVENANT_FIELDS), **_prefecture(data["prefecture"])
        )
        self.positioned(Visa, data["visas"], text="text", convention=self.convention, avenant=avenant)
        self.positioned(Article, data["articles"], ARTICLE_FIELDS, convention=self.convention, avenant=avenant)
        for position, item in enumerate(data["operations"]):
            operation = Operation(avenant=avenant, position=position, op=item["op"])
            for key, column in OPERATION_FIELDS.items():
                if key in item:
                    setattr(operation, column, item[key])
            if item["op"] in FICHE_OPERATIONS and "target" in item:
                operation.target_fiche = self.fiches[item["target"]]
            if item["op"] in EQUIPMENT_OPERATIONS and "target" in item:
                operation.target_equipment = self.equipment[item["target"]]
            if "fiche" in item:
                operation.fiche = self.write_fiche(item["fiche"], avenant, previous=operation.target_fiche)
            if "equipment" in item:
                operation.equipment = self.write_equipment(item["equipment"], avenant)
            operation.save()

    def write_annexes(self, annexes):
        convention = self.convention
        self.positioned(DiagnosisIssue, annexes["diagnosis"]["issues"], text="text", convention=convention)
        self.positioned(DiagnosisIndicator, annexes["diagnosis"]["indicators"], DIAGNOSIS_INDICATOR_FIELDS, convention=convention)
        self.positioned(SppeRow, annexes["sppe_schema"], SPPE_FIELDS, convention=convention)
        Deliberation.objects.bulk_create(
            Deliberation(convention=convention, position=position, organisation=self.parties.get(d["signatory"]),
                         **take(d, DELIBERATION_FIELDS))
            for position, d in enumerate(annexes["deliberations"])
        )

    def write_governance(self, governance, milestones):
        convention = self.convention
        bodies = {}
        for position, data in enumerate(governance["bodies"]):
            body = Body.objects.create(convention=convention, position=position, **take(data, BODY_FIELDS))
            self.positioned(Member, data["members"], MEMBER_FIELDS, body=body)
            bodies[body.key] = body
        fiche_links = Meeting.fiches.through
        for data in governance["meetings"]:
            meeting = Meeting.objects.create(convention=convention, body=bodies[data["body"]], **take(data, MEETING_FIELDS))
            self.positioned(AgendaItem, data["agenda"], text="text", meeting=meeting)
            self.positioned(Participant, data["participants"], PARTICIPANT_FIELDS, meeting=meeting)
            self.positioned(Decision, data["decisions"], text="text", meeting=meeting)
            fiche_links.objects.bulk_create(fiche_links(meeting=meeting, fiche=self.fiches[key]) for key in data["fiches"])
        for position, data in enumerate(governance["cooperation_officers"]):
            CooperationOfficer.objects.create(
                convention=convention, position=position, organisation=self.parties.get(data["organisation"]),
                **take(data, OFFICER_FIELDS),
            )
        for position, data in enumerate(milestones):
            Milestone.objects.create(
                convention=convention, position=position, body=bodies.get(data["body"]),
                **take(data, MILESTONE_FIELDS),
            )
