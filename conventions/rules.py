"""Who may do what, in one place.

Roles on a convention: a superuser is `admin` everywhere; Caf staff (`caf`) on every convention
of their Caf; a collectivité's coordinator (`coordinateur`) or elected official (`elu`) on the
conventions their collectivité signs. Admin, Caf and coordinators may edit; élus only read.
Only Caf staff (and superusers) create a convention. The body and the annexes are prepared in
place while the convention is in preparation (`Convention.is_in_preparation`), by its editors.
"""

import rules

from .enums import Role

ADMIN = "admin"
EDITOR_ROLES = {ADMIN, Role.CAF, Role.COORDINATEUR}
ROLE_RANK = [ADMIN, Role.CAF, Role.COORDINATEUR, Role.ELU]


def _memberships(user):
    # Cached on the user object: one query per request, whatever the number of checks.
    if not hasattr(user, "_ctg_memberships"):
        user._ctg_memberships = list(user.memberships.values_list("organisation_id", "role"))
    return user._ctg_memberships


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def _signatory_orgs(convention):
    if not hasattr(convention, "_ctg_signatory_orgs"):
        convention._ctg_signatory_orgs = set(convention.signatories.values_list("organisation_id", flat=True))
    return convention._ctg_signatory_orgs


def role_on(user, convention):
    """The user's strongest role on the convention, or None."""
    if not _active(user):
        return None
    if user.is_superuser:
        return ADMIN
    roles = set()
    for organisation_id, role in _memberships(user):
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
def has_caf_membership(user):
    return _active(user) and (user.is_superuser or any(role == Role.CAF for _, role in _memberships(user)))


@rules.predicate
def in_preparation(user, convention):
    return convention is not None and convention.is_in_preparation


rules.add_perm("ctg.view_convention", has_role)
rules.add_perm("ctg.edit_convention", is_editor)
rules.add_perm("ctg.create_convention", has_caf_membership)
rules.add_perm("ctg.prepare_convention", is_editor & in_preparation)
