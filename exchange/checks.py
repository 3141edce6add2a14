"""Cross-object checks, the second pass of validation: references, uniqueness, dates, numbers
in force. `Validator.run` also runs the schema (first pass) and collects every error."""

from collections import defaultdict

from conventions.enums import AvenantStatus, OrganisationKind
from conventions.models import Convention, SignedOriginal

from .fields import organisation_identity
from .schema import DOCUMENT, EQUIPMENT_OPERATIONS, FICHE_OPERATIONS
from .types import INVALID, join_path


def _fr(day):
    return f"{day:%d/%m/%Y}"


class _Keyed:
    """Things keyed across the whole document (fiches, equipment) that operations target:
    a target must be defined earlier, in the base plan or by an earlier avenant."""

    def __init__(self, v, noun, unknown):
        self.v, self.noun, self.unknown = v, noun, unknown
        self.defined = {}  # key -> (item, avenant or None)
        self.superseded = {}  # key -> number of the signed avenant that replaced or abrogated it

    def define(self, item, avenant=None):
        key = item.get("key")
        if key is None:
            return
        if key in self.defined:
            first = self.defined[key][0]
            self.v.error(join_path(item["_path"], "key"), f"clé « {key} » déjà utilisée par {self.noun} {first['_path']}")
        else:
            self.defined[key] = (item, avenant)

    def target(self, key, path, avenant, targeted_here):
        """Check an operation of `avenant` aiming at `key`."""
        if key not in self.defined or self.defined[key][1] is avenant:
            self.v.error(path, self.unknown.format(key=key))
            return
        introduced_by = self.defined[key][1]
        signed = avenant.get("status") == AvenantStatus.SIGNE
        if key in targeted_here:
            self.v.error(path, f"{self.noun} « {key} » fait déjà l'objet d'une autre opération de cet avenant")
        elif key in self.superseded:
            self.v.error(path, f"l'avenant n°{self.superseded[key]} a déjà abrogé ou remplacé {self.noun} « {key} »")
        elif signed and introduced_by is not None and introduced_by.get("status") != AvenantStatus.SIGNE:
            self.v.error(path, f"{self.noun} « {key} » provient de l'avenant n°{introduced_by.get('number')}, qui n'est pas signé")
        targeted_here.add(key)
        if signed:
            self.superseded.setdefault(key, avenant.get("number"))


