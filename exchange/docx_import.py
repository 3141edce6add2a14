"""A CTG taken up from its Word document: what `docx_reader` recognised, plus what the person
assigned by hand, becomes a convention — in préparation, or signed on its date (an existing act).

`import_plan(reading)` settles what the reading leaves open (fiche numbers, titles, axes,
thématiques) and says so in French notes; `assignment_targets(reading)` lists where an
unrecognised paragraph may go (the préambule, an article, an annex text, a fiche's box), as
"préambule", "article-2", "annexe-5", "fiche-3-implementation"; `docx_import(...)` builds the
exchange-format document (`docs/format-echange.md`) and writes it with the exchange importer,
all or nothing (`exchange.importer.import_document`), so that the convention then exports and
imports like any other. `recognition_report(reading, plan)` is the report the preview page and
`manage.py import_docx` show.

The file itself waits between the preview and the creation in Django's storage (`keep_upload`,
`kept_upload`, `forget_upload`), under a random token, in the folder of the user who sent it."""

import re
from dataclasses import dataclass, field

from actions.enums import Theme
from actions.models import RESERVED_KEYS, Axis, Fiche
from conventions.enums import ANNEX_TITLES, ConventionStatus, OrganisationKind, Role
from conventions.models import Article, Convention, Membership, Organisation, Signatory
from ctg.errors import DomainError
from ctg.keys import unique_slug
from ctg.text import fold

from .checks import Validator
from .docx_reading import markdown_of, text_of
from .docx_text import ANNEX_TEXTS, FICHE_BOXES
from .importer import import_document
from .reading import ExchangeError
from .schema import FORMAT, VERSION

TO_FILL = "À préciser"
DEFAULT_AXIS = "Plan d'actions"


def _fit(model, name, text):
    """`text` cut to the model field's length (an ellipsis says it was cut)."""
    limit = model._meta.get_field(name).max_length
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- What the reading leaves open ---------------------------------------------------------------


@dataclass
class PlannedFiche:
    read: object  # the FicheRead
    position: int  # in the document, from 1
    number: int
    title: str
    axis: int
    themes: list

    @property
    def label(self):
        return f"Fiche {self.number} « {self.title} »"


@dataclass
class ImportPlan:
    axes: list  # [(number, title, [objective titles])]
    fiches: list  # [PlannedFiche]
    notes: list = field(default_factory=list)


def import_plan(reading):
    """Numbers, titles, axes and thématiques of the fiches as they will be created."""
    notes = list(reading.notes)
    axes = {axis.number: axis for axis in reading.axes}
    default_axis = min(axes) if axes else None
    numbers, used = [], set()
    for fiche in reading.fiches:  # a number written twice is kept by its first fiche only
        numbers.append(fiche.number if fiche.number and fiche.number not in used else None)
        used.add(fiche.number)
    planned, previous = [], 0
    for position, (fiche, number) in enumerate(zip(reading.fiches, numbers, strict=True), start=1):
        if number is None:
            number = previous + 1
            while number in used:
                number += 1
            used.add(number)
            if fiche.number:
                notes.append(f"Le numéro {fiche.number} est déjà pris : « {fiche.title or fiche.number} » devient la fiche {number}.")
        previous = number
        title = fiche.title or f"Fiche action n°{number}"
        if not fiche.title:
            notes.append(f"La fiche {number} n'a pas d'intitulé reconnu : « {title} » est proposé.")
        axis = fiche.axis
        if axis is None:
            if default_axis is None:
                default_axis = 1
                notes.append(f"Aucun axe n'est reconnu : les fiches sont rangées dans un axe « {DEFAULT_AXIS} ».")
            axis = default_axis
        themes = list(fiche.themes)
        if not themes:
            themes = [Theme.AUTRE.value]
            notes.append(f"La fiche {number} n'a pas de thématique reconnue : « Autre » est retenue.")
        notes += [f"Fiche {number} : {note}." for note in fiche.notes]
        planned.append(PlannedFiche(fiche, position, number, _fit(Fiche, "title", title), axis, themes))
    used = {p.axis for p in planned} | set(axes)
    axis_list = []
    for number in sorted(used):
        axis = axes.get(number)
        title = (axis.title if axis else "") or (DEFAULT_AXIS if number == default_axis and not axes else f"Axe {number}")
        objectives = [axis.objectives.get(n, f"Objectif {number}.{n}") for n in range(1, max(axis.objectives, default=0) + 1)] if axis else []
        axis_list.append((number, _fit(Axis, "title", title), objectives))
    return ImportPlan(axis_list, planned, notes)


# --- Where an unrecognised paragraph may go -------------------------------------------------------


