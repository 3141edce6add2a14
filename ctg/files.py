"""File helpers for management commands (generic: no domain app here)."""

import contextlib
import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError


def write_atomically(path, data):
    """Write `data` to `path` through a temporary file renamed into place: a reader never sees
    a partial file, and a failure leaves any previous file untouched."""
    path = Path(path)
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError:
        raise CommandError(f"Dossier introuvable : {path.parent}") from None
    except OSError as error:
        raise CommandError(f"Écriture impossible dans {path.parent} : {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise CommandError(f"Écriture impossible de {path} : {error.strerror}") from None
