"""Documents generated from a convention. Every exporter has one shape:
`generate(obj) -> (filename, mimetype, bytes)`."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .diagnosis import diagnosis_table
from .enums import ANNEX_TITLES

STATIC_DIR = settings.BASE_DIR / "static"


def local_only_fetcher():
    """A WeasyPrint fetcher that reads our own static files and nothing else: a user's
    `<img src=http://…>` can never make the server fetch anything."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(f"file://{STATIC_DIR}/"):
                raise ValueError(f"Ressource externe refusée dans un document PDF : {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols={"file"})


def render_pdf(html):
    from weasyprint import HTML

    return HTML(string=html, base_url=f"file://{STATIC_DIR}/", url_fetcher=local_only_fetcher()).write_pdf()


class ConventionPdf:
    """The full convention document as in force on a date: body, annexes 1 to 7, signatures."""

    mimetype = "application/pdf"

    def __init__(self, on=None):
        self.on = on or timezone.localdate()

    def context(self, convention):
        state = convention.as_of(self.on)
        fiches = list(state.fiches.with_details().prefetch_related("indicators").order_by("axis__number", "number"))
        axes = list(convention.axes.prefetch_related("objectives"))
        by_axis = {axis.pk: [f for f in fiches if f.axis_id == axis.pk] for axis in axes}
        equipment = list(state.equipment.select_related("funded_by").order_by("funded_by__name", "position", "id"))
        return {
            "convention": convention,
            "state": state,
            "on": self.on,
            "signatories": list(convention.signatories.select_related("organisation")),
            "visas": convention.visas.filter(avenant__isnull=True),
            "axes": [(axis, by_axis[axis.pk]) for axis in axes],
            "fiches": fiches,
            "diagnosis": diagnosis_table(convention, list(convention.diagnosis_indicators.all())),
            "issues": convention.diagnosis_issues.all(),
            "equipment": equipment,
            "equipment_totals": {
                "caf": sum(e.caf_funding or 0 for e in equipment),
                "local": sum(e.local_funding or 0 for e in equipment),
            },
            "sppe_rows": convention.sppe_rows.all(),
            "bodies": convention.bodies.prefetch_related("members"),
            "officers": convention.cooperation_officers.select_related("organisation"),
            "milestones": convention.milestones.select_related("body"),
            "deliberations": convention.deliberations.all(),
            "annex_titles": ANNEX_TITLES.items(),
        }

    def html(self, convention):
        return render_to_string("pdf/convention.html", self.context(convention))

    def generate(self, convention):
        filename = f"{convention.slug}-en-vigueur-au-{self.on:%Y-%m-%d}.pdf"
        return filename, self.mimetype, cached_pdf(self.html(convention))


def cached_pdf(html):
    """The PDF of this exact HTML: rendered once, then read back until what it shows changes
    (the key is the HTML itself, so any change of content or date makes a new document)."""
    path = Path(settings.MEDIA_ROOT) / "pdf" / f"{hashlib.sha256(html.encode()).hexdigest()}.pdf"
    if path.exists():
        return path.read_bytes()
    data = render_pdf(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
    return data
