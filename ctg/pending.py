"""Uploads kept between a preview and its confirmation (generic: no domain app here).

An import shows what it will do before doing it: the uploaded file is kept through Django's
storage API (`STORAGES["default"]`, by default under MEDIA_ROOT; an object store shared by the
web servers in production) under a random token that the preview page hands to its confirmation
form. The file's name also holds its owner (for instance the convention and the user), so a
token only opens a file for the owner it was kept for. A kept file is deleted once confirmed or
cancelled; the files nobody came back for are deleted a day later, when another one is kept."""

import datetime
import re
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEPT_FOR = datetime.timedelta(days=1)


class PendingUploads:
    """The files kept in `folder` of the default storage."""

    def __init__(self, folder):
        self.folder = folder

    def _name(self, owner, token):
        return f"{self.folder}/{owner}-{token}"

    def keep(self, content, owner):
        """Keep `content` (bytes) for `owner` (a string of letters, digits and dashes); returns
        the token that opens it again."""
        self.forget_stale()
        token = secrets.token_urlsafe(24)  # 32 characters
        default_storage.save(self._name(owner, token), ContentFile(content))
        return token

    def read(self, owner, token):
        """The content kept for `owner` under `token`, or None (unknown, already used or expired)."""
        if not TOKEN.match(token or ""):
            return None
        name = self._name(owner, token)
        try:
            with default_storage.open(name, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def forget(self, owner, token):
        if TOKEN.match(token or ""):
            default_storage.delete(self._name(owner, token))

    def forget_stale(self):
        limit = timezone.now() - KEPT_FOR
        try:
            _, names = default_storage.listdir(self.folder)
        except FileNotFoundError:
            return
        for name in names:
            path = f"{self.folder}/{name}"
            try:
                if default_storage.get_modified_time(path) < limit:
                    default_storage.delete(path)
            except FileNotFoundError:  # deleted meanwhile by another request
                pass
