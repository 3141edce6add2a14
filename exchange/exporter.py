"""Export: a convention as an exchange document, loaded in a fixed number of queries."""

from collections import defaultdict

from django.db.models import Prefetch

from actions.models import Fiche, IndicatorValue, Update
from conventions.models import Convention, Operation
from ctg.history import user_name
from governance.frequency import expected_per_year
from governance.models import AgendaItem, Decision, Meeting

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
    ORGANISATION_FIELDS,
    PARTICIPANT_FIELDS,
    PREFECTURE_FIELDS,
    SIGNATORY_FIELDS,
    SPPE_FIELDS,
    UPDATE_FIELDS,
    give,
    out,
    shape,
)
from .schema import (
    AGENDA_ITEM,
    ANNEXES,
    AVENANT,
    BILAN,
    BODY,
    CONVENTION,
    DECISION,
    DELIBERATION,
    EQUIPMENT,
    FICHE,
    FORMAT,
    MEETING,
    MEMBER,
    MILESTONE,
    OFFICER,
    OPERATION,
    PARTICIPANT,
    STATUS_CHANGE,
    UPDATE,
    VERSION,
)


def export_document(convention, *, on=None):
    """The convention as an exchange document. With `on` (a date), `amendments` holds only the
    avenants effective on or before that date; everything else is unchanged."""
    return {"format": FORMAT, "version": VERSION, "convention": _Exporter(convention, on).convention()}


def _grouped(queryset, attribute):
    groups = defaultdict(list)
    for item in queryset:
        groups[getattr(item, attribute)].append(item)
    return groups


def _prefecture_out(instance):
    if not instance.has_prefecture_stamp:
        return None
    return {key: out(getattr(instance, column)) for key, column in PREFECTURE_FIELDS.items()}


