"""A restore through the exchange format: every demo CTG exported, the database wiped, the
exports imported into the empty instance (its accounts recreated) — and every page, as each
role, reads the same as before."""

import datetime
import difflib
import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.urls import Resolver404, resolve
from django.utils import timezone

from actions.periods import Period
from actions.services import tracking_copy_previous
from conventions.lifecycle import convention_start_renewal
from conventions.models import Convention
from evaluation.services import milestone_mark_done
from exchange.exporter import export_document
from exchange.importer import import_document
from exchange.management.commands.loaddemo import ACCOUNTS, Command
from governance.models import Body, Meeting, Member, Participant

pytestmark = pytest.mark.django_db

# Who reads each demo CTG: its Caf, and on Roumois Seine its coordinator and its élue too.
READERS = {
    "roumois-seine-2022": ["caf.eure", "coord.roumois", "elu.roumois"],
    "pornic-agglo-2025": ["caf.loire-atlantique"],
    "ecouen-2020": ["caf.val-d-oise"],
    "ecouen-2027": ["caf.val-d-oise"],
    "landerneau-daoulas-2022": ["caf.finistere"],
    "lieuvin-pays-d-auge-2023": ["caf.eure"],  # taken up from Word
}
# Pages outside one convention, as each reader.
GLOBAL_PAGES = ["/", "/conventions/", "/portefeuille/renouvellements/", "/agenda/", "/agenda/calendrier/"]
# Not pages: files (PDF, Word, Excel, iCalendar) and what a click starts.
SKIPPED_NAMES = {"progress", "download", "original_download", "logout", "feed", "accept",
                 "journal"}  # the history of changes is not in the format (docs/format-echange.md)
SKIPPED_SUFFIXES = (".pdf", ".docx", ".xlsx", ".ics", ".json")
PER_KIND = 3  # pages of one kind (one URL name) visited per convention and reader: 3 fiches, 3 séances…
LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)')
# What legitimately differs between two renderings of the same data.
VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="…"'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": "…"'),
    (re.compile(r"/agenda/[\w-]+\.ics"), "/agenda/….ics"),  # a new instance, new calendar secrets
    # The history of changes (of a fiche, its tracking, a bilan) is not in the format: an imported
    # convention's history is its import.
    (re.compile(r'<details class="history">.*?</details>', re.S), "<details>historique</details>"),
    (re.compile(r'<section aria-labelledby="(historique|history-title)">.*?</section>', re.S), "<section>historique</section>"),
]


def enrich():
    """What the demo documents leave empty, done as the application does it: a milestone marked
    done, a quarter started from the previous one (« à vérifier »), a convention put in renewal,
    the links and details of a séance, a renewal with an action carried on."""
    users = {user.username: user for user in get_user_model().objects.all()}
    roumois = Convention.objects.get(slug="roumois-seine-2022")
    milestone = roumois.milestones.order_by("end", "id").first()
    milestone_mark_done(milestone, by=users["caf.eure"])
    tracking_copy_previous(roumois, Period.containing(timezone.localdate()), by=users["coord.roumois"])
    convention_start_renewal(roumois, by=users["caf.eure"], note="Évaluation lancée avec le COPIL.")
    body = roumois.bodies.order_by("position").first()
    Body.objects.filter(pk=body.pk).update(expected_per_year=3)
    member = body.members.first()
    Member.objects.filter(pk=member.pk).update(email="elu@roumois-seine.fr")
    meeting = roumois.meetings.filter(time__isnull=False).order_by("date").first()
    Meeting.objects.filter(pk=meeting.pk).update(end_time=datetime.time(17, 45))
    Participant.objects.filter(pk=meeting.participants.first().pk).update(member=member, email="invite@caf.fr")
    fiche = roumois.fiches.order_by("number").first()
    item = meeting.agenda_items.first()
    item.fiches.add(fiche)
    item.milestones.add(milestone)
    meeting.decisions.update(fiche=fiche, requires_avenant=True, avenant=roumois.avenants.get(number=2))
    roumois.cooperation_officers.update(missions="- Animer la gouvernance\n- Tenir le **tableau de suivi**")
    renewal, previous = Convention.objects.get(slug="ecouen-2027"), Convention.objects.get(slug="ecouen-2020")
    Convention.objects.filter(pk=renewal.pk).update(predecessor=previous)
    renewal.fiches.filter(pk=renewal.fiches.order_by("number").first().pk).update(
        renewed_from=previous.fiches.order_by("number").first()
    )


