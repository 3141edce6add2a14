import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

SEEN_KEY = "ctg_seen"


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