def assignment_targets(reading, plan=None):
    """[(group, [(value, label)])] for the select of each unrecognised paragraph; "" drops it."""
    plan = plan or import_plan(reading)
    body = [("preambule", "Préambule")]
    body += [(f"article-{position}", f"Article {a.number}" + (f" — {a.title}" if a.title else ""))
             for position, a in enumerate(reading.articles, start=1)]
    annexes = [(f"annexe-{n}", f"Annexe {n} — {ANNEX_TITLES[n]}") for n in ANNEX_TEXTS]
    groups = [("", [("", "Ne pas reprendre")]), ("Texte de la convention", body), ("Annexes", annexes)]
    for fiche in plan.fiches:
        groups.append((fiche.label, [(f"fiche-{fiche.position}-{box}", f"{fiche.label} — {label}")
                                     for box, label in FICHE_BOXES.items()]))
    return groups


def target_values(reading, plan=None):
    return {value for _, options in assignment_targets(reading, plan) for value, _ in options}


def _assigned(reading, assignments):
    """{target: [Block]} of the unrecognised paragraphs given a place."""
    placed = {}
    for block in reading.unrecognised:
        target = (assignments or {}).get(block.index, "")
        if target:
            placed.setdefault(target, []).append(block)
    return placed


def _merged(blocks, extra):
    """Recognised and assigned paragraphs, in the document's order."""
    return markdown_of(sorted([*blocks, *extra], key=lambda b: b.index))


# --- The organisations -------------------------------------------------------------------------


def _territory(name):
    """« de l'Eure » of « Caisse d'allocations familiales de l'Eure » or « Caf de l'Eure »: what
    tells two names of one Caf apart from another Caf."""
    folded = fold(name)
    match = re.search(r"(?:familiales|caf)\s+(?:de la |de l'|du |des |de |d')?(.+)$", folded)
    return re.sub(r"[\s'-]+", " ", match.group(1)).strip() if match else folded


def recognised_caf(reading):
    """The Caf the parties name: an existing one (same name, or the same département in another
    wording), or an unsaved `Organisation` to create; None when no party is a Caf."""
    party = next((p for p in reading.parties if p.kind == OrganisationKind.CAF), None)
    if party is None:
        return None
    cafs = list(Organisation.objects.filter(kind=OrganisationKind.CAF))
    same = next((c for c in cafs if fold(c.name) == fold(party.name)), None)
    same = same or next((c for c in cafs if _territory(c.name) == _territory(party.name)), None)
    return same or Organisation(kind=OrganisationKind.CAF, name=_fit(Organisation, "name", party.name))


def _organisation(party, known):
    """The exchange-format organisation of a collectivité: an existing one (same kind and name),
    or a new one without code (its SIREN or INSEE code is not in the document)."""
    existing = next((o for o in known if o.kind == party.kind and fold(o.name) == fold(party.name)), None)
    if existing is not None:
        return _described(existing)
    return {"name": _fit(Organisation, "name", party.name), "kind": party.kind}


def _described(organisation):
    data = {"name": organisation.name, "kind": organisation.kind, "population": organisation.population}
    if organisation.code:
        data["code"] = organisation.code
    return data


def _signatories(reading, caf, notes):
    known = list(Organisation.objects.exclude(kind=OrganisationKind.CAF))
    signatories = []
    caf_party = next((p for p in reading.parties if p.kind == OrganisationKind.CAF), None)
    others = [p for p in reading.parties if p.kind != OrganisationKind.CAF]
    if not others:
        raise DomainError(
            "Aucune collectivité signataire n'est reconnue dans le document : il doit nommer les parties après "
            "« Entre : » et « Et : » (« La Communauté de communes …, représentée par … »)."
        )
    if caf_party is None:
        notes.append(f"La Caf n'est pas nommée parmi les parties : son représentant est « {TO_FILL} ».")
    for party, organisation in [(caf_party, _described(caf)), *[(p, _organisation(p, known)) for p in others]]:
        representatives = (party.representatives if party else []) or [("", "")]
        for name, capacity in representatives:
            if not name or not capacity:
                notes.append(f"{organisation['name']} : représentant ou qualité à préciser.")
            signatories.append({
                "organisation": organisation,
                "representative": _fit(Signatory, "representative", name or TO_FILL),
                "capacity": _fit(Signatory, "capacity", capacity or TO_FILL),
            })
    return signatories


# --- The convention ------------------------------------------------------------------------------


