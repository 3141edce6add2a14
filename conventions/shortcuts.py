"""Every object of a convention is fetched through these: 404 outside the user's territory."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ctg import revisions
from ctg.models import Revision
from ctg.pagecache import cached_page
from ctg.shortcuts import requested_date

from .models import Convention
from .phase import renewal_from_expression
from .rules import carry_role_facts, role_on


def get_convention(request, slug, *, edit=False, contract=False, sign=False):
    """The convention `slug` if the user has a role on it: 404 outside their territory, 403 when
    they may read it but the action needs editing rights (`edit`), writes its contractual text
    (`contract`: the body, the annexes and the plan, frozen once signed) or is the Caf's (`sign`:
    signing, the préfecture stamp, the status). The 403 page gives the reason."""
    # The start of its renewal comes with it: the header shows the phase without another query.
    conventions = Convention.objects.for_user(request.user).select_related("caf", "predecessor").annotate(
        renewal_from=renewal_from_expression()
    )
    convention = get_object_or_404(conventions, slug=slug)
    if (edit or contract) and not request.user.has_perm("ctg.edit_convention", convention):
        raise PermissionDenied("Votre rôle sur cette convention ne permet que la lecture.")
    if contract and (refusal := convention.contract_refusal()):
        raise PermissionDenied(refusal)
    if sign and not request.user.has_perm("ctg.sign_convention", convention):
        raise PermissionDenied("Seule la Caf signe la convention et ses avenants, enregistre le tampon de la "
                               "préfecture et change le statut de la convention.")
    return convention


def get_avenant(request, slug, number, *, edit=False, sign=False):
    """An avenant of a convention the user may see (edit, sign): 404 outside their territory."""
    convention = get_convention(request, slug, edit=edit, sign=sign)
    return convention, get_object_or_404(convention.avenants.select_related("signed_by"), number=number)


def convention_context(request, convention, tab):
    """What every convention page shows around its content: header, tabs, the date selector."""
    on, date_error = requested_date(request)
    state = convention.as_of(on)
    user = request.user
    if on == timezone.localdate():
        convention.phase = convention.phase_on(on, end=state.end, renewal_from=convention.renewal_from)
    return {
        "convention": convention,
        "state": state,
        "on": on,
        "date_error": date_error,
        "tab": tab,
        "can_edit": user.has_perm("ctg.edit_convention", convention),
        "can_edit_contract": user.has_perm("ctg.edit_contract", convention),
        "can_propose": user.has_perm("ctg.propose_avenant", convention),
        "can_sign": user.has_perm("ctg.sign_convention", convention),
    }


def page_convention(request, slug):
    """The convention `slug` as far as a cached page needs it: scoped like `get_convention` (404
    outside the user's territory), with its Caf for the reader's role and its revision tokens."""
    conventions = Convention.objects.for_user(request.user).only("pk", "slug", "caf_id").annotate(
        revision=revisions.token(), shared_revision=revisions.shared_token()
    )
    return get_object_or_404(conventions, slug=slug)


def convention_page(request, slug, template_name, build_context, *, convention=None):
    """A page of the convention `slug`, cached (`ctg.pagecache`) under the convention's revision and
    the reader's role on it: readers with the same role see the same page. `build_context` receives
    the convention fetched by `get_convention`, only when the page is computed (after the tokens were
    read: the page never holds older rows than its key says). `convention`: the `page_convention`
    the view already has."""
    convention = convention or page_convention(request, slug)
    vary = (convention.pk, convention.revision, convention.shared_revision, role_on(request.user, convention))

    def build():
        whole = get_convention(request, slug)
        carry_role_facts(convention, whole)
        return build_context(whole)

    return cached_page(request, template_name, build, vary=vary)


def territory_revision(user):
    """The revision tokens of every convention the user sees, and theirs alone: the key of a page
    that spans them (portfolio, search), read before its data."""
    tokens = Revision.objects.filter(
        Q(root_id__in=Convention.objects.for_user(user).values("pk")) | Q(root_id=revisions.SHARED)
    ).order_by("root_id").values_list("root_id", "token")
    return (user.pk, list(tokens))
