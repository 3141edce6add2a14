"""Documents generated from a convention. Every exporter has one shape:
`generate(obj) -> (filename, mimetype, bytes)`.

PDF documents (the convention, an avenant, a fiche action here; a bilan in evaluation.exporters)
share templates/pdf/base.html, the includes of templates/pdf/ and static/css/print.css; each is
rendered once, then served from `cached_pdf` until what it shows changes."""

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from actions.models import Fiche
from actions.periods import Period
from actions.tracking import with_latest_values

from .diagnosis import diagnosis_table
from .enums import ANNEX_TITLES, AmendMode, OperationKind

STATIC_DIR = settings.BASE_DIR / "static"
STYLESHEET = STATIC_DIR / "css" / "print.css"


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


def layout(html):
    """WeasyPrint's laid-out document (its pages), with our fonts and nothing from the network."""
    from weasyprint import HTML

    return HTML(string=html, base_url=f"file://{STATIC_DIR}/", url_fetcher=local_only_fetcher()).render()


def render_pdf(html):
    return layout(html).write_pdf()


def document_key(html):
    """The name of the kept PDF of this exact HTML: any change of content or date is a new key."""
    return hashlib.sha256(html.encode()).hexdigest()


def kept_path(key):
    return Path(settings.MEDIA_ROOT) / "pdf" / f"{key}.pdf"


def keep(key, data):
    """Write a PDF under its key atomically: a reader never sees half a file."""
    path = kept_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


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
            **signature_context(convention),
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

    def filename(self, convention):
        return f"{convention.slug}-en-vigueur-au-{self.on:%Y-%m-%d}.pdf"

    def generate(self, convention):
        return self.filename(convention), self.mimetype, cached_pdf(self.html(convention))


def cached_pdf(html):
    """The PDF of this exact HTML: rendered once, then read back until what it shows changes."""
    key = document_key(html)
    path = kept_path(key)
    if path.exists():
        return path.read_bytes()
    data = render_pdf(html)
    keep(key, data)
    return data


def parties_of(signatories):
    """The signatories grouped by party, in order of first appearance: [(organisation, [signatory, …])]."""
    parties = {}
    for signatory in signatories:
        parties.setdefault(signatory.organisation_id, (signatory.organisation, []))[1].append(signatory)
    return list(parties.values())


def signature_context(convention):
    """The parties and their signatories, in the same order for the parties and the signature block."""
    parties = parties_of(convention.signatories.select_related("organisation"))
    return {"parties": parties, "signatories": [s for _, representatives in parties for s in representatives]}


def _normalised(text):
    return " ".join(text.split())


def said_in(text, articles):
    """Whether `text` is already written in one of `articles` (an avenant often repeats, in its own
    article, the text its operation puts in the convention)."""
    wanted = _normalised(text)
    return bool(wanted) and any(wanted in _normalised(article.body) for article in articles)


@dataclass
class AvenantAnnex:
    """An annex of the avenant document, numbered in the order it appears."""

    number: int
    kind: str  # "fiches", "equipment" or "text"
    title: str
    introduction: str
    operations: list = field(default_factory=list)

    @property
    def equipment(self):
        return [op.equipment for op in self.operations if op.equipment_id]