def _fiche(planned, extra):
    fiche = planned.read
    data = {
        "key": None, "number": planned.number, "axis": planned.axis, "title": planned.title,
        "themes": planned.themes, "nature": sorted(set(fiche.natures)),
        "coordination_between_collectivities": fiche.coordination,
    }
    if fiche.objective:
        data["objective"] = fiche.objective
    for box in FICHE_BOXES:
        blocks = fiche.boxes.get(box, [])
        added = extra.get(f"fiche-{planned.position}-{box}", [])
        if box == "schedule":
            schedule = text_of(sorted([*blocks, *added], key=lambda b: b.index))
            if len(schedule) > Fiche._meta.get_field("schedule").max_length:
                # Too long for « Échéances » (a short line): kept at the end of « Modalités ».
                data["implementation"] = "\n\n".join(
                    filter(None, [data.get("implementation", ""), f"**Échéances de réalisation :** {schedule}"])
                )
            else:
                data["schedule"] = schedule
        else:
            data[box] = _merged(blocks, added)
    return data


def build_document(reading, *, caf, slug, title, start, end, signed_on=None, assignments=None, plan=None):
    """The exchange-format document of the convention (and the notes on what was guessed)."""
    plan = plan or import_plan(reading)
    notes = list(plan.notes)
    extra = _assigned(reading, assignments)
    taken = set(RESERVED_KEYS)
    fiches = []
    for planned in plan.fiches:
        data = _fiche(planned, extra)
        data["key"] = unique_slug(planned.title, taken, fallback="fiche")
        taken.add(data["key"])
        fiches.append(data)
    articles = [
        {"number": article.number, "title": _fit(Article, "title", article.title),
         "body": _merged(article.blocks, extra.get(f"article-{position}", []))}
        for position, article in enumerate(reading.articles, start=1)
    ]
    annex_texts = {
        field_name: _merged(reading.annexes[n].blocks if n in reading.annexes else [], extra.get(f"annexe-{n}", []))
        for n, field_name in ANNEX_TEXTS.items()
    }
    stamp = reading.stamp
    convention = {
        "slug": slug,
        "title": _fit(Convention, "title", title),
        "caf": _described(caf),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "status": ConventionStatus.SIGNEE if signed_on else ConventionStatus.PREPARATION,
        "signed_on": signed_on.isoformat() if signed_on else None,
        "signed_at": _fit(Convention, "signed_at", reading.signed_at),
        "prefecture": {
            "sent_on": stamp["sent_on"].isoformat() if stamp.get("sent_on") else None,
            "received_on": stamp["received_on"].isoformat() if stamp.get("received_on") else None,
            "published_on": stamp["published_on"].isoformat() if stamp.get("published_on") else None,
            "act_id": stamp.get("act_id", ""),
        },
        "signatories": _signatories(reading, caf, notes),
        "visas": [visa.markdown for visa in reading.visas],
        "preamble": _merged(reading.preamble, extra.get("preambule", [])),
        "articles": articles,
        "axes": [{"number": n, "title": t, "objectives": o} for n, t, o in plan.axes],
        "fiches": fiches,
        "annexes": {
            "previous_evaluation": annex_texts["previous_evaluation"],
            "diagnosis": {"summary": annex_texts["diagnosis_summary"], "issues": reading.issues},
            "governance_text": annex_texts["governance_text"],
            "evaluation_text": annex_texts["evaluation_text"],
        },
    }
    return {"format": FORMAT, "version": VERSION, "convention": convention}, notes


@dataclass
class ImportResult:
    convention: object  # the Convention, None in a dry run
    document: dict
    notes: list


