"""Import: a validated document becomes a convention, all or nothing, in one transaction."""

import itertools

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Trim
from simple_history.utils import bulk_create_with_history

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
from conventions.enums import ConventionStatus
from conventions.lifecycle import COMES_FROM
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
    StatusChange,
    Visa,
)
from ctg.history import IMPORT_REASON, acting, record_creations
from evaluation.models import Bilan, Milestone
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
    BILAN_FIELDS,
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
from .replacing import Replacement
from .schema import EQUIPMENT_OPERATIONS, FICHE_OPERATIONS


def check_document(data, *, replace=False):
    """The document cleaned, ready to write; `ExchangeError` listing every problem otherwise."""
    validator = Validator(replace=replace)
    document = validator.run(data)
    if validator.errors:
        raise ExchangeError(validator.errors)
    return document


def import_document(data, *, replace=False, by=None):
    """Create the convention a document describes and return it; all or nothing.

    Raises `ExchangeError` listing every problem, with nothing written. With `replace`, an
    existing convention of the same slug takes the document's content in the same transaction,
    keeping what the format does not carry (`exchange.replacing`). `by` (a user) is recorded as
    the author of the history entries, all marked as an import.
    """
    document = check_document(data, replace=replace)
    try:
        with transaction.atomic(), acting(by, reason=IMPORT_REASON):
            replacement = Replacement.of(data) if replace else None
            if replacement:
                replacement.clear()
            writer = _Writer(by, replacement)
            convention = writer.write(document["convention"])
            if replacement:
                replacement.restore(writer)
            refresh_current_flags(convention)
            return convention
    except DatabaseError as error:
        raise ExchangeError(
            [f"convention: enregistrement refusé par la base de données, rien n'a été importé ({error})"]
        ) from error


def _prefecture(stamp):
    """The four `prefecture_*` columns of a stamp; no stamp leaves them empty."""
    stamp = stamp or {"sent_on": None, "received_on": None, "published_on": None, "act_id": ""}
    return {column: stamp[key] for key, column in PREFECTURE_FIELDS.items()}


