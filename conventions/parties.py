"""The parties of a convention as its documents name them: each organisation with its
representatives (the Signatory rows), in order of first appearance. The sentences (« La Caisse
d'allocations familiales de l'Eure, représentée par … dûment autorisés à signer … ») are written
once, in templates/pdf/_parties.html, which the PDF documents and the convention's pages include,
with the words `Party` agrees with the organisation and its representatives; the signature block
is templates/pdf/_signatures.html."""

import re
from typing import NamedTuple

from .enums import OrganisationKind

# The assembly whose deliberation authorises a collectivité to sign (`002_…`, annexe 7).
ASSEMBLY = {
    OrganisationKind.COMMUNE: "conseil municipal",
    OrganisationKind.EPCI: "conseil communautaire",
    OrganisationKind.DEPARTEMENT: "conseil départemental",
}
DEFAULT_ASSEMBLY = "assemblée délibérante"

# Names that take « la » or « le » in a sentence (« la Communauté de communes Roumois Seine »);
# other names (« Pornic Agglo Pays de Retz ») are written bare.
FEMININE = ("caisse", "caf", "communauté", "commune", "ville", "métropole", "collectivité", "agglomération")
MASCULINE = ("département", "conseil", "syndicat", "pôle", "pays")


# Kinds of organisation whose bare name (« Pornic Agglo Pays de Retz ») is still feminine: a
# communauté, a commune, a caisse.
FEMININE_KINDS = (OrganisationKind.CAF, OrganisationKind.COMMUNE, OrganisationKind.EPCI, OrganisationKind.MSA)

FEMININE_CIVILITY = re.compile(r"^(mme|madame|mlle|mademoiselle|la)(?=[\s.]|$)", re.IGNORECASE)
MASCULINE_CIVILITY = re.compile(r"^(m|monsieur|mr|le)(?=[\s.]|$)", re.IGNORECASE)
# The first word of a capacity: « directrice », « présidente », « conseillère », « adjointe »…
FEMININE_CAPACITY = re.compile(r"^\S*(rice|ente|ère|ointe|ée)\b", re.IGNORECASE)
MASCULINE_CAPACITY = re.compile(r"^\S*(eur|ent|er|oint|é)\b", re.IGNORECASE)


def representative_gender(signatory):
    """"f", "m", or None when neither the civility (« Mme », « M. ») nor the capacity
    (« directrice », « président » ; « maire » says nothing) tells."""
    name, capacity = signatory.representative.strip(), signatory.capacity.strip()
    if FEMININE_CIVILITY.match(name):
        return "f"
    if MASCULINE_CIVILITY.match(name):
        return "m"
    if FEMININE_CAPACITY.match(capacity):
        return "f"
    if MASCULINE_CAPACITY.match(capacity):
        return "m"
    return None


ELIDED = tuple("aeiouyàâäéèêëîïôöûüù")
HAS_ARTICLE = re.compile(r"^(la|le|les)\s|^l['’]", re.IGNORECASE)


def signing_title(signatory):
    """The capacity heading the signatory's column in the signature block, with the article
    `002_…` writes (« La Directrice, » « Le Président, », « L'Adjointe, »); bare when neither the
    civility nor the capacity tells the gender (« Maire ») or when it has its article already."""
    capacity = signatory.capacity.strip()
    titled = capacity[:1].upper() + capacity[1:]
    gender = representative_gender(signatory)
    if not capacity or gender is None or HAS_ARTICLE.match(capacity):
        return titled
    if capacity.lower().startswith(ELIDED):
        return f"L'{titled}"
    return f"{'La' if gender == 'f' else 'Le'} {titled}"


def is_feminine(organisation):
    first = organisation.name.split(" ", 1)[0].lower()
    if first.startswith(FEMININE):
        return True
    return not first.startswith(MASCULINE) and organisation.kind in FEMININE_KINDS


class Party(NamedTuple):
    """An organisation and its representatives; unpacks as (organisation, representatives)."""

    organisation: object
    representatives: list

    @property
    def name(self):
        """At the head of its sentence: « La Communauté de communes Roumois Seine »."""
        named = with_article(self.organisation.name)
        return named[:1].upper() + named[1:]

    @property
    def represented(self):
        return "représentée" if is_feminine(self.organisation) else "représenté"

    @property
    def designated(self):
        return "dénommée" if is_feminine(self.organisation) else "dénommé"

    @property
    def authorised(self):
        """« dûment autorisé », « autorisée », « autorisés », « autorisées » as the representatives
        are; when one of them is unknown (« Claire DUVAL, maire »), the neutral « ayant qualité »."""
        genders = [representative_gender(s) for s in self.representatives]
        if None in genders:
            return "ayant qualité pour signer"
        ending = ("e" if set(genders) == {"f"} else "") + ("s" if len(genders) > 1 else "")
        return f"dûment autorisé{ending} à signer"

    @property
    def deliberation(self):
        """« par délibération de son conseil communautaire » for a collectivité, which signs after
        its assembly's deliberation (`002_…`); "" for the Caf and the other partners."""
        assembly = ASSEMBLY.get(self.organisation.kind)
        return f"par délibération de son {assembly}" if assembly else ""


def parties_of(signatories):
    """The signatories grouped by party, in order of first appearance: [Party(organisation, [signatory, …])]."""
    parties = {}
    for signatory in signatories:
        parties.setdefault(signatory.organisation_id, Party(signatory.organisation, [])).representatives.append(signatory)
    return list(parties.values())


def collectivities(convention, signatories=None):
    """The signatory organisations other than the Caf (the collectivités), in the order of the
    signatories; `signatories` when already loaded (with their organisation)."""
    if signatories is None:
        signatories = convention.signatories.select_related("organisation")
    seen = {}
    for signatory in signatories:
        organisation = signatory.organisation
        if organisation.pk != convention.caf_id and organisation.kind != OrganisationKind.CAF:
            seen.setdefault(organisation.pk, organisation)
    return list(seen.values())


COPY_WORDS = ["un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix"]


def copies(count):
    """« en deux exemplaires », as `002_…` writes it: one original per party."""
    number = COPY_WORDS[count - 1] if count <= len(COPY_WORDS) else str(count)
    return f"{number} exemplaire{'s' if count > 1 else ''}"


def signature_context(convention):
    """The parties and their signatories, in the same order for the parties and the signature block."""
    parties = parties_of(convention.signatories.select_related("organisation"))
    return {"parties": parties, "signatories": [s for _, representatives in parties for s in representatives],
            "copies": copies(len(parties)) if parties else ""}


def with_article(name):
    """« la Communauté de communes Roumois Seine », « le Département de l'Eure », « Pornic Agglo »."""
    first = name.split(" ", 1)[0].lower()
    if first.startswith(FEMININE):
        return f"la {name}"
    if first.startswith(MASCULINE):
        return f"le {name}"
    return name


def assembly_of(organisation):
    return ASSEMBLY.get(organisation.kind, DEFAULT_ASSEMBLY)


def joined(names):
    """« A », « A et B », « A, B et C »."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} et {names[-1]}"
