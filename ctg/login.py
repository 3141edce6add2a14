"""Login throttling with django-axes (generic: no domain app here).

After `AXES_FAILURE_LIMIT` failed logins for one username, or from one address, logins are refused
for `AXES_COOLOFF_TIME` (settings, from the environment). `ThrottledBackend`, first of
`AUTHENTICATION_BACKENDS`, refuses a locked-out try before the next backend hashes the password:
a flood of wrong passwords costs a few queries, not a second of CPU each. The login forms (the
site's and the admin's) say so at the form, in French, and `lockout_response` answers 429."""

import ipaddress
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from .throttle import Throttle


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


def reset_throttles():
    """Password-reset requests: per e-mail typed and per client address, within one hour."""
    hour = timedelta(hours=1)
    return (
        Throttle("reset-email", settings.PASSWORD_RESET_LIMIT_PER_EMAIL, hour),
        Throttle("reset-address", settings.PASSWORD_RESET_LIMIT_PER_ADDRESS, hour),
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's « mot de passe oublié », throttled: each request sends an e-mail, so a script could
    flood a mailbox or the SMTP server. Past the limit the form says so at the field, keeps what was
    typed, sends nothing, and answers 429; the message is the same whether the account exists."""

    def form_valid(self, form):
        per_email, per_address = reset_throttles()
        email, address = form.cleaned_data["email"].strip().lower(), client_ip(self.request)
        if per_email.exceeded(email) or per_address.exceeded(address):
            form.add_error("email", (
                "Trop de demandes de nouveau mot de passe pour cette adresse e-mail ou depuis cette connexion : "
                "réessayez dans une heure. Si un lien vous a déjà été envoyé, il reste valable."
            ))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        per_email.record(email)
        per_address.record(address)
        return super().form_valid(form)
