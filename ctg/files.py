"""Files written whole or not at all (generic: no domain app here)."""

import contextlib
import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError


def write_atomically(path, chunks):
    """Write `chunks` (bytes, or an iterable of bytes) to `path` through a temporary file renamed
    into place: a reader never sees a partial file, and a failure (OSError) leaves any previous
    file untouched."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_output(path, data):
    """A command's output file, written atomically; a French error when the folder is wrong."""
    path = Path(path)
    try:
        write_atomically(path, data)
    except FileNotFoundError:
        raise CommandError(f"Dossier introuvable : {path.parent}") from None
    except OSError as error:
        raise CommandError(f"Écriture impossible de {path} : {error.strerror}") from None
