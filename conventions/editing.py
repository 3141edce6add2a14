"""Preparing a convention in place: the saves of the preparation editors (« Parties et
territoire », « Texte de la convention », one page per annexe), each one transaction that refuses
to overwrite a concurrent change.

A page edits a *section*: some of the convention's own fields and some lists of rows. The page
carries the section's fingerprint (a hash of everything it shows) from the moment it was opened;
the save locks the convention row, recomputes the fingerprint and refuses with `EditConflict`
when someone changed the section meanwhile (in the application, the administration or an
import): two people preparing different annexes never collide, two people editing the same text
do, and the page then merges their edits field by field (`editor_views.rebase_page`,
`ctg.concurrency`). Rows are matched by id (the diagnosis grid by its natural key); an unchanged row is not saved,
so the history shows what each save changed; rows left out of the list are deleted.

Only a convention whose text is not frozen is edited here (`Convention.contract_refusal`)."""

import hashlib
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from ctg.errors import DomainError
from ctg.history import authored
from ctg.keys import unique_slug

from .enums import OrganisationKind
from .journal import changes_since
from .models import (
    Article,
    Commune,
    Convention,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Organisation,
    Signatory,
    SppeRow,
    Visa,
)


@dataclass(frozen=True)
class Listing:
    """One list of rows of a section: the fields the page edits, and the rows in their order."""

    model: type
    fields: tuple
    rows: object  # convention -> queryset
    key: tuple = ()  # fields matching a submitted row to a stored one, instead of its id


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple = ()  # the convention's own fields edited on the page
    lists: dict = field(default_factory=dict)

    def load(self, convention):
        return {name: list(listing.rows(convention)) for name, listing in self.lists.items()}

    def fingerprint(self, convention, loaded):
        """A hash of what the page shows: it changes with any of the section's fields or rows."""
        values = [getattr(convention, name) for name in self.fields]
        for name, listing in self.lists.items():
            values.append([(row.pk, *(_stored(row, name) for name in listing.fields)) for row in loaded[name]])
        return hashlib.sha256(repr(values).encode()).hexdigest()

    @property
    def models(self):
        return {listing.model.__name__ for listing in self.lists.values()} | ({"Convention"} if self.fields else set())


def _base_rows(related):
    return lambda c: getattr(c, related).filter(avenant__isnull=True)


SECTIONS = {
    section.key: section for section in [
        Section("parties", "Parties et territoire", lists={
            "signatories": Listing(Signatory, ("organisation", "representative", "capacity"),
                                   lambda c: c.signatories.select_related("organisation")),
            "communes": Listing(Commune, ("insee", "name", "population"), lambda c: c.communes.all()),
        }),
        Section("texte", "Texte de la convention", fields=("preamble", "signed_at", "signed_on"), lists={
            "visas": Listing(Visa, ("text",), _base_rows("visas")),
            "articles": Listing(Article, ("number", "title", "body"), _base_rows("articles")),
        }),
        Section("annexe-1", "Annexe 1 — Évaluation de la précédente CTG", fields=("previous_evaluation",)),
        Section("annexe-2", "Annexe 2 — Diagnostic partagé", fields=("diagnosis_summary",), lists={
            "indicators": Listing(
                DiagnosisIndicator, ("indicator", "year", "unit", "level", "territory", "value"),
                lambda c: c.diagnosis_indicators.all(), key=("indicator", "year", "level", "territory"),
            ),
            "issues": Listing(DiagnosisIssue, ("text",), lambda c: c.diagnosis_issues.all()),
        }),
        Section("annexe-3", "Annexe 3 — Équipements et services soutenus", lists={
            "equipment": Listing(
                Equipment, ("funded_by", "kind", "name", "address", "commune", "places", "caf_funding",
                            "local_funding", "bonus_territoire"),
                lambda c: c.equipment.filter(avenant__isnull=True).select_related("funded_by"),
            ),
        }),
        Section("annexe-4", "Annexe 4 — Schéma de maintien et de développement de l'offre d'accueil (SPPE)", lists={
            "sppe": Listing(
                SppeRow, ("kind", "name", "address", "current_places", "supported_places", "projection",
                          "projected_places", "horizon_year", "staffing_needs", "investment_type",
                          "investment_details"),
                lambda c: c.sppe_rows.all(),
            ),
        }),
        Section("annexe-5", "Annexe 5 — Pilotage stratégique et opérationnel, suivi", fields=("governance_text",)),
        Section("annexe-6", "Annexe 6 — Modalités d'évaluation", fields=("evaluation_text",)),
        Section("annexe-7", "Annexe 7 — Délibérations", lists={
            "deliberations": Listing(Deliberation, ("organisation", "body", "date", "number", "title"),
                                     lambda c: c.deliberations.select_related("organisation")),
        }),
    ]
}


