import logging

from django.db import OperationalError
from django.shortcuts import render

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
