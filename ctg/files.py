"""Files written whole or not at all (generic: no domain app here)."""

import contextlib
import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError


@contextlib.contextmanager
def replaced_atomically(path):
    """A temporary path beside `path`, renamed onto it when the block succeeds: a reader never
    sees a partial file, and a failure leaves any previous file untouched (the temporary one is
    removed)."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        yield Path(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomically(path, chunks):
    """Write `chunks` (bytes, or an iterable of bytes) to `path` whole or not at all (OSError)."""
    with replaced_atomically(path) as temporary, open(temporary, "wb") as handle:
        for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def output_errors(path):
    """A command writing `path`: French errors when the folder is wrong or the disk refuses."""
    path = Path(path)
    try:
        yield
    except FileNotFoundError:
        raise CommandError(f"Dossier introuvable : {path.parent}") from None
    except OSError as error:
        raise CommandError(f"Écriture impossible de {path} : {error.strerror}") from None


def write_output(path, data):
    """A command's output file, written atomically; a French error when the folder is wrong."""
    with output_errors(path):
        write_atomically(path, data)
