"""Every object of a convention is fetched through these: 404 outside the user's territory."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from ctg.shortcuts import requested_date

from .models import Convention


def get_convention(request, slug, *, edit=False, prepare=False):
    """The convention `slug` if the user has a role on it: 404 outside their territory,
    403 when they may read it but the action needs editing rights, or (`prepare`) editing the
    body or the annexes in place, which only a convention in preparation allows."""
    convention = get_object_or_404(Convention.objects.for_user(request.user).select_related("caf"), slug=slug)
    if (edit or prepare) and not request.user.has_perm("ctg.edit_convention", convention):
        raise PermissionDenied("Votre rôle sur cette convention ne permet que la lecture.")
    if prepare and not convention.is_in_preparation:
        raise PermissionDenied(
            f"La convention est « {convention.get_status_display().lower()} » : son texte et ses annexes ne se "
            "modifient plus directement, seulement par un avenant."
        )
    return convention


def get_avenant(request, slug, number, *, edit=False):
    """An avenant of a convention the user may see (or edit): 404 outside their territory."""
    convention = get_convention(request, slug, edit=edit)
    return convention, get_object_or_404(convention.avenants.select_related("signed_by"), number=number)


def convention_context(request, convention, tab):
    """What every convention page shows around its content: header, tabs, the date selector."""
    on, date_error = requested_date(request)
    state = convention.as_of(on)
    return {
        "convention": convention,
        "state": state,
        "on": on,
        "date_error": date_error,
        "tab": tab,
        "can_edit": request.user.has_perm("ctg.edit_convention", convention),
        "can_prepare": request.user.has_perm("ctg.prepare_convention", convention),
    }