class Validator:
    def __init__(self, replace=False):
        self.replace = replace
        self.errors = []

    def error(self, path, message):
        self.errors.append(f"{path or 'document'}: {message}")

    def invalid(self, path, message):
        self.error(path, message)
        return INVALID

    def run(self, data):
        document = DOCUMENT.clean(self, data, "")
        if document is INVALID or not isinstance(document.get("convention"), dict):
            return document
        c = document["convention"]
        self.check_convention(c)
        self.check_parties(c)
        self.check_plan(c)
        self.check_amendments(c)
        self.check_numbers_in_force(c)
        self.check_governance(c)
        self.check_bilans(c)
        return document

    # -- helpers

    def unique(self, items, field, message):
        """Report items whose `field` repeats an earlier one; return {value: first item}."""
        seen = {}
        for item in items:
            value = item.get(field)
            if value is None:
                continue
            if value in seen:
                self.error(join_path(item["_path"], field), message.format(value=value, first=seen[value]["_path"]))
            else:
                seen[value] = item
        return seen

    def resolve_party(self, code, path):
        kinds = self.parties.get(code)
        if not kinds:
            self.error(path, f"organisation « {code} » inconnue : ce doit être le code de la Caf ou d'un signataire")
        elif len(kinds) > 1:
            self.error(path, f"code « {code} » ambigu : il désigne plusieurs parties ({', '.join(sorted(kinds))})")

    # -- sections

    def check_convention(self, c):
        period = c.get("period") or {}
        if "start" in period and "end" in period and period["end"] <= period["start"]:
            self.error(join_path(period["_path"], "end"), f"la fin ({_fr(period['end'])}) doit être postérieure au début ({_fr(period['start'])})")
        self.unique(c.get("articles", []), "number", "article « {value} » en double (déjà en {first})")
        slug = c.get("slug")
        if slug and c.get("previous") == slug:
            self.error("convention.previous", "une convention ne peut pas renouveler elle-même")
        if slug and not self.replace and Convention.objects.filter(slug=slug).exists():
            self.error("convention.slug", f"une convention « {slug} » existe déjà (utilisez --replace)")
        if slug and self.replace:
            # A deposited original is never deleted: the avenant it belongs to must stay.
            numbers = {a.get("number") for a in c.get("amendments", [])}
            signed = SignedOriginal.objects.filter(convention__slug=slug, avenant__isnull=False)
            for number in sorted(set(signed.values_list("avenant__number", flat=True)) - numbers):
                self.error("convention.amendments", f"l'avenant n°{number} a un original signé déposé : le document doit le contenir pour remplacer la convention")

    def check_parties(self, c):
        """One description per organisation; references by code resolve among the parties."""
        organisations = []
        if isinstance(c.get("caf"), dict):
            organisations.append(c["caf"])
            if c["caf"].get("kind") not in (None, OrganisationKind.CAF):
                self.error("convention.caf.kind", "la Caf doit être une organisation de type « caf »")
        organisations += [s["organisation"] for s in c.get("signatories", []) if "organisation" in s]
        described = {}
        self.parties = defaultdict(set)
        for org in organisations:
            if "kind" not in org or "name" not in org:
                continue
            identity = organisation_identity(org)
            if org.get("code"):
                self.parties[org["code"]].add(org["kind"])
            first = described.setdefault(identity, org)
            for field in ("name", "population"):
                if field in org and field in first and org[field] != first[field]:
                    self.error(join_path(org["_path"], field), f"l'organisation {org['kind']} « {org.get('code') or org['name']} » est décrite autrement en {first['_path']}")

    def check_plan(self, c):
        self.communes = self.unique(c.get("communes", []), "insee", "commune « {value} » en double (déjà en {first})")
        self.axes = self.unique(c.get("axes", []), "number", "axe {value} en double (déjà en {first})")
        self.fiches = _Keyed(self, "la fiche", "fiche « {key} » inconnue : elle doit figurer dans le plan initial ou dans un avenant précédent")
        self.equipment = _Keyed(self, "l'équipement", "équipement « {key} » inconnu : il doit figurer dans l'annexe 3 initiale ou dans un avenant précédent")
        for fiche in c.get("fiches", []):
            self.check_fiche(fiche)
            self.fiches.define(fiche)
        for item in (c.get("annexes") or {}).get("equipment", []):
            self.check_equipment(item)
            self.equipment.define(item)
        for deliberation in (c.get("annexes") or {}).get("deliberations", []):
            if deliberation.get("signatory"):
                self.resolve_party(deliberation["signatory"], join_path(deliberation["_path"], "signatory"))

    def check_fiche(self, fiche):
        path = fiche["_path"]
        axis = self.axes.get(fiche.get("axis"))
        if "axis" in fiche and axis is None:
            self.error(join_path(path, "axis"), f"axe {fiche['axis']} inconnu")
        objective = fiche.get("objective")
        if axis is not None and objective is not None and "objectives" in axis:
            count = len(axis["objectives"])
            if objective > count:
                self.error(join_path(path, "objective"), f"objectif {objective} inconnu : l'axe {axis['number']} en compte {count}")
        commune = fiche.get("commune")
        if commune and commune not in self.communes:
            self.error(join_path(path, "commune"), f"commune « {commune} » absente des communes de la convention")
        for index, code in enumerate(fiche.get("lead_organisations", [])):
            self.resolve_party(code, f"{path}.lead_organisations[{index}]")
        start, end = fiche.get("start_year"), fiche.get("end_year")
        if start is not None and end is not None and end < start:
            self.error(join_path(path, "end_year"), f"l'année de fin ({end}) précède l'année de début ({start})")
        indicators = self.unique(fiche.get("indicators", []), "key", "indicateur « {value} » en double (déjà en {first})")
        self.unique(fiche.get("updates", []), "period", "période « {value} » déjà suivie en {first}")
        for update in fiche.get("updates", []):
            for key in update.get("indicator_values", {}):
                if key not in indicators:
                    self.error(f"{update['_path']}.indicator_values.{key}", f"indicateur « {key} » inconnu pour cette fiche")

    def check_equipment(self, item):
        if item.get("funded_by"):
            self.resolve_party(item["funded_by"], join_path(item["_path"], "funded_by"))

    def check_amendments(self, c):
        avenants = c.get("amendments", [])
        previous = None
        for avenant in avenants:
            path, number = avenant["_path"], avenant.get("number")
            if number is not None:
                if previous is not None and number <= previous:
                    self.error(join_path(path, "number"), f"avenant n°{number} : les avenants doivent être classés par numéro croissant, sans doublon")
                previous = number if previous is None else max(previous, number)
            start, until = avenant.get("effective_from"), avenant.get("effective_until")
            if start and until and until < start:
                self.error(join_path(path, "effective_until"), f"le terme ({_fr(until)}) précède la prise d'effet ({_fr(start)})")
            self.unique(avenant.get("articles", []), "number", "article « {value} » en double dans cet avenant (déjà en {first})")
            self.check_operations(avenant)

    def check_operations(self, avenant):
        targeted = {"fiche": set(), "equipment": set()}
        added = []
        for operation in avenant.get("operations", []):
            path = operation["_path"]
            kind = "equipment" if operation["op"] in EQUIPMENT_OPERATIONS else "fiche"
            registry = self.equipment if kind == "equipment" else self.fiches
            if "target" in operation:
                registry.target(operation["target"], join_path(path, "target"), avenant, targeted[kind])
            if isinstance(operation.get("fiche"), dict):
                self.check_fiche(operation["fiche"])
                added.append(operation["fiche"])
            if isinstance(operation.get("equipment"), dict):
                self.check_equipment(operation["equipment"])
                self.equipment.define(operation["equipment"], avenant)
        for fiche in added:  # defined after the targets: an avenant cannot aim at its own fiches
            self.fiches.define(fiche, avenant)

    def check_numbers_in_force(self, c):
        """Two fiches in force on the same date never share a number. The plan in force changes
        only on an avenant's effective date, so the base plan and each of those dates are checked;
        a draft is checked as if it were signed, so that signing it cannot break the rule."""
        base = [f for f in c.get("fiches", []) if "number" in f and "key" in f]
        avenants = [a for a in c.get("amendments", []) if "effective_from" in a]
        reported = set()
        checks = [(None, [])] + [
            (a["effective_from"], [b for b in avenants if b is a or (
                b.get("status") == AvenantStatus.SIGNE and b["effective_from"] <= a["effective_from"]
            )])
            for a in avenants
        ]
        for day, applied in checks:
            in_force = {f["key"]: f for f in base}
            for avenant in applied:
                for operation in avenant.get("operations", []):
                    if operation["op"] in FICHE_OPERATIONS:
                        in_force.pop(operation.get("target"), None)
                    fiche = operation.get("fiche")
                    if isinstance(fiche, dict) and "number" in fiche and "key" in fiche:
                        in_force[fiche["key"]] = fiche
            by_number = defaultdict(list)
            for fiche in in_force.values():
                by_number[fiche["number"]].append(fiche)
            for number, fiches in by_number.items():
                first = fiches[0]
                for other in fiches[1:]:
                    if (first["key"], other["key"]) in reported:
                        continue
                    reported.add((first["key"], other["key"]))
                    when = f"en vigueur en même temps le {_fr(day)}" if day else "du plan initial"
                    self.error(join_path(other["_path"], "number"), f"numéro {number} déjà porté par la fiche « {first['key']} », {when}")

    def check_governance(self, c):
        governance = c.get("governance") or {}
        bodies = self.unique(governance.get("bodies", []), "key", "instance « {value} » en double (déjà en {first})")
        milestones = c.get("milestones", [])
        avenants = {a.get("number") for a in c.get("amendments", [])}
        for meeting in governance.get("meetings", []):
            if meeting.get("body") and meeting["body"] not in bodies:
                self.error(join_path(meeting["_path"], "body"), f"instance « {meeting['body']} » inconnue")
            self.check_fiche_keys(meeting, "fiches")
            for item in meeting.get("agenda", []):
                self.check_fiche_keys(item, "fiches")
                for index, number in enumerate(item.get("milestones", [])):
                    if number >= len(milestones):
                        self.error(f"{item['_path']}.milestones[{index}]", f"jalon {number} inconnu : le document en compte {len(milestones)} (numérotés à partir de 0)")
            for participant in meeting.get("participants", []):
                self.check_member(participant, bodies)
            for decision in meeting.get("decisions", []):
                if decision.get("fiche") and decision["fiche"] not in self.fiches.defined:
                    self.error(join_path(decision["_path"], "fiche"), f"fiche « {decision['fiche']} » inconnue")
                calls = decision.get("calls_for_avenant")
                if not isinstance(calls, bool) and calls is not None and calls not in avenants:
                    self.error(join_path(decision["_path"], "calls_for_avenant"), f"avenant n°{calls} absent de amendments")
        for officer in governance.get("cooperation_officers", []):
            if officer.get("organisation"):
                self.resolve_party(officer["organisation"], join_path(officer["_path"], "organisation"))
        for milestone in milestones:
            if milestone.get("body") and milestone["body"] not in bodies:
                self.error(join_path(milestone["_path"], "body"), f"instance « {milestone['body']} » inconnue")
            start, end = milestone.get("start"), milestone.get("end")
            if start and end and end < start:
                self.error(join_path(milestone["_path"], "end"), f"l'échéance ({_fr(end)}) précède le début ({_fr(start)})")
        self.unique([m for m in milestones if m.get("generated")], "generated", "jalon généré « {value} » en double (déjà en {first})")

    def check_fiche_keys(self, item, field):
        for index, key in enumerate(item.get(field, [])):
            if key not in self.fiches.defined:
                self.error(f"{item['_path']}.{field}[{index}]", f"fiche « {key} » inconnue")

    def check_member(self, participant, bodies):
        member = participant.get("member")
        if not isinstance(member, dict) or "body" not in member or "index" not in member:
            return
        body = bodies.get(member["body"])
        if body is None:
            self.error(join_path(member["_path"], "body"), f"instance « {member['body']} » inconnue")
        elif member["index"] >= len(body.get("members", [])):
            self.error(join_path(member["_path"], "index"), f"membre {member['index']} inconnu : l'instance « {member['body']} » en compte {len(body.get('members', []))} (numérotés à partir de 0)")

    def check_bilans(self, c):
        bilans = c.get("bilans", [])
        self.unique(bilans, "kind", "bilan « {value} » en double (déjà en {first})")
        for bilan in bilans:
            period = bilan.get("period") or {}
            if "start" in period and "end" in period and period["end"] < period["start"]:
                self.error(join_path(period["_path"], "end"), f"la fin ({_fr(period['end'])}) précède le début ({_fr(period['start'])})")
