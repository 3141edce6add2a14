"""The parties of a convention as its documents name them: each organisation with its
representatives (the Signatory rows), in order of first appearance. The sentences (« représentée
par … dûment autorisé(e) à signer … ») are written once, in templates/pdf/_parties.html, which the
PDF documents and the convention's pages include; the signature block is templates/pdf/_signatures.html."""

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
FEMININE = ("caisse", "communauté", "commune", "ville", "métropole", "collectivité", "agglomération")
MASCULINE = ("département", "conseil", "syndicat", "pôle", "pays")


def parties_of(signatories):
    """The signatories grouped by party, in order of first appearance: [(organisation, [signatory, …])]."""
    parties = {}
    for signatory in signatories:
        parties.setdefault(signatory.organisation_id, (signatory.organisation, []))[1].append(signatory)
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


def signature_context(convention):
    """The parties and their signatories, in the same order for the parties and the signature block."""
    parties = parties_of(convention.signatories.select_related("organisation"))
    return {"parties": parties, "signatories": [s for _, representatives in parties for s in representatives]}


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
