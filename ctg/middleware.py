import logging
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import OperationalError
from django.dispatch import receiver
from django.shortcuts import render

SEEN_KEY = "ctg_seen"

logger = logging.getLogger(__name__)


class DatabaseBusyMiddleware:
    """SQLite lets one writer at a time, and another waits for it up to its timeout (20 s, see
    settings.DATABASES): past that, the answer is a 503 in French asking to try again, in the
    site's layout, and for htmx the message alone, put above the page (#occupe, base.html) so that
    what the user typed stays on screen."""

    RETRY_AFTER = 5  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and "lock" in str(exception).lower()):
            return None
        logger.warning("Base de données occupée : %s %s refusé (503)", request.method, request.path)
        if getattr(request, "htmx", False):
            response = render(request, "503.html#busy", status=503)
            response["HX-Retarget"] = "#occupe"
            response["HX-Reswap"] = "innerHTML show:#occupe:top"
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER)
        return response


class ContentSecurityPolicyMiddleware:
    """Everything the pages use comes from this server: no inline script, no third party."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The admin ships inline scripts and styles of its own; it keeps Django's defaults.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response


class SessionIdleMiddleware:
    """A session lasts SESSION_COOKIE_AGE after the user's last request, not after their login:
    each request pushes its end back. To spare a database write per page, the end moves only once
    a tenth of the delay has passed (the session then ends between 90 % and 100 % of it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            if now - request.session.get(SEEN_KEY, 0) > settings.SESSION_COOKIE_AGE / 10:
                request.session[SEEN_KEY] = now
        return self.get_response(request)


@receiver(user_logged_in)
def _seen_at_login(sender, request, user, **kwargs):
    # The login itself saves the session: the first pages after it write nothing more.
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_KEY] = time.time()
