"""Login throttling (ctg/login.py, django-axes): wrong passwords lock an account and an address out
for a while, the lock is said in French at the form, and a locked-out flood is refused before any
password is hashed, so that it cannot starve the other users."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import override_settings
from django.urls import reverse

from tests.ctg.test_settings_deploy import run_manage
from tests.helpers import text

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-2026"
LOCKED = "Trop d'essais de connexion infructueux avec cet identifiant ou depuis cette adresse"


@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent", password=PASSWORD)


@pytest.fixture
def hashings(monkeypatch):
    """How many times a password was hashed (to check it, or for an unknown username)."""
    calls = []
    original = MD5PasswordHasher.encode

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted)
    return calls


def log_in(client, username="agent", password="faux", address="10.0.0.1", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, agent):
    for _ in range(4):
        response = log_in(client)
        assert response.status_code == 200 and LOCKED not in text(response)
    fifth = log_in(client)
    assert fifth.status_code == 429 and LOCKED in text(fifth)
    response = log_in(client, password=PASSWORD)
    page = text(response)
    assert response.status_code == 429 and not logged_in(client)
    # At the form, in the site's layout, the typed username kept.
    assert "la connexion est bloquée pendant 15 minutes" in page
    assert '<div class="error-summary" role="alert">' in page and 'class="site-header"' in page
    assert 'name="username" id="id_username" value="agent"' in page


def test_once_locked_no_password_is_hashed(client, agent, hashings):
    for _ in range(5):
        log_in(client)
    assert len(hashings) == 5
    for password in ["faux", PASSWORD] * 10:
        assert log_in(client, password=password).status_code == 429
    assert len(hashings) == 5


def test_an_address_trying_many_usernames_is_locked_before_hashing(client, agent, hashings):
    for number in range(5):
        log_in(client, username=f"inconnu{number}")
    assert len(hashings) == 5  # Django hashes for an unknown username too, against timing attacks
    response = log_in(client, username="agent", password=PASSWORD)
    assert response.status_code == 429 and LOCKED in text(response) and not logged_in(client)
    assert len(hashings) == 5
    # Another address is not concerned.
    assert log_in(client, password=PASSWORD, address="10.0.0.2").status_code == 302 and logged_in(client)


def test_an_account_tried_from_many_addresses_is_locked(client, agent):
    for number in range(5):
        log_in(client, address=f"10.0.1.{number}")
    response = log_in(client, password=PASSWORD, address="10.0.2.1")
    assert response.status_code == 429 and not logged_in(client)


def test_a_successful_login_clears_the_failures(client, agent):
    for _ in range(4):
        log_in(client)
    assert log_in(client, password=PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client).status_code == 200
    assert log_in(client, password=PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cooling_off_period(client, agent):
    for _ in range(5):
        log_in(client)
    assert log_in(client, password=PASSWORD).status_code == 429
    # Tries refused during the lock did not extend it: the last failure counts.
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    assert log_in(client, password=PASSWORD).status_code == 302 and logged_in(client)


def test_the_admin_login_is_locked_too(client, django_user_model):
    django_user_model.objects.create_superuser("chef", password=PASSWORD)
    url = reverse("admin:login")
    for _ in range(5):
        log_in(client, username="chef", url=url)
    response = log_in(client, username="chef", password=PASSWORD, url=url)
    assert response.status_code == 429 and LOCKED in text(response) and not logged_in(client)


def test_the_tests_other_logins_still_work(client, agent):
    assert client.login(username="agent", password=PASSWORD)
    client.logout()
    client.force_login(agent)
    assert client.get(reverse("conventions:list")).status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_address_is_the_one_locked(client, agent):
    def through_proxy(forwarded, username="visiteur"):
        return client.post(reverse("login"), {"username": username, "password": "faux"},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    for _ in range(5):
        # What the client wrote itself comes first; the proxy appends the address it saw.
        through_proxy("1.2.3.4, 203.0.113.7")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert log_in(client, password=PASSWORD, address="127.0.0.1").status_code == 302  # the proxy is not locked
    # A forwarded address that is no address falls back on the connection's.
    through_proxy("pas-une-adresse", username="autre")
    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").exists()


def test_limit_and_cooling_off_come_from_the_environment():
    result = run_manage("shell", "--no-imports", "-c", "from django.conf import settings; "
                        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())",
                        DEBUG="1", LOGIN_FAILURE_LIMIT="3", LOGIN_COOLOFF_MINUTES="60")
    assert result.stdout.split() == ["3", "3600.0"], result.stderr