class EditConflict(DomainError):
    """Someone changed the section after this user opened it. `fingerprint` is the section's
    current one (saving again with it confirms); `changes` are the journal entries written since."""

    def __init__(self, fingerprint, changes):
        super().__init__(
            "Cette partie de la convention a été modifiée par quelqu'un d'autre pendant que vous la modifiiez. "
            "Votre saisie est conservée ci-dessous ; vérifiez les changements intervenus puis enregistrez à "
            "nouveau pour confirmer."
        )
        self.fingerprint = fingerprint
        self.changes = changes


def _stored(row, name):
    """The stored value of a field, a related row by its id."""
    return getattr(row, row._meta.get_field(name).attname)


def _wanted(model, name, value):
    if model._meta.get_field(name).is_relation and isinstance(value, models.Model):
        return value.pk
    return value


def sync_rows(listing, stored, rows, *, new=dict, unique=None):
    """Make the `stored` rows of `listing` the submitted `rows` (dicts of the listing's fields,
    with "id" for a row kept from the page), in their order. Rows left out are deleted first, so a
    new row may take a removed row's unique value; `unique` names a field whose changed values are
    moved aside before the rows are saved (article numbers). `new(row)`: the other fields of a new
    row. Returns the rows, saved."""
    model = listing.model
    if listing.key:
        pool = {tuple(_stored(obj, name) for name in listing.key): obj for obj in stored}
        picked = [pool.pop(tuple(_wanted(model, n, row[n]) for n in listing.key), None) for row in rows]
    else:
        pool = {obj.pk: obj for obj in stored}
        picked = [pool.pop(row.get("id"), None) for row in rows]
    for obj in pool.values():
        obj.delete()
    if unique:
        moving = [obj.pk for obj, row in zip(picked, rows, strict=True) if obj and _stored(obj, unique) != row[unique]]
        model.objects.filter(pk__in=moving).update(**{unique: Concat(Value("~"), Cast("pk", models.CharField()))})
    saved = [None] * len(rows)
    # Kept rows first: a new row may take the unique value a kept row gives up.
    for position in sorted(range(len(rows)), key=lambda p: picked[p] is None):
        obj, row = picked[position], rows[position]
        if obj is None:
            obj = model(**new(row))
        changed = obj.pk is None or obj.position != position or any(
            _stored(obj, name) != _wanted(model, name, row[name]) for name in listing.fields
        )
        for name in listing.fields:
            setattr(obj, name, row[name])
        obj.position = position
        if changed:
            obj.save()
        saved[position] = obj
    return saved


def organisation_for(row, created):
    """The organisation of a submitted party row: the one chosen, or a new one (`row["new_organisation"]`:
    name, kind, code, population), created once per kind and code (`created` remembers them)."""
    if row.get("organisation") is not None:
        return row["organisation"]
    data = row["new_organisation"]
    identity = (data["kind"], data["code"])
    if identity not in created:
        existing = Organisation.objects.filter(kind=data["kind"], code=data["code"]).first()
        if existing is not None:
            raise DomainError(
                f"L'organisation « {existing.name} » porte déjà le code {data['code']} : choisissez-la dans la "
                "liste des organisations existantes."
            )
        created[identity] = Organisation.objects.create(**data)
    return created[identity]


