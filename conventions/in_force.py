"""The convention as in force on a date: the base convention with every signed avenant effective on
that date applied in number order. Drafts are never applied; a change stays until a later avenant
changes it; an avenant whose term runs past the convention's end extends the convention.

This is the one home of that rule: the query builders below serve every queryset (avenants,
fiches, equipment), and `convention_in_force` builds the whole text.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from ctg.dates import bounded

from .enums import AmendMode, AvenantStatus, OperationKind


def applied_avenants(on=None, prefix=""):
    """The avenants applied on `on`: signed, and effective by then (`on=None`: on any date).
    `prefix` reaches the avenant through a relation, e.g. "avenant__"."""
    condition = Q(**{f"{prefix}status": AvenantStatus.SIGNE})
    if on is not None:
        condition &= Q(**{f"{prefix}effective_from__lte": on})
    return condition


class InForceQuerySet(models.QuerySet):
    """Rows of a plan or an annex (fiches, equipment): in force when the base convention has them
    or an applied avenant added them, and no applied avenant replaced or abrogated them.
    `superseded_by` names the reverse relation of the operations that target a row."""

    superseded_by = None

    def _added(self, on):
        return Q(avenant__isnull=True) | applied_avenants(on, "avenant__")

    def _superseded(self, on):
        relation = self.model._meta.get_field(self.superseded_by)
        operations = relation.related_model.objects.filter(applied_avenants(on, "avenant__"))
        return Exists(operations.filter(**{relation.field.name: OuterRef("pk")}))

    def in_force(self, on):
        """In force on `on`, in one query."""
        return self.filter(self._added(on)).exclude(self._superseded(on))

    def in_force_during(self, start, end):
        """In force on at least one day from `start` to `end`: added by `end`, and not replaced or
        abrogated on or before `start`."""
        return self.filter(self._added(end)).exclude(self._superseded(start))

    def count_in_force(self, on):
        """How many rows are in force on `on` for the convention `OuterRef("pk")`: an annotation
        for a list of conventions."""
        rows = self.filter(convention=OuterRef("pk")).in_force(on).order_by().values("convention")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)

    def current(self):
        """The heads of the lineages: every signed avenant applied, whatever its date."""
        return self.filter(self._added(None)).exclude(self._superseded(None))


def extended_end(convention, applied):
    """The convention's end, extended by any of the `applied` avenants whose term runs past it
    (never past `ctg.dates.LAST_DAY`: what is computed from it stays within the calendar)."""
    return bounded(max([convention.end] + [a.effective_until for a in applied if a.effective_until]))


@dataclass
class Amendment:
    """« (Article) complété par l'avenant n°2 du 15/12/2025 », « (Annexe) complétée … »."""

    avenant: object
    mode: str
    feminine: bool = False

    def __str__(self):
        verb = ("complété" if self.mode == AmendMode.COMPLETE else "modifié") + ("e" if self.feminine else "")
        return f"{verb} par l'avenant n°{self.avenant.number} du {self.avenant.effective_from:%d/%m/%Y}"


# How an avenant's text names itself, and how the convention in force names it once consolidated:
# « Le présent avenant est conclu… » becomes « L'avenant n°2 est conclu… » (same gender and number,
# so the sentence still agrees).
SELF_REFERENCES = [
    (re.compile(r"\b([Dd])u présent avenant\b"), "{0}e l'avenant n°{n}"),
    (re.compile(r"\b([Dd])e cet avenant\b"), "{0}e l'avenant n°{n}"),
    (re.compile(r"\b([Aa])u présent avenant\b"), "{0} l'avenant n°{n}"),
    (re.compile(r"\b([Ll])e présent avenant\b"), "{0}'avenant n°{n}"),
    (re.compile(r"\b([Cc])et avenant\b"), "{0}'avenant n°{n}"),
]
CASE = {"C": "L", "c": "l", "A": "À", "a": "à"}


def consolidated(text, avenant):
    """`text`, written in `avenant`, as it reads in the convention in force."""
    for pattern, replacement in SELF_REFERENCES:
        text = pattern.sub(
            lambda match, replacement=replacement: replacement.format(
                CASE.get(match.group(1), match.group(1)), n=avenant.number),
            text,
        )
    return text


@dataclass
class ArticleInForce:
    number: str
    title: str
    body: str
    amendments: list = field(default_factory=list)


@dataclass
class AnnexText:
    number: int
    body: str
    amendments: list = field(default_factory=list)


@dataclass
class ConventionState:
    convention: object
    on: date
    avenants: list
    articles: list
    annex_texts: dict
    end: date

    @property
    def fiches(self):
        return self.convention.fiches.in_force(self.on)

    @property
    def equipment(self):
        return self.convention.equipment.in_force(self.on)

    @property
    def is_running(self):
        """Signed and within its (possibly extended) period on that date."""
        return self.convention.is_running_on(self.on, self.end)


def amend(text, body, mode):
    if mode == AmendMode.COMPLETE:
        return f"{text}\n\n{body}" if text else body
    return body


def convention_in_force(convention, on):
    avenants = list(convention.avenants.filter(applied_avenants(on)).order_by("number").prefetch_related("operations"))
    articles = {
        a.number: ArticleInForce(a.number, a.title, a.body)
        for a in convention.articles.filter(avenant__isnull=True).order_by("position", "id")
    }
    annex_texts = {
        1: AnnexText(1, convention.previous_evaluation),
        2: AnnexText(2, convention.diagnosis_summary),
        3: AnnexText(3, ""),
        4: AnnexText(4, ""),
        5: AnnexText(5, convention.governance_text),
        6: AnnexText(6, convention.evaluation_text),
        7: AnnexText(7, ""),
    }
    for avenant in avenants:
        for operation in avenant.operations.all():
            if operation.op == OperationKind.AMEND_ARTICLE:
                article = articles.setdefault(
                    operation.article_number, ArticleInForce(operation.article_number, "", "")
                )
                article.body = amend(article.body, consolidated(operation.body, avenant), operation.mode)
                article.amendments.append(Amendment(avenant, operation.mode))
            elif operation.op == OperationKind.AMEND_ANNEX:
                annex = annex_texts[operation.annex]
                annex.body = amend(annex.body, consolidated(operation.body, avenant), operation.mode)
                annex.amendments.append(Amendment(avenant, operation.mode, feminine=True))
    return ConventionState(
        convention=convention,
        on=on,
        avenants=avenants,
        articles=list(articles.values()),
        annex_texts=annex_texts,
        end=extended_end(convention, avenants),
    )
