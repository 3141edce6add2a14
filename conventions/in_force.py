"""The convention as in force on a date: the base convention with every signed avenant effective on
that date applied in number order. Drafts are never applied; a change stays until a later avenant
changes it; an avenant whose term runs past the convention's end extends the convention.
"""

from dataclasses import dataclass, field
from datetime import date

from .enums import AmendMode, AvenantStatus, ConventionStatus, OperationKind


@dataclass
class Amendment:
    avenant: object
    mode: str

    def __str__(self):
        verb = "complété" if self.mode == AmendMode.COMPLETE else "modifié"
        return f"{verb} par l'avenant n°{self.avenant.number} du {self.avenant.effective_from:%d/%m/%Y}"


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
        from actions.models import Fiche

        return Fiche.objects.filter(convention=self.convention).in_force(self.on)

    @property
    def equipment(self):
        from .models import Equipment

        return Equipment.objects.filter(convention=self.convention).in_force(self.on)

    @property
    def is_running(self):
        """Signed and within its (possibly extended) period on that date."""
        return (
            self.convention.status in (ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT)
            and self.convention.start <= self.on <= self.end
        )


def amend(text, body, mode):
    if mode == AmendMode.COMPLETE:
        return f"{text}\n\n{body}" if text else body
    return body


def convention_in_force(convention, on):
    avenants = list(
        convention.avenants.filter(status=AvenantStatus.SIGNE, effective_from__lte=on)
        .order_by("number")
        .prefetch_related("operations")
    )
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
                article.body = amend(article.body, operation.body, operation.mode)
                article.amendments.append(Amendment(avenant, operation.mode))
            elif operation.op == OperationKind.AMEND_ANNEX:
                annex = annex_texts[operation.annex]
                annex.body = amend(annex.body, operation.body, operation.mode)
                annex.amendments.append(Amendment(avenant, operation.mode))
    end = max([convention.end] + [a.effective_until for a in avenants if a.effective_until])
    return ConventionState(
        convention=convention,
        on=on,
        avenants=avenants,
        articles=list(articles.values()),
        annex_texts=annex_texts,
        end=end,
    )
