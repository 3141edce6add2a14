"""Where documents are kept: Django's storage API, `STORAGES["documents"]`.

By default the files sit under `MEDIA_ROOT/pdf/` (a folder every web worker shares); in production
an object store (django-storages) lets several web servers share them. A PDF is named by the hash
of its HTML, so it is reused until something it shows changes; the HTML of a document waiting for
its worker is kept beside it."""

import hashlib
import os

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone

from ctg.files import write_atomically
from ctg.pdf import render_pdf

FOLDER = "pdf"


class KeptFileStorage(FileSystemStorage):
    """Local files written atomically (a reader never sees half a PDF) and overwritten in place
    (two workers may finish the same document)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(**kwargs)

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomically(path, content.chunks())
        return name

    def touch(self, name):
        os.utime(self.path(name))


def storage():
    return storages["documents"]


def document_key(html):
    """The name of the kept PDF of this exact HTML: any change of content or date is a new key."""
    return hashlib.sha256(html.encode()).hexdigest()


def pdf_name(key):
    return f"{FOLDER}/{key}.pdf"


def html_name(pk):
    return f"{FOLDER}/document-{pk}.html"


def is_kept(key):
    return storage().exists(pdf_name(key))


def keep(key, data):
    storage().save(pdf_name(key), ContentFile(data))


def open_kept(key):
    """The kept PDF, opened for a download; marked as served now where the storage can, so that
    `prune` removes only what nobody downloaded for long."""
    name = pdf_name(key)
    if hasattr(storage(), "touch"):
        storage().touch(name)
    return storage().open(name, "rb")


def read_kept(key):
    with storage().open(pdf_name(key), "rb") as file:
        return file.read()


def keep_html(pk, html):
    storage().save(html_name(pk), ContentFile(html.encode()))


def read_html(pk):
    with storage().open(html_name(pk), "rb") as file:
        return file.read().decode()


def forget_html(pk):
    storage().delete(html_name(pk))


def remove_older_than(older_than):
    """Remove the kept files last written or served before `older_than` ago; their number."""
    limit = timezone.now() - older_than
    removed = 0
    try:
        names = storage().listdir(FOLDER)[1]
    except FileNotFoundError:  # nothing was ever kept
        return 0
    for name in names:
        path = f"{FOLDER}/{name}"
        try:
            if name.endswith((".pdf", ".html", ".tmp")) and storage().get_modified_time(path) < limit:
                storage().delete(path)
                removed += 1
        except FileNotFoundError:  # a worker removed or renamed it meanwhile
            continue
    return removed




def pdf_of(html):
    """The PDF of this exact HTML: laid out once, then read back until what it shows changes."""
    key = document_key(html)
    if is_kept(key):
        return read_kept(key)
    data = render_pdf(html)
    keep(key, data)
    return data
