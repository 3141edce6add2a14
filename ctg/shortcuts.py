"""Small helpers every view uses; nothing here knows the domain."""

import datetime

from django.contrib import messages
from django.utils import timezone

from ctg.dates import in_range
from ctg.errors import DomainError


def requested_date(request):
    """The "en vigueur au" date of the page: `?date=AAAA-MM-JJ`, today by default.

    Returns (date, error message or None); a bad date falls back to today with a message."""
    today = timezone.localdate()
    raw = request.GET.get("date", "").strip()
    if not raw:
        return today, None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not in_range(day):
        return today, f"Date « {raw} » invalide : la convention est affichée en vigueur aujourd'hui."
    return day, None


def site_url(request):
    """The site's address as this request reached it, for links in calendars and e-mails."""
    return request.build_absolute_uri("/").rstrip("/")


def run_and_report(request, action, success):
    """Run a service call and tell the user how it went, in French, on the next page.
    Returns whether it succeeded."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True