def docx_import(reading, *, by, caf, slug, title="", start=None, end=None, signed_on=None, signed=False,
                assignments=None, dry_run=False, replace=False):
    """Create the convention `reading` describes, all or nothing, and return an `ImportResult`.

    `caf`: the Caf (an `Organisation`, saved or, from `recognised_caf`, to create); `by` must be
    one of its agents (or a superuser; None on the command line). `signed`: as signed on
    `signed_on` (default: the date the document gives), else in préparation. `assignments`:
    {paragraph index: target} for the unrecognised paragraphs (`assignment_targets`).
    `dry_run`: check everything, write nothing; `replace`: a convention of the same slug is
    replaced (the demo data). Refused with a French `DomainError`."""
    if caf is None:
        raise DomainError("La Caf signataire n'est pas reconnue dans le document : choisissez-la.")
    if by is not None and not by.is_superuser and not (
        caf.pk and Membership.objects.filter(user=by, organisation=caf, role=Role.CAF).exists()
    ):
        raise DomainError(f"Vous ne pouvez reprendre une convention que pour votre Caf, pas pour « {caf.name} ».")
    title = (title or reading.title).strip()
    start, end = start or reading.start, end or reading.end
    if not title:
        raise DomainError("Le titre de la convention n'est pas reconnu : indiquez-le.")
    if not start or not end:
        raise DomainError("La période de la convention n'est pas reconnue : indiquez ses dates de début et de fin.")
    if end <= start:
        raise DomainError("La fin de la convention doit être postérieure à son début.")
    if signed:
        signed_on = signed_on or reading.signed_on
        if signed_on is None:
            raise DomainError("La date de signature n'est pas reconnue : indiquez-la pour reprendre une convention signée.")
    else:
        signed_on = None
    if not replace and Convention.objects.filter(slug=slug).exists():
        raise DomainError(f"Une convention porte déjà l'identifiant « {slug} » : choisissez-en un autre.")
    document, notes = build_document(reading, caf=caf, slug=slug, title=title, start=start, end=end,
                                     signed_on=signed_on, assignments=assignments)
    try:
        if dry_run:
            validator = Validator(replace=replace)
            validator.run(document)
            if validator.errors:
                raise ExchangeError(validator.errors)
            return ImportResult(None, document, notes)
        return ImportResult(import_document(document, by=by, replace=replace), document, notes)
    except ExchangeError as error:
        raise DomainError("La convention n'est pas créée : " + " ; ".join(error.errors)) from error


# --- The report --------------------------------------------------------------------------------


def _date(day):
    return f"{day:%d/%m/%Y}" if day else "non reconnue"


def recognition_report(reading, plan=None):
    """What was recognised, in French: [(heading, [lines])], for the preview and the command."""
    plan = plan or import_plan(reading)
    sections = [("Convention", [
        f"Titre : {reading.title or 'non reconnu'}",
        f"Période : du {_date(reading.start)} au {_date(reading.end)}",
        f"Signée à {reading.signed_at or '…'}, le {_date(reading.signed_on)}",
    ])]
    stamp = reading.stamp
    if stamp:
        sections[0][1].append("Tampon de la préfecture : " + ", ".join(filter(None, [
            stamp.get("sent_on") and f"envoyé le {_date(stamp['sent_on'])}",
            stamp.get("received_on") and f"reçu le {_date(stamp['received_on'])}",
            stamp.get("published_on") and f"publié le {_date(stamp['published_on'])}",
            stamp.get("act_id") and f"ID {stamp['act_id']}",
        ])))
    sections.append(("Parties", [
        f"{party.name} ({OrganisationKind(party.kind).label}) : "
        + (" ; ".join(f"{name or TO_FILL}, {capacity or TO_FILL}" for name, capacity in party.representatives)
           or "représentant non reconnu")
        for party in reading.parties
    ] or ["Aucune partie reconnue."]))
    sections.append(("Visas et préambule", [
        f"{len(reading.visas)} visa{'s' if len(reading.visas) > 1 else ''}",
        f"Préambule : {len(reading.preamble)} paragraphe{'s' if len(reading.preamble) > 1 else ''}",
    ]))
    sections.append(("Articles", [
        f"Article {a.number}" + (f" — {a.title}" if a.title else "")
        + f" ({len(a.blocks)} paragraphe{'s' if len(a.blocks) > 1 else ''})"
        for a in reading.articles
    ] or ["Aucun article reconnu."]))
    annexes = [f"Annexe {n} — {a.title or ANNEX_TITLES.get(n, '')}" for n, a in sorted(reading.annexes.items())]
    if reading.issues:
        annexes.append(f"Enjeux retenus : {len(reading.issues)}")
    sections.append(("Annexes", annexes or ["Aucune annexe reconnue."]))
    sections.append(("Axes", [f"Axe {n} — {t}" for n, t, _ in plan.axes] or ["Aucun axe."]))
    fiche_lines = []
    for planned in plan.fiches:
        boxes = [FICHE_BOXES[box] for box in FICHE_BOXES if planned.read.boxes.get(box)]
        themes = ", ".join(Theme(t).label for t in planned.themes)
        fiche_lines.append(f"{planned.label} — axe {planned.axis} — {themes} — "
                           + (", ".join(boxes) if boxes else "aucune case remplie"))
    sections.append(("Fiches actions", fiche_lines or ["Aucune fiche action reconnue."]))
    sections.append(("Non reconnu", [
        f"§ {block.index}" + (f" ({block.where})" if block.where else "") + (f", {block.context}" if block.context else "")
        + f" : {block.text[:200]}"
        for block in reading.unrecognised
    ] or ["Tout le texte est reconnu."]))
    if plan.notes:
        sections.append(("Remarques", plan.notes))
    return sections
