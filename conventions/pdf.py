"""The convention's PDF documents: the full convention as in force on a date, and an avenant
alone. They share templates/pdf/base.html, the includes of templates/pdf/ and static/css/print.css."""

import re
from dataclasses import dataclass, field

from django.utils import timezone

from actions.models import Fiche
from ctg.pdf import PdfDocument

from .diagnosis import diagnosis_table
from .enums import ANNEX_TITLES, AmendMode, OperationKind
from .parties import signature_context


class ConventionPdf(PdfDocument):
    """The full convention document as in force on a date: body, annexes 1 to 7, signatures."""

    template_name = "pdf/convention.html"

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
            "deliberations": convention.deliberations.select_related("organisation"),
            "annex_titles": ANNEX_TITLES.items(),
        }

    def title(self, convention):
        return f"Document complet en vigueur au {self.on:%d/%m/%Y}"

    def filename(self, convention):
        return f"{convention.slug}-en-vigueur-au-{self.on:%Y-%m-%d}.pdf"


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


class AvenantPdf(PdfDocument):
    """An avenant alone, laid out like `002_…`: title, parties, visas, préambule, its articles,
    signatures, then the summary of its changes and its annexes (the fiches it adds or modifies,
    in full; the equipment it adds; the annex texts it completes). A draft is marked « Projet »."""

    template_name = "pdf/avenant.html"

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

        fiche_ops = [op for op in operations if op.op in (OperationKind.ADD_FICHE, OperationKind.REPLACE_FICHE)]
        verbs = " et ".join(verb for verb, kind in (("modifie", OperationKind.REPLACE_FICHE), ("complète", OperationKind.ADD_FICHE))
                            if any(op.op == kind for op in fiche_ops))
        annex(
            "fiches", "Fiches actions ajoutées ou modifiées",
            f"Cette annexe {verbs} l'annexe 4 de la convention (plan d'actions et fiches actions).", fiche_ops,
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

    def title(self, avenant):
        return f"Avenant n°{avenant.number}"

    def filename(self, avenant):
        return f"{avenant.convention.slug}-avenant-{avenant.number}.pdf"
