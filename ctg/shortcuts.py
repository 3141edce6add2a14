import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone

from conventions.models import Convention
from ctg.errors import DomainError


def get_convention(request, slug, *, edit=False):
    """The convention `slug` if the user has a role on it: 404 outside their territory,
    403 when they may read it but the action needs editing rights."""
    convention = get_object_or_404(Convention.objects.for_user(request.user).select_related("caf"), slug=slug)
    if edit and not request.user.has_perm("ctg.edit_convention", convention):
        raise PermissionDenied("Votre rôle sur cette convention ne permet que la lecture.")
    return convention


def requested_date(request):
    """The "en vigueur au" date of the page: `?date=AAAA-MM-JJ`, today by default.

    Returns (date, error message or None); a bad date falls back to today with a message."""
    today = timezone.localdate()
    raw = request.GET.get("date", "").strip()
    if not raw:
        return today, None
    try:
        return datetime.date.fromisoformat(raw), None
    except ValueError:
        return today, f"Date « {raw} » invalide : la convention est affichée en vigueur aujourd'hui."


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
    }


def run_and_report(request, action, success):
    """Run a service call and tell the user how it went, in French, on the next page."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
