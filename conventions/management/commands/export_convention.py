"""`manage.py export_convention SLUG --format json|pdf [--date AAAA-MM-JJ] [--output FILE]`."""

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conventions.exchange import export_document
from conventions.models import Convention


def render_json(convention, on):
    document = export_document(convention, on=on)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Format:
    render: Callable  # (convention, on: date | None) -> bytes
    binary: bool = False


def render_pdf(convention, on):
    from conventions.pdf import ConventionPdf
    from documents.storage import pdf_of

    return pdf_of(ConventionPdf(on).html(convention))


# One entry per output format.
FORMATS = {
    "json": Format(render_json),
    "pdf": Format(render_pdf, binary=True),
}


def parse_date(value):
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise CommandError(f"Date invalide « {value} » : format attendu AAAA-MM-JJ.")


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


class Command(BaseCommand):
    help = "Exporte une convention au format d'échange CTG (JSON) ou en document PDF complet."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="identifiant de la convention")
        parser.add_argument(
            "--format", dest="output_format", choices=sorted(FORMATS), default="json", help="format de sortie"
        )
        parser.add_argument(
            "--date", dest="on", help="AAAA-MM-JJ : ne garder que les avenants en vigueur à cette date"
        )
        parser.add_argument("--output", default="-", help="fichier de sortie (« - » : sortie standard)")

    def handle(self, *args, slug, output_format, on, output, **options):
        on = parse_date(on) if on else None
        convention = Convention.objects.filter(slug=slug).first()
        if convention is None:
            raise CommandError(f"Aucune convention « {slug} ».")
        chosen = FORMATS[output_format]
        data = chosen.render(convention, on)
        if output in (None, "-"):
            self.write_stdout(data, chosen)
            return
        write_atomically(output, data)
        self.stdout.write(self.style.SUCCESS(f"Convention « {slug} » exportée dans {output} ({output_format})."))

    def write_stdout(self, data, chosen):
        if not chosen.binary:
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:
            raise CommandError("Ce format ne peut pas être écrit sur la sortie standard : utilisez --output.")
        self.stdout.flush()
        buffer.write(data)
