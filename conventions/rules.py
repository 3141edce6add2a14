"""Who may do what, in one place.

Roles on a convention: a superuser is `admin` everywhere; Caf staff (`caf`) on every convention
of their Caf; a collectivité's coordinator (`coordinateur`) or elected official (`elu`) on the
conventions their collectivité signs. Admin, Caf and coordinators may edit; élus only read.

What editing reaches depends on the convention's lifecycle (`Convention.contract_refusal`, the
one home of that rule): in préparation, editors write the body, the annexes and the plan; once
signed, those are contractual and change only through an avenant, which editors draft
(`ctg.propose_avenant`). Only the Caf (and the administrators) sign a convention or an avenant,
record a préfecture stamp and change a convention's status (`ctg.sign_convention`,
`ctg.change_status`). What is not contractual stays editable after signature with
`ctg.edit_convention`: quarterly tracking, meetings, minutes and decisions, body membership,
chargés de coopération, milestones, bilans.
Only Caf staff (and superusers) create a convention (`ctg.create_convention`).
"""

import rules

from .enums import Role

ADMIN = "admin"
EDITOR_ROLES = {ADMIN, Role.CAF, Role.COORDINATEUR}
SIGNER_ROLES = {ADMIN, Role.CAF}
ROLE_RANK = [ADMIN, Role.CAF, Role.COORDINATEUR, Role.ELU]


def memberships(user):
    """(organisation id, role) of each of the user's memberships. Cached on the user object: one
    query per request, whatever the number of checks (and `Convention.objects.for_user`)."""
    if not hasattr(user, "_ctg_memberships"):
        user._ctg_memberships = list(user.memberships.values_list("organisation_id", "role"))
    return user._ctg_memberships


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def _signatory_orgs(convention):
    if not hasattr(convention, "_ctg_signatory_orgs"):
        convention._ctg_signatory_orgs = set(convention.signatories.values_list("organisation_id", flat=True))
    return convention._ctg_signatory_orgs


def carry_role_facts(source, target):
    """The same convention fetched twice (a cached page's key, then the page): what `role_on` read
    on the first goes with the second, so its signatories are read once."""
    if hasattr(source, "_ctg_signatory_orgs"):
        target._ctg_signatory_orgs = source._ctg_signatory_orgs


def role_on(user, convention):
    """The user's strongest role on the convention, or None."""
    if not _active(user):
        return None
    if user.is_superuser:
        return ADMIN
    roles = set()
    for organisation_id, role in memberships(user):
        if role == Role.CAF and organisation_id == convention.caf_id:
            roles.add(Role.CAF)
        elif role != Role.CAF and organisation_id in _signatory_orgs(convention):
            roles.add(role)
    return next((r for r in ROLE_RANK if r in roles), None)


@rules.predicate
def has_role(user, convention):
    return convention is not None and role_on(user, convention) is not None


@rules.predicate
def is_editor(user, convention):
    return convention is not None and role_on(user, convention) in EDITOR_ROLES


@rules.predicate
def is_signer(user, convention):
    return convention is not None and role_on(user, convention) in SIGNER_ROLES


@rules.predicate
def contract_open(user, convention):
    """The body, annexes and base plan may be edited directly: the convention is in préparation."""
    return convention is not None and not convention.contract_refusal()


@rules.predicate
def is_signed(user, convention):
    return convention is not None and convention.is_signed


@rules.predicate
def is_fiche_editor(user, fiche):
    return fiche is not None and is_editor(user, fiche.convention)


@rules.predicate
def fiche_open(user, fiche):
    """The fiche may be rewritten: a draft avenant proposes it, or the plan is in préparation."""
    return fiche is not None and not fiche.edit_refusal()


def may_invite(user):
    """Whether the user holds a role that may invite people (Caf staff, a coordinator): the
    header's « Personnes » link; `people.rules` decides, organisation by organisation."""
    return _active(user) and (
        user.is_superuser or any(role in (Role.CAF, Role.COORDINATEUR) for _, role in memberships(user))
    )


def has_caf_membership(user):
    return _active(user) and (user.is_superuser or any(role == Role.CAF for _, role in memberships(user)))


rules.add_perm("ctg.view_convention", has_role)
rules.add_perm("ctg.edit_convention", is_editor)
rules.add_perm("ctg.edit_contract", is_editor & contract_open)
rules.add_perm("ctg.edit_fiche", is_fiche_editor & fiche_open)
rules.add_perm("ctg.propose_avenant", is_editor & is_signed)
rules.add_perm("ctg.sign_convention", is_signer)
rules.add_perm("ctg.change_status", is_signer)
rules.add_perm("ctg.create_convention", has_caf_membership)