class AvenantPdf:
    """An avenant alone, laid out like `002_…`: title, parties, visas, préambule, its articles,
    signatures, then the summary of its changes and its annexes (the fiches it adds or modifies,
    in full; the equipment it adds; the annex texts it completes). A draft is marked « Projet »."""

    mimetype = "application/pdf"

    @staticmethod
    def document_title(avenant):
        title = avenant.convention.title
        if title.lower().startswith("convention territoriale globale"):
            return f"Avenant n°{avenant.number} à la {title}"
        return f"Avenant n°{avenant.number} à la Convention territoriale globale « {title} »"

    def context(self, avenant):
        convention = avenant.convention
        articles = list(avenant.articles.all())
        operations = list(
            avenant.operations.select_related(
                "fiche", "target_fiche", "equipment__funded_by", "target_equipment__funded_by"
            )
        )
        introduced = {
            fiche.pk: fiche
            for fiche in Fiche.objects.filter(pk__in=[op.fiche_id for op in operations if op.fiche_id]).with_details()
        }
        since = f"à compter du {avenant.effective_from:%d/%m/%Y}"
        for op in operations:
            if op.fiche_id:
                op.fiche = introduced[op.fiche_id]
            if op.op == OperationKind.REPLACE_FICHE:
                op.fiche_note = (
                    f"Remplace la fiche de l'action {op.target_fiche.number} « {op.target_fiche.title} » {since}."
                )
            elif op.op == OperationKind.ADD_FICHE:
                op.fiche_note = f"Fiche action ajoutée au plan d'actions {since}."
        annexes = []

        def annex(kind, title, introduction, ops):
            if ops:
                annexes.append(AvenantAnnex(len(annexes) + 1, kind, title, introduction, ops))
                for op in ops:
                    op.annex_number = len(annexes)

        annex(
            "fiches", "Fiches actions ajoutées ou modifiées",
            "Cette annexe modifie et complète l'annexe 4 de la convention (plan d'actions et fiches actions).",
            [op for op in operations if op.op in (OperationKind.ADD_FICHE, OperationKind.REPLACE_FICHE)],
        )
        annex(
            "equipment", "Équipements et services ajoutés",
            "Cette annexe complète l'annexe 3 de la convention (équipements et services soutenus).",
            [op for op in operations if op.op == OperationKind.ADD_EQUIPMENT],
        )
        for op in operations:
            if op.op == OperationKind.AMEND_ANNEX:
                verb = "complète" if op.mode == AmendMode.COMPLETE else "modifie"
                title = ANNEX_TITLES.get(op.annex, f"Annexe {op.annex}")
                annex("text", title, f"Cette annexe {verb} l'annexe {op.annex} de la convention ({title.lower()}).", [op])
        return {
            "convention": convention,
            "avenant": avenant,
            "draft": not avenant.is_signed,
            "document_title": self.document_title(avenant),
            "own_title": not re.match(r"(?i)avenant\s+n(°|o\b|uméro)", avenant.title),
            "object_in_articles": said_in(avenant.object, articles),
            **signature_context(convention),
            "visas": avenant.visas.all(),
            "articles": articles,
            "amended_articles": [
                op for op in operations
                if op.op == OperationKind.AMEND_ARTICLE and op.body and not said_in(op.body, articles)
            ],
            "operations": operations,
            "annexes": annexes,
        }

    def html(self, avenant):
        return render_to_string("pdf/avenant.html", self.context(avenant))

    def filename(self, avenant):
        return f"{avenant.convention.slug}-avenant-{avenant.number}.pdf"

    def generate(self, avenant):
        return self.filename(avenant), self.mimetype, cached_pdf(self.html(avenant))


class FichePdf:
    """One fiche action, to send to a partner: where it sits in the plan, the canonical table,
    its indicators with their latest value, and its latest quarterly status."""

    mimetype = "application/pdf"

    def context(self, fiche):
        fiche = (
            Fiche.objects.with_details()
            .select_related("convention__caf", "avenant", "previous_version__avenant")
            .prefetch_related("indicators")
            .get(pk=fiche.pk)
        )
        indicators = with_latest_values(fiche, confirmed_only=True)
        # The latest quarter someone confirmed: a row copied from the previous quarter is not news.
        update = next((u for u in fiche.updates.all() if not u.copied_from), None)
        inherited = False
        if update is None and fiche.previous_version_id:
            # A new version continues its predecessor's tracking until its own first update.
            update = fiche.previous_version.updates.filter(copied_from="").order_by("-period").first()
            inherited = update is not None
        if update is not None:
            update.period_label = Period.parse(update.period).label
        return {
            "convention": fiche.convention,
            "fiche": fiche,
            "draft": bool(fiche.avenant and not fiche.avenant.is_signed),
            "indicators": indicators,
            "update": update,
            "update_inherited": inherited,
        }

    def html(self, fiche):
        return render_to_string("pdf/fiche.html", self.context(fiche))

    def filename(self, fiche):
        return f"{fiche.convention.slug}-action-{fiche.number}-{fiche.key}.pdf"

    def generate(self, fiche):
        return self.filename(fiche), self.mimetype, cached_pdf(self.html(fiche))
