"""Login throttling with django-axes (generic: no domain app here).

After `AXES_FAILURE_LIMIT` failed logins for one username, or from one address, logins are refused
for `AXES_COOLOFF_TIME` (settings, from the environment). `ThrottledBackend`, first of
`AUTHENTICATION_BACKENDS`, refuses a locked-out try before the next backend hashes the password:
a flood of wrong passwords costs a few queries, not a second of CPU each. The login forms (the
site's and the admin's) say so at the form, in French, and `lockout_response` answers 429."""

import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse


def lockout_message():
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        "Trop d'essais de connexion infructueux avec cet identifiant ou depuis cette adresse : la connexion "
        f"est bloquée pendant {minutes} minutes. Réessayez plus tard, ou demandez à un administrateur de la "
        "débloquer."
    )


class ThrottledBackend(AxesStandaloneBackend):
    """Axes' check before the other backends. A call without a request is no login over HTTP
    (`Client.login` in tests, the shell): there is nothing to throttle."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutMessageMixin:
    """A refused login says that it is locked out rather than « wrong password »."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


def lockout_response(request, original_response=None, credentials=None):
    """`AXES_LOCKOUT_CALLABLE`: the login page as the form drew it, message included, with 429."""
    if original_response is not None and original_response.get("Content-Type", "").startswith("text/html"):
        original_response.status_code = 429
        return original_response
    return HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")


def client_ip(request):
    """`AXES_CLIENT_IP_CALLABLE`: the address of the client. Behind `TRUSTED_PROXY_COUNT` proxies
    that each append to X-Forwarded-For, the one the outermost proxy saw; else REMOTE_ADDR."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None
