"""Helpers the tests of several apps share: the page as read, logging in, formset management
data, counting queries, reading a PDF back (and writing a blank one), the example exchange document."""

import html
import io
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

DATA_DIR = Path(__file__).resolve().parent / "data"
EXAMPLE_PATH = DATA_DIR / "roumois-seine.json"  # the spec's Roumois Seine example


def text(response):
    """The page as the user reads it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def login(client, users, role):
    client.force_login(users[role])
    return client


def management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def count_queries(client, url):
    """The SQL queries of one GET of `url`, which must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def assert_constant_queries(client, two_sizes, name, budget):
    """The page `name` of the small and the large convention makes the same number of queries,
    and no more than `budget` (an absolute ceiling a regression would break)."""
    small, large = two_sizes
    assert count_queries(client, reverse(name, args=[small.slug])) == count_queries(
        client, reverse(name, args=[large.slug])
    )
    assert count_queries(client, reverse(name, args=[large.slug])) <= budget, name


def html_queries(exporter, obj):
    """The SQL queries a PDF document makes to build its HTML."""
    with CaptureQueriesContext(connection) as ctx:
        exporter.html(obj)
    return len(ctx.captured_queries)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def blank_pdf(pages=1, *, password=None):
    """A small PDF of `pages` blank A4 pages (encrypted with `password` when given)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if password is not None:
        writer.encrypt(password, algorithm="RC4-128")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def pdf_lines(data):
    """The reader and the text of every page, line breaks kept."""
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def pdf_text(data):
    """The reader and the text of every page, lines joined: a phrase may wrap anywhere."""
    reader, text = pdf_lines(data)
    return reader, " ".join(text.split())


def outline_titles(reader):
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles
