"""No link breaks: every page reachable from the demo data answers, for each role, and the PDF and
calendar addresses that moved between apps keep their paths."""

import re
from io import StringIO
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import resolve

pytestmark = pytest.mark.django_db

HREF = re.compile(r'(?:href|hx-get)="([^"]+)"')
# Downloads are checked by their own tests; following them here would lay out every PDF.
SKIPPED = re.compile(r"\.(pdf|xlsx|ics)$|/admin/|/deconnexion/")


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # loaddemo is a development command
    call_command("loaddemo", stdout=StringIO())


def crawl(client, start, limit=400):
    """Visit every internal page reachable from `start` (GET only, without query strings); {url: status}."""
    seen, queue = {}, [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for link in HREF.findall(response.content.decode()):
            link = urldefrag(urljoin(url, link.replace("&amp;", "&")))[0]
            parts = urlsplit(link)
            if parts.netloc not in ("", "testserver") or SKIPPED.search(parts.path):
                continue
            if parts.path.startswith(("/conventions/roumois-seine-2022/", "/personnes/")) or parts.path in (
                "/", "/conventions/", "/agenda/", "/agenda/calendrier/", "/portefeuille/renouvellements/",
            ):
                queue.append(parts.path)  # query strings (dates, months, filters) are variants of a page
    return seen


# The Caf officer reaches every editing page, the élue every reading one (a coordinator sees the
# same pages as the Caf on their own CTG).
@pytest.mark.parametrize("username", ["caf.eure", "elu.roumois"])
def test_every_page_of_the_demo_answers(client, demo, username):
    client.force_login(get_user_model().objects.get(username=username))
    seen = crawl(client, "/")
    broken = {url: status for url, status in seen.items() if status not in (200, 302)}
    assert len(seen) > 40 and broken == {}


@pytest.mark.parametrize(("path", "view_name"), [
    ("/conventions/roumois/document.pdf", "documents:convention_pdf"),
    ("/conventions/roumois/avenants/2/avenant.pdf", "documents:avenant_pdf"),
    ("/conventions/roumois/fiches/passerelles/fiche.pdf", "documents:fiche_pdf"),
    ("/conventions/roumois/bilans/intermediaire/bilan.pdf", "documents:bilan_pdf"),
    ("/conventions/roumois/documents/7/", "documents:progress"),
    ("/conventions/roumois/documents/7/telecharger/", "documents:download"),
    ("/conventions/roumois/gouvernance/calendrier/", "agenda:calendar"),
    ("/agenda/", "agenda:subscription"),
    ("/agenda/jeton.ics", "agenda:feed"),
])
def test_moved_pages_keep_their_addresses(path, view_name):
    assert resolve(path).view_name == view_name
