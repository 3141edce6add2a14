"""« Personnes » and « Qui a accès » per role and territory; withdrawing an access."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conventions.enums import Role
from people.enums import AccessEventKind
from people.models import AccessEvent
from tests.factories import user_with_role
from tests.helpers import text

pytestmark = pytest.mark.django_db


def get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


def test_the_people_page_lists_what_the_user_manages(client, people, convention):
    page = get(client, people["referent"], "people:index")
    assert page.status_code == 200
    assert convention.caf.name in text(page) and people["local"].name in text(page)
    page = get(client, people["coordinateur"], "people:index")
    assert people["local"].name in text(page) and convention.caf.name not in text(page)


@pytest.mark.parametrize("role", ["caf", "elu", "outsider"])
def test_who_manages_nothing_is_told_so(client, people, role):
    page = get(client, people[role], "people:index")
    assert page.status_code == 403
    assert "Seuls les référents de la Caf et le coordinateur CTG" in text(page)


@pytest.mark.parametrize(("role", "status"), [
    ("referent", 200), ("coordinateur", 200), ("caf", 403), ("elu", 403), ("outsider", 404),
])
def test_an_organisations_people_page_per_role(client, people, role, status):
    page = get(client, people[role], "people:organisation", people["local"].pk)
    assert page.status_code == status
    if status == 200:
        assert people["elu"].username in text(page)
        assert "Inviter une personne" in text(page)


@pytest.mark.parametrize("role", ["referent", "caf", "coordinateur", "elu"])
def test_who_has_access_is_read_by_every_role(client, people, convention, role):
    page = get(client, people[role], "people:convention_access", convention.slug)
    assert page.status_code == 200
    body = text(page)
    for person in ("referent", "caf", "coordinateur", "elu"):
        assert (people[person].get_full_name() or people[person].username) in body
    assert people["outsider"].username not in body
    # Only those who manage an organisation get its « Gérer les accès ».
    assert ("Gérer les accès" in body) == (role in ("referent", "coordinateur"))


def test_who_has_access_is_a_404_outside_the_territory(client, people, convention):
    assert get(client, people["outsider"], "people:convention_access", convention.slug).status_code == 404


def test_withdrawing_deactivates_a_person_left_without_role_and_keeps_them(client, people):
    elu = people["elu"]
    membership = elu.memberships.get()
    client.force_login(people["coordinateur"])
    confirm = client.get(reverse("people:withdraw", args=[membership.pk]))
    assert "son compte sera désactivé" in text(confirm)
    response = client.post(reverse("people:withdraw", args=[membership.pk]))
    assert response.status_code == 302
    elu.refresh_from_db()
    assert not elu.is_active and not elu.memberships.exists()
    event = AccessEvent.objects.get(kind=AccessEventKind.WITHDRAWN)
    assert event.by == people["coordinateur"] and event.person == elu
    # They can no longer log in; their account (and what they wrote) is still there.
    client.logout()
    assert not client.login(username=elu.username, password="demo")


def test_withdrawing_one_role_keeps_the_others(client, people, convention):
    caf_user = people["caf"]
    local = user_with_role(Role.ELU, people["local"])
    extra = caf_user.memberships.create(organisation=people["local"], role=Role.ELU)
    client.force_login(people["referent"])
    client.post(reverse("people:withdraw", args=[extra.pk]))
    caf_user.refresh_from_db()
    assert caf_user.is_active and caf_user.memberships.get().role == Role.CAF
    assert local.is_active


@pytest.mark.parametrize(("role", "status"), [("caf", 404), ("elu", 404), ("outsider", 404)])
def test_withdrawing_is_for_managers(client, people, role, status):
    membership = people["coordinateur"].memberships.get()
    client.force_login(people[role])
    assert client.post(reverse("people:withdraw", args=[membership.pk])).status_code == status
    assert people["coordinateur"].memberships.exists()


def test_one_does_not_withdraw_oneself(client, people):
    membership = people["coordinateur"].memberships.get()
    client.force_login(people["coordinateur"])
    page = client.post(reverse("people:withdraw", args=[membership.pk]), follow=True)
    assert "Vous ne pouvez pas retirer votre propre accès" in text(page)
    assert people["coordinateur"].memberships.exists()


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_people_pages_keep_their_queries_as_people_grow(client, people, convention):
    client.force_login(people["referent"])
    urls = [reverse("people:convention_access", args=[convention.slug]),
            reverse("people:organisation", args=[people["local"].pk]), reverse("people:index")]
    before = [queries(client, url) for url in urls]
    for n in range(15):
        user_with_role(Role.ELU, people["local"], email=f"elu{n}@example.org")
        user_with_role(Role.CAF, convention.caf)
    client.post(reverse("people:invite", args=[people["local"].pk]), {"email": "x@y.example", "role": Role.ELU})
    after = [queries(client, url) for url in urls]
    assert before == after
    assert max(after) <= 16
