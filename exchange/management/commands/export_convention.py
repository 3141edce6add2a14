"""`manage.py export_convention SLUG --format json|pdf|docx [--date AAAA-MM-JJ] [--output FILE]`."""

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from conventions.models import Convention
from conventions.pdf import ConventionPdf
from conventions.word import ConventionWord
from ctg.files import write_output
from documents.storage import pdf_of
from exchange.exporter import export_document


def render_json(convention, on):
    document = export_document(convention, on=on)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Format:
    render: Callable  # (convention, on: date | None) -> bytes
    binary: bool = False


def render_pdf(convention, on):
    return pdf_of(ConventionPdf(on).html(convention))


def render_docx(convention, on):
    return ConventionWord(on).generate(convention)[2]


# One entry per output format.
FORMATS = {
    "json": Format(render_json),
    "pdf": Format(render_pdf, binary=True),
    "docx": Format(render_docx, binary=True),
}


def parse_date(value):
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise CommandError(f"Date invalide « {value} » : format attendu AAAA-MM-JJ.")


class Command(BaseCommand):
    help = "Exporte une convention au format d'échange CTG (JSON), en document PDF complet ou en Word (docx)."

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
        write_output(output, data)
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