class _Exporter:
    """Loads a convention in a fixed number of queries, then shapes it."""

    def __init__(self, convention, on=None):
        self.c = c = Convention.objects.select_related("caf", "predecessor").get(pk=convention.pk)
        self.on = on
        avenants = c.avenants.order_by("number")
        self.avenants = list(avenants.filter(effective_from__lte=on) if on else avenants)
        self.visas = _grouped(c.visas.order_by("position", "id"), "avenant_id")
        self.articles = _grouped(c.articles.order_by("position", "id"), "avenant_id")
        self.operations = _grouped(
            Operation.objects.filter(avenant__convention=c)
            .select_related("target_fiche", "target_equipment").order_by("position", "id"),
            "avenant_id",
        )
        self.fiches = {
            fiche.pk: fiche
            for fiche in Fiche.objects.filter(convention=c)
            .select_related("axis", "objective", "commune", "renewed_from__convention")
            .prefetch_related(
                "theme_links",
                "indicators",
                Prefetch("updates", queryset=Update.objects.order_by("period").prefetch_related(
                    Prefetch("indicator_values", queryset=IndicatorValue.objects.select_related("indicator"))
                )),
            )
            .order_by("number", "id")
        }
        self.leads = _grouped(
            Fiche.lead_organisations.through.objects.filter(fiche__convention=c)
            .select_related("organisation").order_by("id"),
            "fiche_id",
        )
        self.equipment = {e.pk: e for e in c.equipment.select_related("funded_by").order_by("position", "id")}

    def convention(self):
        c = self.c
        base_fiches = [self.fiche(f) for f in self.fiches.values() if f.avenant_id is None]
        amendments = [self.avenant(a) for a in self.avenants]
        # A link is written only to what the export holds (with a date, later avenants are left out).
        self.exported_fiches = {f["key"] for f in base_fiches} | {
            op["fiche"]["key"] for avenant in amendments for op in avenant["operations"] if "fiche" in op
        }
        milestones = list(c.milestones.select_related("body", "done_by").order_by("position", "id"))
        self.milestone_indexes = {m.pk: index for index, m in enumerate(milestones)}
        status_history = [
            shape(STATUS_CHANGE, {"status": change.to_status, "at": out(change.at), "by": user_name(change.by),
                                  "note": out(change.note)})
            for change in c.status_changes.select_related("by").order_by("at", "id")
        ]
        bilans = [
            shape(BILAN, {
                **give(bilan, BILAN_FIELDS), "period": {"start": out(bilan.start), "end": out(bilan.end)},
                "updated_at": out(bilan.updated_at), "updated_by": user_name(bilan.updated_by),
            })
            for bilan in c.bilans.select_related("updated_by").order_by("id")
        ]
        return shape(CONVENTION, {
            "slug": c.slug,
            "title": c.title,
            "caf": self.organisation(c.caf),
            "period": {"start": out(c.start), "end": out(c.end)},
            "status": c.status,
            "previous": c.predecessor.slug if c.predecessor else None,
            "status_history": status_history or None,
            "signed_on": out(c.signed_on),
            "signed_at": out(c.signed_at),
            "caf_validation": {"body": c.caf_validation_body, "date": out(c.caf_validation_on)}
            if c.caf_validation_on else None,
            "prefecture": _prefecture_out(c),
            "signatories": [
                {"organisation": self.organisation(s.organisation), **give(s, SIGNATORY_FIELDS)}
                for s in c.signatories.select_related("organisation").order_by("position", "id")
            ],
            "communes": [give(commune, COMMUNE_FIELDS) for commune in c.communes.order_by("position", "id")],
            "visas": [visa.text for visa in self.visas[None]],
            "preamble": out(c.preamble),
            "articles": [give(article, ARTICLE_FIELDS) for article in self.articles[None]],
            "axes": [
                {"number": axis.number, "title": axis.title,
                 "objectives": [o.title for o in axis.objectives.all()]}
                for axis in c.axes.prefetch_related("objectives").order_by("number")
            ],
            "fiches": base_fiches,
            "amendments": amendments,
            "annexes": self.annexes(),
            "governance": self.governance(),
            "milestones": [
                shape(MILESTONE, {
                    **give(m, MILESTONE_FIELDS), "body": m.body.key if m.body else None,
                    "done_by": user_name(m.done_by), "generated": out(m.generated_key),
                })
                for m in milestones
            ],
            "bilans": bilans or None,
        })

    def organisation(self, organisation):
        return give(organisation, ORGANISATION_FIELDS)

    def fiche(self, fiche):
        return shape(FICHE, {
            **give(fiche, FICHE_FIELDS),
            "axis": fiche.axis.number,
            "objective": fiche.objective.number if fiche.objective else None,
            "themes": [link.theme for link in fiche.theme_links.all()],
            "commune": fiche.commune.insee if fiche.commune else None,
            "lead_organisations": [link.organisation.code for link in self.leads[fiche.pk]],
            "indicators": [give(indicator, INDICATOR_FIELDS) for indicator in fiche.indicators.all()],
            "updates": [
                shape(UPDATE, {
                    **give(update, UPDATE_FIELDS),
                    "indicator_values": {v.indicator.key: out(v.value) for v in update.indicator_values.all()},
                })
                for update in fiche.updates.all()
            ],
            "continues": {"convention": fiche.renewed_from.convention.slug, "key": fiche.renewed_from.key}
            if fiche.renewed_from else None,
        })

    def equipment_item(self, item):
        return shape(EQUIPMENT, {
            **give(item, EQUIPMENT_FIELDS), "funded_by": item.funded_by.code if item.funded_by else None,
        })

    def avenant(self, avenant):
        return shape(AVENANT, {
            **give(avenant, AVENANT_FIELDS),
            "prefecture": _prefecture_out(avenant),
            "visas": [visa.text for visa in self.visas[avenant.pk]],
            "articles": [give(article, ARTICLE_FIELDS) for article in self.articles[avenant.pk]],
            "operations": [self.operation(op) for op in self.operations[avenant.pk]],
        })

    def operation(self, operation):
        data = {"op": operation.op}
        for key in OPERATION.variants[operation.op]:
            if key in OPERATION_FIELDS:
                data[key] = getattr(operation, OPERATION_FIELDS[key])
            elif key == "target":
                target = operation.target_fiche or operation.target_equipment
                data[key] = target.key
            elif key == "fiche":
                data[key] = self.fiche(self.fiches[operation.fiche_id])
            elif key == "equipment":
                data[key] = self.equipment_item(self.equipment[operation.equipment_id])
        return data

    def annexes(self):
        c = self.c
        return shape(ANNEXES, {
            "previous_evaluation": out(c.previous_evaluation),
            "diagnosis": {
                "summary": out(c.diagnosis_summary),
                "issues": [issue.text for issue in c.diagnosis_issues.order_by("position", "id")],
                "indicators": [
                    give(i, DIAGNOSIS_INDICATOR_FIELDS) for i in c.diagnosis_indicators.order_by("position", "id")
                ],
            },
            "equipment": [self.equipment_item(e) for e in self.equipment.values() if e.avenant_id is None],
            "sppe_schema": [give(row, SPPE_FIELDS) for row in c.sppe_rows.order_by("position", "id")],
            "governance_text": out(c.governance_text),
            "evaluation_text": out(c.evaluation_text),
            "deliberations": [
                shape(DELIBERATION, {
                    **give(d, DELIBERATION_FIELDS), "signatory": d.organisation.code if d.organisation else None,
                })
                for d in c.deliberations.select_related("organisation").order_by("position", "id")
            ],
        })

    def governance(self):
        c = self.c
        meeting_fiches = _grouped(
            Meeting.fiches.through.objects.filter(meeting__convention=c).select_related("fiche").order_by("id"),
            "meeting_id",
        )
        meetings = c.meetings.select_related("body").prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.prefetch_related("fiches", "milestones")),
            "participants",
            Prefetch("decisions", queryset=Decision.objects.select_related("fiche", "avenant")),
        ).order_by("id")
        bodies = list(c.bodies.prefetch_related("members").order_by("position", "id"))
        self.member_references = {
            member.pk: {"body": body.key, "index": index}
            for body in bodies for index, member in enumerate(body.members.all())
        }
        return {
            "bodies": [self.body(body) for body in bodies],
            "meetings": [
                shape(MEETING, {
                    **give(meeting, MEETING_FIELDS),
                    "body": meeting.body.key,
                    "agenda": [self.agenda_item(item) for item in meeting.agenda_items.all()],
                    "participants": [
                        shape(PARTICIPANT, {**give(p, PARTICIPANT_FIELDS), "member": self.member_references.get(p.member_id)})
                        for p in meeting.participants.all()
                    ],
                    "decisions": [self.decision(decision) for decision in meeting.decisions.all()],
                    "fiches": self.fiche_keys(link.fiche for link in meeting_fiches[meeting.pk]),
                })
                for meeting in meetings
            ],
            "cooperation_officers": [
                shape(OFFICER, {
                    **give(officer, OFFICER_FIELDS),
                    "organisation": officer.organisation.code if officer.organisation else None,
                })
                for officer in c.cooperation_officers.select_related("organisation").order_by("position", "id")
            ],
        }

    def fiche_keys(self, fiches):
        return [fiche.key for fiche in fiches if fiche.key in self.exported_fiches]

    def body(self, body):
        data = give(body, BODY_FIELDS)
        if body.expected_per_year == expected_per_year(body.frequency, body.kind):
            data["expected_per_year"] = None  # what the frequency says: nothing to add
        return shape(BODY, {**data, "members": [shape(MEMBER, give(m, MEMBER_FIELDS)) for m in body.members.all()]})

    def agenda_item(self, item):
        """A text, or an object when the item presents fiches or milestones."""
        fiches = self.fiche_keys(item.fiches.all())
        milestones = [self.milestone_indexes[m.pk] for m in item.milestones.all()]
        if not (fiches or milestones):
            return item.text
        return shape(AGENDA_ITEM, {"text": item.text, "fiches": fiches, "milestones": milestones})

    def decision(self, decision):
        """A text, or an object when the decision concerns a fiche or calls for an avenant: then
        `calls_for_avenant` is the number of the avenant that carries it out, or `true`."""
        fiche = decision.fiche.key if decision.fiche and decision.fiche.key in self.exported_fiches else None
        avenant = decision.avenant
        calls = avenant.number if avenant and any(a.pk == avenant.pk for a in self.avenants) else decision.requires_avenant
        if fiche is None and not calls:
            return decision.text
        return shape(DECISION, {"text": decision.text, "fiche": fiche, "calls_for_avenant": calls})