def wipe():
    """Empty every table, the accounts too, and restart the ids: a new instance."""
    keep = {ContentType._meta.db_table, Permission._meta.db_table, "django_migrations"}
    tables = [name for name in connection.introspection.django_table_names(only_existing=True) if name not in keep]
    if connection.vendor == "postgresql":
        # The test's transaction holds deferred foreign-key checks: PostgreSQL truncates only once
        # they have run.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))


def normalised(content):
    for pattern, replacement in VOLATILE:
        content = pattern.sub(replacement, content)
    return content


def page_name(path):
    try:
        return resolve(urlsplit(path).path).url_name
    except Resolver404:
        return None


def crawl(client, slug):
    """The pages of convention `slug` a reader reaches by following links from its home, in order."""
    prefix = f"/conventions/{slug}/"
    queue, seen, per_kind, pages = [prefix], {prefix}, {}, {}
    while queue:
        path = queue.pop(0)
        response = client.get(path)
        content = response.content.decode() if response.status_code == 200 else ""
        pages[path] = (response.status_code, normalised(content))
        for link in LINK.findall(content):
            link = link.replace("&amp;", "&")
            name = page_name(link)
            if (link in seen or not link.startswith(prefix) or name is None or name in SKIPPED_NAMES
                    or urlsplit(link).path.endswith(SKIPPED_SUFFIXES)):
                continue
            seen.add(link)
            if per_kind.get(name, 0) < PER_KIND:
                per_kind[name] = per_kind.get(name, 0) + 1
                queue.append(link)
    return pages


def every_page(client):
    users = {user.username: user for user in get_user_model().objects.all()}
    pages = {}
    for slug, readers in READERS.items():
        for username in readers:
            client.force_login(users[username])
            for path in GLOBAL_PAGES:
                response = client.get(path)
                pages[username, path] = (response.status_code, normalised(response.content.decode()))
            pages.update({(username, path): page for path, page in crawl(client, slug).items()})
    return pages


def test_every_page_reads_the_same_after_an_export_wipe_import(client, settings, monkeypatch):
    settings.DEBUG = True  # loaddemo is a development command
    # One instant for both instances: what is stamped « now » (an import in the journal, a fiche's
    # history) legitimately differs between them.
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    wipe()
    call_command("loaddemo", stdout=StringIO())
    enrich()
    before = every_page(client)
    exports = [export_document(c) for c in Convention.objects.order_by("pk")]  # imported again in the same order

    wipe()
    for account in ACCOUNTS:  # accounts are not in the format: the new instance has its own
        Command().account(*account)
    for document in exports:
        import_document(document)
    after = every_page(client)

    assert after.keys() == before.keys()
    kinds = {page_name(path) for _, path in before}
    assert {"convention_home", "detail", "annexes", "avenant", "plan", "fiche", "fiche_edit", "tracking_period",
            "index", "meeting", "officers", "calendar", "milestones", "dashboard", "bilans", "bilan"} <= kinds
    assert len(before) > 300
    differing = [key for key in before if before[key] != after[key]]
    report = [", ".join(f"{user} {path}" for user, path in differing)]
    for key in differing[:5]:
        (status_before, old), (status_after, new) = before[key], after[key]
        diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        report.append(f"{key} ({status_before} → {status_after}):\n" + "\n".join(list(diff)[2:14]))
    assert not differing, f"{len(differing)} pages differ:\n" + "\n\n".join(report)