def _prepare_signatories(convention, rows, loaded):
    created = {}
    for row in rows:
        row["organisation"] = organisation_for(row, created)
    organisations = {row["organisation"].pk: row["organisation"] for row in rows}
    if convention.caf_id not in organisations:
        raise DomainError(
            f"{convention.caf.name} signe la convention : gardez au moins un de ses représentants parmi les signataires."
        )
    if other_caf := next((o for o in organisations.values() if o.kind == OrganisationKind.CAF and o.pk != convention.caf_id), None):
        raise DomainError(f"« {other_caf.name} » est une autre Caf : une convention n'est signée que par sa Caf.")
    if len(organisations) < 2:
        raise DomainError("Une convention est signée par au moins une collectivité : ajoutez-en une.")
    leaving = {s.organisation_id for s in loaded} - set(organisations)
    funded = convention.equipment.filter(funded_by__in=leaving).select_related("funded_by").first()
    if funded:
        raise DomainError(
            f"« {funded.funded_by.name} » soutient encore « {funded.name} » (annexe 3) : changez d'abord cet "
            "équipement, ou gardez ce signataire."
        )
    deliberation = convention.deliberations.filter(organisation__in=leaving).select_related("organisation").first()
    if deliberation:
        raise DomainError(
            f"La délibération « {deliberation.title} » (annexe 7) est celle de « {deliberation.organisation.name} » : "
            "retirez-la d'abord, ou gardez ce signataire."
        )


def _prepare_communes(convention, rows, loaded):
    kept = {row.get("id") for row in rows}
    leaving = [c for c in loaded if c.pk not in kept]
    fiche = convention.fiches.filter(commune__in=leaving).select_related("commune").order_by("number").first()
    if fiche:
        raise DomainError(
            f"{fiche.commune.name} a un plan communal (action {fiche.number} « {fiche.title} ») : rattachez d'abord "
            "cette fiche au plan intercommunal ou à une autre commune."
        )


def _prepare_articles(convention, rows, loaded):
    for position, row in enumerate(rows):
        row["number"] = str(position + 1)


PREPARE = {"signatories": _prepare_signatories, "communes": _prepare_communes, "articles": _prepare_articles}
UNIQUE = {"articles": "number"}


def _new_row(convention, name):
    if name == "equipment":
        taken = set(convention.equipment.values_list("key", flat=True))

        def new(row):
            key = unique_slug(row["name"], taken, fallback="equipement")
            taken.add(key)
            return {"convention": convention, "key": key}

        return new
    return lambda row: {"convention": convention}


def fingerprint(convention, section):
    """The section's current fingerprint, and the rows it was computed from."""
    loaded = section.load(convention)
    return section.fingerprint(convention, loaded), loaded


@authored
def section_save(convention, section, *, by, fingerprint, opened_at=None, fields=None, lists=None):
    """Save what a preparation page submitted: `fields` ({name: value}) of the convention and
    `lists` ({name: [row dicts]}), in one transaction, unless the section changed since the page
    showed `fingerprint` (EditConflict, with the changes written since `opened_at`)."""
    fields, lists = fields or {}, lists or {}
    with transaction.atomic():
        locked = Convention.objects.select_for_update().select_related("caf").get(pk=convention.pk)
        locked.require_contract_editable()
        loaded = section.load(locked)
        current = section.fingerprint(locked, loaded)
        if current != fingerprint:
            raise EditConflict(current, changes_since(locked, section.models, opened_at, fields=section.fields))
        for name, rows in lists.items():
            if name in PREPARE:
                PREPARE[name](locked, rows, loaded[name])
        try:
            with transaction.atomic():
                for name, rows in lists.items():
                    sync_rows(section.lists[name], loaded[name], rows, new=_new_row(locked, name), unique=UNIQUE.get(name))
        except IntegrityError as error:
            raise DomainError(
                "Deux lignes ne peuvent pas porter la même valeur (code INSEE, numéro…) : corrigez la liste puis "
                "enregistrez à nouveau."
            ) from error
        changed = {name: value for name, value in fields.items() if getattr(locked, name) != value}
        for name, value in changed.items():
            setattr(locked, name, value)
        if changed:
            locked.save()
        return locked
