"""Helpers the tests of several apps share: the page as read, what a browser would send from a
page's form, logging in, formset management data, counting queries, reading a PDF back (and
writing a blank one), the example exchange document, crafted zip archives."""

import html
import io
import re
import struct
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

DATA_DIR = Path(__file__).resolve().parent / "data"
EXAMPLE_PATH = DATA_DIR / "roumois-seine.json"  # the spec's Roumois Seine example
DEMO_ROUMOIS = Path(__file__).resolve().parent.parent / "exchange" / "demo" / "roumois-seine-2022.json"


def html_text(page):
    """HTML as the user reads it (entities such as &#x27; decoded)."""
    return html.unescape(page)


def text(response):
    """The page as the user reads it."""
    return html_text(response.content.decode())


def table_rows(page):
    """The rows of the page's tables, each the list of its cells' text (tags dropped, spaces collapsed)."""
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    ]


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form = [], None
        self.textarea = self.select = None
        self.options, self.multiple = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {}
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.form.setdefault(attrs["name"], []).append(attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = attrs["name"]
            self.form.setdefault(self.textarea, []).append("")
        elif tag == "select" and attrs.get("name"):
            self.select, self.options, self.multiple = attrs["name"], [], "multiple" in attrs
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self.textarea:
            self.form[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            value = self.form[self.textarea][-1]
            self.form[self.textarea][-1] = value[1:] if value.startswith("\n") else value
            self.textarea = None
        elif tag == "select" and self.select:
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not self.multiple:  # a browser sends a single select's first option
                chosen = [v for v, _ in self.options[:1]]
            if chosen:
                self.form.setdefault(self.select, []).extend(chosen)
            self.select = None
        elif tag == "form":
            self.form = None


def page_form(response, containing):
    """The fields of the page's form that has a field named `containing`, as a browser submits
    them (checked boxes only, the selected option of each select), ready for `client.post`."""
    parser = _Forms()
    parser.feed(response.content.decode())
    form = next(f for f in parser.forms if containing in f)
    return {name: values if len(values) > 1 else values[0] for name, values in form.items()}


def region_data(response):
    """The fields of a region htmx swapped into the page (a response without its <form>)."""
    parser = _Forms()
    parser.feed(f"<form>{response.content.decode()}</form>")
    return {name: values if len(values) > 1 else values[0] for name, values in parser.forms[0].items()}


def two_writers(first, second, url, containing, theirs, mine, *, headers=None):
    """Two people open the form of `url` (the one with a field named `containing`), `first` saves
    its changes `theirs` ({field: value}), then `second` saves `mine`: the second's response."""
    headers = headers or {}
    opened = [page_form(client.get(url, headers=headers), containing) for client in (first, second)]
    response = first.post(url, {**opened[0], **theirs}, headers=headers)
    assert response.status_code in (200, 302), response.status_code
    return second.post(url, {**opened[1], **mine}, headers=headers)


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


# Crafted zip archives (.xlsx, .docx): members edited, or written by hand to lie or to explode.


def edited_zip(content, replace=None, drop=()):
    """The zip archive `content` with members replaced or added ({name: text or bytes}), and the
    members named in `drop` left out."""
    replace = replace or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            if name not in replace and name not in drop:
                out.writestr(name, source.read(name))
        for name, data in replace.items():
            out.writestr(name, data)
    return buffer.getvalue()


def deflated(data):
    """A member for `raw_zip`: (deflated bytes, CRC-32, size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def repeated(chunk, times, head=b"", tail=b""):
    """A member for `raw_zip` holding `chunk` `times` over (between `head` and `tail`: a well-formed
    XML part), built without compressing it all: after a full flush deflate starts afresh, so the
    same chunk gives the same block each time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head + chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    last = compressor.compress(tail) + compressor.flush()
    return first + block * (times - 1) + last, zlib.crc32(tail, crc), len(head) + len(chunk) * times + len(tail)


def raw_zip(members):
    """A zip archive written byte by byte: `members` maps a name to (deflated bytes, CRC-32, size)
    or to (deflated bytes, CRC-32, size, declared size), the size its directory then claims."""
    body, directory = io.BytesIO(), io.BytesIO()
    for name, member in members.items():
        data, crc, size, declared = (*member, member[2])[:4]
        encoded = name.encode()
        offset = body.tell()
        body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), declared,
                               len(encoded), 0) + encoded + data)
        directory.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data),
                                    declared, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), directory.tell(), body.tell(), 0)
    return body.getvalue() + directory.getvalue() + end
