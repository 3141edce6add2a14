"""Who invites and removes people, in one place (`002_…`, Article 4: each collectivité opens the
tool to « la ou les personne(s) habilitée(s) » it designates).

- A Caf référent (`Membership.referent`) manages the Caf staff of their Caf and the coordinators
  and élus of every collectivité that signs one of their Caf's conventions.
- A collectivité's coordinator manages the coordinators and élus of their own collectivité.
- A superuser manages everyone; the Django admin stays theirs.
Whoever manages an organisation manages every role it can hold (`roles_in`)."""

from django.db.models import Q

from conventions.enums import OrganisationKind, Role
from conventions.models import Convention, Membership, Organisation, Signatory


def roles_in(organisation):
    """The roles people hold in an organisation: Caf staff in a Caf, coordinators and élus elsewhere."""
    if organisation.kind == OrganisationKind.CAF:
        return [Role.CAF]
    return [Role.COORDINATEUR, Role.ELU]


def organisations_managed_by(user):
    if not (user.is_authenticated and user.is_active):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    memberships = Membership.objects.filter(user=user)
    referent_cafs = memberships.filter(role=Role.CAF, referent=True).values("organisation")
    coordinated = memberships.filter(role=Role.COORDINATEUR).values("organisation")
    partners = Signatory.objects.filter(convention__caf__in=referent_cafs).values("organisation")
    return Organisation.objects.filter(
        Q(pk__in=referent_cafs) | Q(pk__in=coordinated) | (Q(pk__in=partners) & ~Q(kind=OrganisationKind.CAF))
    )


def organisations_known_to(user):
    """Organisations whose people the user may know of: their own and the signatories of the
    conventions they see (outside them, a people page is a 404)."""
    if user.is_superuser:
        return Organisation.objects.all()
    conventions = Convention.objects.for_user(user)
    return Organisation.objects.filter(
        Q(pk__in=Membership.objects.filter(user=user).values("organisation"))
        | Q(pk__in=Signatory.objects.filter(convention__in=conventions).values("organisation"))
        | Q(pk__in=conventions.values("caf"))
    )


def may_manage(user, organisation):
    return organisations_managed_by(user).filter(pk=organisation.pk).exists()
