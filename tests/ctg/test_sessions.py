"""A session ends after SESSION_IDLE_MINUTES without a request, not a fixed time after login."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-2026"


@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent", password=PASSWORD)


def session_end(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_working_pushes_the_end_back_and_idling_ends_the_session(client, agent, settings, monkeypatch):
    settings.SESSION_COOKIE_AGE = 20 * 60
    assert client.post(reverse("login"), {"username": "agent", "password": PASSWORD}).status_code == 302
    first_end = session_end(client)
    # Ten minutes later the user opens a page: the session now ends twenty minutes after that.
    now = time.time() + 10 * 60
    monkeypatch.setattr("ctg.middleware.time.time", lambda: now)
    from django.utils import timezone

    later = timezone.now() + timezone.timedelta(minutes=10)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert client.get(reverse("conventions:list")).status_code == 200
    assert (session_end(client) - first_end).total_seconds() >= 9 * 60
    # Twenty-one idle minutes after that, the session is over: back to the login page.
    idle = later + timezone.timedelta(minutes=21)
    monkeypatch.setattr("django.utils.timezone.now", lambda: idle)
    response = client.get(reverse("conventions:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_page_right_after_login_writes_no_session(client, agent, django_assert_num_queries):
    client.force_login(agent)
    client.get(reverse("conventions:list"))
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    client.get(reverse("conventions:list"))
    assert Session.objects.get(session_key=key).expire_date == before


def test_the_session_ends_with_the_browser(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
