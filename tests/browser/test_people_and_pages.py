"""In a real browser: a Caf référent invites a coordinator, who accepts, logs in and lands on the
portfolio with their CTG; then axe-core on every page each role reaches."""

import re
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from conventions.enums import Role
from tests import scenarios
from tests.browser import log_in
from tests.factories import ConventionFactory, collectivite_of, user_with_role, users_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Ctg-passe-2027!"


def test_a_referent_invites_a_coordinator_who_lands_on_their_portfolio(live_server, page, browser,
                                                                       assert_accessible):
    convention = ConventionFactory(title="CTG Roumois Seine")
    ConventionFactory(caf=convention.caf, title="CTG d'un autre territoire")
    referent = user_with_role(Role.CAF, convention.caf, referent=True, first_name="Claire", last_name="Martin")
    local = collectivite_of(convention)

    log_in(page, live_server, referent.username)
    page.get_by_role("link", name="Personnes").click()
    assert_accessible(page)
    page.get_by_role("link", name=local.name).click()
    page.get_by_label("Adresse e-mail").fill("nadia.benali@roumois.example")
    page.get_by_label("Prénom").fill("Nadia")
    page.get_by_label("Nom", exact=True).fill("Benali")
    page.get_by_label("Rôle").select_option(label="Coordinateur CTG de la collectivité")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à nadia.benali@roumois.example.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("nadia.benali@roumois.example"))).to_be_visible()

    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    link = live_server.url + urlsplit(link).path
    guest = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 900}).new_page()
    guest.goto(link)
    expect(guest.get_by_text("comme coordinateur ctg de la collectivité")).to_be_visible()
    assert_accessible(guest)
    expect(guest.get_by_label("Prénom")).to_have_value("Nadia")
    guest.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    guest.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    guest.get_by_role("button", name="Créer mon compte").click()

    expect(guest.get_by_role("heading", name="Portefeuille des CTG")).to_be_visible()
    expect(guest.get_by_role("link", name="CTG Roumois Seine")).to_be_visible()
    expect(guest.get_by_text("CTG d'un autre territoire")).to_have_count(0)

    # Logged out, the chosen password opens the same portfolio.
    guest.get_by_role("button", name="Se déconnecter").click()
    log_in(guest, live_server, "nadia.benali@roumois.example", PASSWORD)
    expect(guest.get_by_role("link", name="CTG Roumois Seine")).to_be_visible()
    # And the référent sees the new person in « Qui a accès ».
    page.goto(f"{live_server.url}/conventions/{convention.slug}/acces/")
    expect(page.get_by_role("row", name=re.compile("Nadia Benali"))).to_be_visible()


SKIPPED = re.compile(r"\.(pdf|docx|xlsx|ics)$|/(deconnexion|export|document|telecharger)")
# Pages of one kind differ only by their object: one of each is enough.
SAME_KIND = re.compile(r"/\d+/|/fiches/[^/]+/|/bilans/[^/]+/|/suivi/\d{4}-T\d/")


def crawl_with_axe(page, live_server, start, slug, check, limit=70):
    seen, kinds, queue = set(), set(), [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        kind = SAME_KIND.sub("/x/", path)
        if path in seen or kind in kinds:
            continue
        seen.add(path)
        kinds.add(kind)
        response = page.goto(live_server.url + path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        check(page)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(urldefrag(urljoin(path, href))[0])
            if target.netloc or SKIPPED.search(target.path):
                continue
            if target.path.startswith((f"/conventions/{slug}/", "/personnes/")) or target.path in (
                "/", "/portefeuille/renouvellements/", "/agenda/", "/agenda/calendrier/",
            ):
                queue.append(target.path)
    return seen


@pytest.mark.parametrize("role", ["referent", "coordinateur", "elu"])
def test_no_serious_accessibility_violation_on_any_page_a_role_reaches(live_server, page, assert_accessible, role):
    convention = scenarios.full_convention()
    users = users_for(convention)
    users["referent"] = user_with_role(Role.CAF, convention.caf, referent=True)
    log_in(page, live_server, users[role].username)
    seen = crawl_with_axe(page, live_server, "/", convention.slug, assert_accessible)
    assert len(seen) > (12 if role == "elu" else 25), seen
