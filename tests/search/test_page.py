"""The search box in the header and the results page: an empty or too short query is explained in
French, the query is bounded, the page works without JavaScript (a plain GET form)."""

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from tests.factories import users_for
from tests.helpers import text
from tests.search.conftest import WORD, hits_of, search_page

pytestmark = pytest.mark.django_db


def test_every_page_has_the_search_box(client, territory):
    client.force_login(users_for(territory[0])["elu"])
    page = client.get(reverse("conventions:detail", args=[territory[0].slug])).content.decode()
    assert '<form role="search" method="get" action="/recherche/"' in page
    assert '<label for="site-search" class="visually-hidden">Rechercher dans vos conventions</label>' in page
    assert 'id="site-search" name="q" maxlength="200"' in page


def test_the_box_leads_to_the_results(client, territory):
    page = search_page(client, users_for(territory[0])["elu"], f"  {WORD.upper()}  ")
    assert f"5 résultats pour « {WORD.upper()} » : conventions (1), fiches actions (2), avenants (1), séances (1)." in " ".join(strip_tags(text(page)).split())
    assert f'value="  {WORD.upper()}  "' in page.content.decode()  # the query stays in the page's field


def test_an_empty_query_explains_what_is_searched(client, territory):
    page = search_page(client, users_for(territory[0])["elu"], "")
    assert page.status_code == 200 and page.context["groups"] is None
    assert "Saisissez un ou plusieurs mots. La recherche porte sur les conventions auxquelles vous avez accès" in text(page)
    assert "Les accents et les majuscules ne comptent pas" in text(page)


@pytest.mark.parametrize(("query", "message"), [
    ("z", "Saisissez au moins deux caractères."),
    ("de la", "Ces mots sont trop courants pour être recherchés : ajoutez un mot plus précis."),
    ("z" * 201, "Assurez-vous que cette valeur comporte au plus 200 caractères (actuellement 201)."),
])
def test_a_query_too_short_common_or_long_is_refused_in_french(client, territory, query, message):
    page = search_page(client, users_for(territory[0])["elu"], query)
    assert page.status_code == 200 and page.context["groups"] is None
    assert message in text(page)
    assert "La recherche porte sur" not in text(page)


def test_a_query_of_200_characters_is_searched(client, territory):
    query = (WORD + " ") * 16 + "x" * (200 - 16 * (len(WORD) + 1))
    assert len(query) == 200
    assert hits_of(search_page(client, users_for(territory[0])["elu"], query))


def test_only_the_first_words_are_searched(client, territory):
    query = " ".join(f"mot{i}" for i in range(30)) + f" {WORD}"
    assert hits_of(search_page(client, users_for(territory[0])["elu"], query)) == {}  # the 11th word onwards is ignored


def test_anonymous_users_are_sent_to_the_login_page(client):
    page = client.get(reverse("search:results"), {"q": WORD})
    assert page.status_code == 302 and page.url.startswith(reverse("login"))


def test_a_search_only_reads(client, territory):
    client.force_login(users_for(territory[0])["caf"])
    assert client.post(reverse("search:results"), {"q": WORD}).status_code == 405