class _Writer:
    """Writes a validated, cleaned convention; every reference is known to resolve."""

    def __init__(self, by=None, replacement=None):
        self.by = by
        self.replacement = replacement  # an existing convention to write into, or None
        self.organisations = {}  # (kind, code) -> Organisation
        self.parties = {}  # code -> Organisation (a code used as a reference is unambiguous)
        self.fiches = {}  # key -> Fiche
        self.equipment = {}  # key -> Equipment
        self.equipment_positions = itertools.count()  # base annexe 3 first, then avenants' additions
        self.avenants = {}  # number -> Avenant
        self.users = {}  # name -> User or None
        self.previous_fiches = {}  # convention slug -> {key: Fiche}
        # The plan and its quarterly tracking, most of a large document's rows, are written in
        # bulk: row by row, a 1,000-fiche plan held SQLite's write lock (every other writer) 16 s.
        self.history = {"default_user": by, "default_change_reason": IMPORT_REASON, "batch_size": 500}
        self.updates = []
        self.indicator_values = []

    def reused(self, kind, key):
        """The id a replaced convention's row of `kind` and natural `key` had (None: a new row)."""
        return self.replacement.reused(kind, key) if self.replacement else None

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

    def user(self, name):
        """The account a person's name designates in this instance: its login, else the one
        account of that full name; None when no account (or several) answers to it."""
        if not name:
            return None
        if name not in self.users:
            User = get_user_model()
            found = User.objects.filter(**{User.USERNAME_FIELD: name}).first()
            if found is None:
                named = list(User.objects.annotate(
                    full_name=Trim(Concat("first_name", Value(" "), "last_name"))
                ).filter(full_name=name)[:2])
                found = named[0] if len(named) == 1 else None
            self.users[name] = found
        return self.users[name]

    def continued(self, continues):
        """The fiche of the previous CTG this one carries on, when that CTG is in the instance."""
        if continues is None:
            return None
        slug = continues["convention"]
        if slug not in self.previous_fiches:
            self.previous_fiches[slug] = {f.key: f for f in Fiche.objects.filter(convention__slug=slug)}
        return self.previous_fiches[slug].get(continues["key"])

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
        values = dict(
            slug=c["slug"], title=c["title"], caf=caf, start=c["period"]["start"], end=c["period"]["end"],
            status=c["status"], signed_on=c["signed_on"], signed_at=c["signed_at"], preamble=c["preamble"],
            caf_validation_body=(c["caf_validation"] or {}).get("body", ""),
            caf_validation_on=(c["caf_validation"] or {}).get("date"),
            predecessor=Convention.objects.filter(slug=c["previous"]).first() if c["previous"] else None,
            previous_evaluation=annexes["previous_evaluation"],
            diagnosis_summary=annexes["diagnosis"]["summary"],
            governance_text=annexes["governance_text"], evaluation_text=annexes["evaluation_text"],
            **_prefecture(c["prefecture"]),
        )
        convention = self.replacement.convention if self.replacement else Convention()
        kept = self.replacement.kept_columns if self.replacement else set()
        for column, value in values.items():
            if column not in kept:
                setattr(convention, column, value)
        self.convention = convention = self.save(convention)
        Signatory.objects.bulk_create(
            Signatory(convention=convention, organisation=self.organisation(s["organisation"]), position=position,
                      **take(s, SIGNATORY_FIELDS))
            for position, s in enumerate(c["signatories"])
        )
        Commune.objects.bulk_create(
            Commune(pk=self.reused("commune", data["insee"]), convention=convention, position=position,
                    **take(data, COMMUNE_FIELDS))
            for position, data in enumerate(c["communes"])
        )
        self.communes = {commune.insee: commune for commune in convention.communes.all()}
        self.positioned(Visa, c["visas"], text="text", convention=convention)
        self.positioned(Article, c["articles"], ARTICLE_FIELDS, convention=convention)
        self.write_axes(c["axes"])
        for item in annexes["equipment"]:
            self.write_equipment(item)
        self.write_plan(c["fiches"])
        for avenant in c["amendments"]:
            self.write_avenant(avenant)
        self.write_tracking()
        self.write_annexes(annexes)
        self.write_governance(governance, c["milestones"])
        self.write_lifecycle(c["status_history"], c["bilans"])
        return convention

    def write_axes(self, axes):
        self.axes, self.objectives = {}, {}
        for data in axes:
            axis = Axis.objects.create(pk=self.reused("axis", data["number"]), convention=self.convention,
                                       number=data["number"], title=data["title"])
            self.axes[axis.number] = axis
            for number, title in enumerate(data["objectives"], start=1):
                self.objectives[axis.number, number] = Objective.objects.create(
                    pk=self.reused("objective", (axis.number, number)), axis=axis, number=number, title=title,
                )

    def new_fiche(self, data, avenant=None, previous=None):
        return Fiche(
            pk=self.reused("fiche", data["key"]),
            convention=self.convention, avenant=avenant, previous_version=previous,
            axis=self.axes[data["axis"]], objective=self.objectives.get((data["axis"], data["objective"])),
            commune=self.communes.get(data["commune"]), renewed_from=self.continued(data["continues"]),
            **take(data, FICHE_FIELDS),
        )

    def write_plan(self, items):
        """The base plan's fiches, in bulk: most of a large document's rows."""
        fiches = bulk_create_with_history([self.new_fiche(data) for data in items], Fiche, **self.history)
        self.write_fiche_rows(zip(fiches, items, strict=True))

    def write_fiche(self, data, avenant=None, previous=None):
        fiche = self.save(self.new_fiche(data, avenant, previous))
        self.write_fiche_rows([(fiche, data)])
        return fiche

    def write_fiche_rows(self, fiches):
        """Thématiques, lead organisations and indicators of saved (fiche, data) pairs; their
        tracking waits for `write_tracking`."""
        themes, leads, indicators = [], [], []
        lead = Fiche.lead_organisations.through
        for fiche, data in fiches:
            themes.extend(FicheTheme(fiche=fiche, position=position, theme=theme)
                          for position, theme in enumerate(data["themes"]))
            leads.extend(lead(fiche=fiche, organisation=self.parties.get(code)) for code in data["lead_organisations"])
            by_key = {
                item["key"]: Indicator(pk=self.reused("indicator", (fiche.key, item["key"])), fiche=fiche,
                                       position=position, **take(item, INDICATOR_FIELDS))
                for position, item in enumerate(data["indicators"])
            }
            indicators.extend(by_key.values())
            for item in data["updates"]:
                update = Update(fiche=fiche, **take(item, UPDATE_FIELDS))
                self.updates.append(update)
                self.indicator_values.extend(
                    IndicatorValue(update=update, indicator=by_key[key], value=value)
                    for key, value in item["indicator_values"].items()
                )
            self.fiches[fiche.key] = fiche
        FicheTheme.objects.bulk_create(themes)
        lead.objects.bulk_create(leads)
        Indicator.objects.bulk_create(indicators)

    def write_tracking(self):
        """The tracking rows in bulk, and their history records copied by the database itself."""
        for model, rows, convention in (
            (Update, self.updates, "fiche__convention"),
            (IndicatorValue, self.indicator_values, "update__fiche__convention"),
        ):
            if rows:
                model.objects.bulk_create(rows, batch_size=500)
                written = model.objects.filter(**{convention: self.convention}, pk__gte=min(row.pk for row in rows))
                record_creations(written, by=self.by, reason=IMPORT_REASON)

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
        self.avenants[avenant.number] = avenant
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
        bodies, members = {}, {}
        for position, data in enumerate(governance["bodies"]):
            body = Body.objects.create(convention=convention, position=position, **take(data, BODY_FIELDS))
            members[body.key] = self.positioned(Member, data["members"], MEMBER_FIELDS, body=body)
            bodies[body.key] = body
        # Milestones first: agenda items present them.
        milestones = [
            Milestone.objects.create(
                convention=convention, position=position, body=bodies.get(data["body"]),
                done_by=self.user(data["done_by"]), generated_key=data["generated"], **take(data, MILESTONE_FIELDS),
            )
            for position, data in enumerate(milestones)
        ]
        fiche_links, agenda_fiches, agenda_milestones = (
            Meeting.fiches.through, AgendaItem.fiches.through, AgendaItem.milestones.through
        )
        for data in governance["meetings"]:
            meeting = Meeting.objects.create(pk=self.reused("meeting", (data["body"], data["date"], data["title"])),
                                             convention=convention, body=bodies[data["body"]], **take(data, MEETING_FIELDS))
            items = zip(self.positioned(AgendaItem, data["agenda"], ("text",), meeting=meeting), data["agenda"], strict=True)
            for item, item_data in items:
                agenda_fiches.objects.bulk_create(agenda_fiches(agendaitem=item, fiche=self.fiches[key]) for key in item_data["fiches"])
                agenda_milestones.objects.bulk_create(
                    agenda_milestones(agendaitem=item, milestone=milestones[index]) for index in item_data["milestones"]
                )
            Participant.objects.bulk_create(
                Participant(meeting=meeting, position=position, **take(p, PARTICIPANT_FIELDS),
                            member=members[p["member"]["body"]][p["member"]["index"]] if p["member"] else None)
                for position, p in enumerate(data["participants"])
            )
            Decision.objects.bulk_create(
                Decision(meeting=meeting, position=position, text=d["text"], fiche=self.fiches.get(d["fiche"]),
                         requires_avenant=bool(d["calls_for_avenant"]),
                         avenant=None if isinstance(d["calls_for_avenant"], bool) else self.avenants[d["calls_for_avenant"]])
                for position, d in enumerate(data["decisions"])
            )
            fiche_links.objects.bulk_create(fiche_links(meeting=meeting, fiche=self.fiches[key]) for key in data["fiches"])
        for position, data in enumerate(governance["cooperation_officers"]):
            CooperationOfficer.objects.create(
                convention=convention, position=position, organisation=self.parties.get(data["organisation"]),
                **take(data, OFFICER_FIELDS),
            )

    def write_lifecycle(self, status_history, bilans):
        """The status changes (each from the one status its transition starts from, else from the
        status before it) and the written bilans."""
        previous = ConventionStatus.PREPARATION
        for change in status_history:
            source = COMES_FROM.get(change["status"], previous)
            self.save(StatusChange(convention=self.convention, from_status=source, to_status=change["status"],
                                   at=change["at"], by=self.user(change["by"]), note=change["note"]))
            previous = change["status"]
        for data in bilans:
            bilan = self.save(Bilan(
                convention=self.convention, start=data["period"]["start"], end=data["period"]["end"],
                updated_by=self.user(data["updated_by"]), **take(data, BILAN_FIELDS),
            ))
            if data["updated_at"]:  # auto_now: set after the save
                Bilan.objects.filter(pk=bilan.pk).update(updated_at=data["updated_at"])
