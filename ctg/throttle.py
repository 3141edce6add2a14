"""Throttling of an action other than the login (django-axes throttles logins): at most `limit`
tries per key in a sliding `window`, counted in the database so that every web worker and server
sees the same counts. django-ratelimit would need a shared cache with atomic increments (Redis or
Memcached), which the application does not otherwise need.

Two requests arriving together may both pass the check before either is recorded: the limit can
be exceeded by the number of concurrent requests, which is acceptable for its purpose (keeping a
mailbox or the SMTP server from being flooded)."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Attempt


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window: timedelta

    def exceeded(self, key):
        """True when `key` has had `limit` tries within the window (an empty key never is)."""
        if not key:
            return False
        since = timezone.now() - self.window
        return Attempt.objects.filter(scope=self.scope, key=key, at__gte=since).count() >= self.limit

    def record(self, key):
        """Count one try for `key`, and forget this scope's tries older than the window."""
        if not key:
            return
        now = timezone.now()
        with transaction.atomic():
            Attempt.objects.filter(scope=self.scope, at__lt=now - self.window).delete()
            Attempt.objects.create(scope=self.scope, key=key, at=now)
