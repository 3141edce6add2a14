"""Who reads and who writes every governance page: per role, anonymous, another convention's
meeting, the CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from governance.models import Body, CalendarToken, Meeting
from tests.factories import MeetingFactory
from tests.helpers import login, text

pytestmark = pytest.mark.django_db


def read_urls(convention, meeting):
    return {
        "index": reverse("governance:index", args=[convention.slug]),
        "calendar": reverse("agenda:calendar", args=[convention.slug]),
        "calendar_list": reverse("agenda:calendar", args=[convention.slug]) + "?vue=liste",
        "meeting": reverse("governance:meeting", args=[convention.slug, meeting.pk]),
        "ics": reverse("governance:meeting_ics", args=[convention.slug, meeting.pk]),
    }


def edit_urls(convention, meeting):
    return {
        "body_create": reverse("governance:body_create", args=[convention.slug]),
        "body_edit": reverse("governance:body_edit", args=[convention.slug, meeting.body.key]),
        "meeting_create": reverse("governance:meeting_create", args=[convention.slug]),
        "meeting_edit": reverse("governance:meeting_edit", args=[convention.slug, meeting.pk]),
        "meeting_minutes": reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]),
        "officers": reverse("governance:officers", args=[convention.slug]),
        "row": reverse("governance:row", args=[convention.slug, "agenda"]),
    }


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 200), ("outsider", 404)])
def test_reading_pages_per_role(client, convention, users, meeting, role, status):
    login(client, users, role)
    for name, url in read_urls(convention, meeting).items():
        assert client.get(url).status_code == status, name


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 403), ("outsider", 404)])
def test_editing_pages_per_role(client, convention, users, meeting, role, status):
    login(client, users, role)
    for name, url in edit_urls(convention, meeting).items():
        assert client.get(url).status_code == status, name


@pytest.mark.parametrize("role, status", [("elu", 403), ("outsider", 404)])
def test_readers_and_outsiders_cannot_write(client, convention, users, meeting, role, status):
    login(client, users, role)
    posts = [
        reverse("governance:body_delete", args=[convention.slug, meeting.body.key]),
        reverse("governance:meeting_delete", args=[convention.slug, meeting.pk]),
        *[url for name, url in edit_urls(convention, meeting).items() if name != "row"],  # row: GET only
    ]
    bodies = list(Body.objects.values_list("pk", "name"))
    for url in posts:
        assert client.post(url, {"name": "Instance réécrite", "title": "Séance réécrite"}).status_code == status, url
    assert Meeting.objects.filter(pk=meeting.pk, title=meeting.title).exists()
    assert list(Body.objects.values_list("pk", "name")) == bodies


def test_edit_controls_only_for_editors(client, convention, users, meeting):
    url = reverse("governance:meeting", args=[convention.slug, meeting.pk])
    assert "Rédiger le compte-rendu" in text(login(client, users, "coordinateur").get(url))
    assert "Rédiger le compte-rendu" not in text(login(client, users, "elu").get(url))
    index = reverse("governance:index", args=[convention.slug])
    assert "Planifier une séance" not in text(client.get(index))


def test_anonymous_is_sent_to_login(client, convention, meeting):
    for url in [*read_urls(convention, meeting).values(), reverse("agenda:subscription")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    response = client.post(reverse("agenda:reset"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not CalendarToken.objects.exists()


def test_another_conventions_meeting_is_not_found_here(client, convention, users, meeting):
    other = MeetingFactory(title="COPIL voisin")
    login(client, users, "caf")
    assert client.get(reverse("governance:meeting", args=[convention.slug, other.pk])).status_code == 404
    assert client.get(reverse("governance:meeting_edit", args=[convention.slug, other.pk])).status_code == 404


def test_posts_need_the_csrf_token(convention, users, meeting):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["caf"])
    response = client.post(reverse("governance:meeting_delete", args=[convention.slug, meeting.pk]))
    assert response.status_code == 403
    assert Meeting.objects.filter(pk=meeting.pk).exists()
