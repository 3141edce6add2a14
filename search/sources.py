"""What a search looks through, and how the rows found become hits: conventions, fiches actions,
avenants and séances, only within the conventions the user has a role on
(`Convention.objects.for_user`, the one definition of a user's territory).

Each source is a table and its texts; a row holding any of the words is found by the engine
(`engine.py`), the rows holding the most words first. A text of a convention or an avenant
(article, visa, operation) or of a séance (ordre du jour, décision) counts for its parent: a hit
holds every word any of its texts holds. Ten queries (the user's conventions, then one per source),
whatever the number of conventions.
"""

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from actions.models import Fiche
from conventions.in_force import applied_avenants
from conventions.models import Article, Avenant, Convention, Operation, Visa
from governance.models import AgendaItem, Decision, Meeting

from .engine import engine
from .text import excerpt, marked, words_in


@dataclass(frozen=True)
class Source:
    model: type
    title: tuple = ()  # the hit's own title: a word found there ranks the hit higher
    body: tuple = ()

    @property
    def fields(self):
        return self.title + self.body

    def label(self, name):
        return str(self.model._meta.get_field(name).verbose_name).capitalize()


CONVENTIONS = Source(Convention, ("title",), ("preamble",))
ARTICLES = Source(Article, (), ("title", "body"))
VISAS = Source(Visa, (), ("text",))
AVENANTS = Source(Avenant, ("title",), ("object", "preamble"))
OPERATIONS = Source(Operation, (), ("body",))
# Every box of the fiche's canonical presentation, and its schedule.
FICHES = Source(Fiche, ("title",), (*Fiche.BOX_FIELDS, "schedule"))
MEETINGS = Source(Meeting, ("title",), ("minutes",))
AGENDA_ITEMS = Source(AgendaItem, (), ("text",))
DECISIONS = Source(Decision, (), ("text",))
SOURCES = (CONVENTIONS, ARTICLES, VISAS, AVENANTS, OPERATIONS, FICHES, MEETINGS, AGENDA_ITEMS, DECISIONS)

CANDIDATES = 60  # rows read per source, the best first: a search reads a bounded set
PER_KIND = 20  # hits shown per kind
# What a hit shows of the convention or the avenant a row belongs to.
CONVENTION = ("convention__slug", "convention__title")
AVENANT = ("avenant__number", "avenant__title", "avenant__status", "avenant__convention__slug",
           "avenant__convention__title")


def found(queryset, source, words):
    """The rows of `queryset` holding at least one of `words`, those holding the most first; each
    with `words_found` and `title_words`, the words its texts and its title hold."""
    search = engine()

    def flag(word, title=False):
        return Case(When(search.matches(source, word, title=title), then=Value(1)), default=Value(0),
                    output_field=IntegerField())

    flags = {f"search_w{i}": flag(word) for i, word in enumerate(words)}
    if source.title:
        flags |= {f"search_t{i}": flag(word, title=True) for i, word in enumerate(words)}
    rows = list(
        queryset.filter(search.matches_any(source, words))
        .annotate(**flags)
        .annotate(search_score=sum(flags.values(), Value(0)))
        .order_by("-search_score", "pk")[:CANDIDATES]
    )
    for row in rows:
        row.words_found = {word for i, word in enumerate(words) if getattr(row, f"search_w{i}")}
        row.title_words = {word for i, word in enumerate(words) if getattr(row, f"search_t{i}", 0)}
    return rows


@dataclass
class Part:
    label: str
    text: str
    anchor: str = ""


@dataclass
class Hit:
    title: str
    url: str
    context: str
    words: set = field(default_factory=set)
    title_words: set = field(default_factory=set)
    parts: list = field(default_factory=list)

    def add(self, row, parts):
        """What a found row brings: its words, and the texts the words may be in."""
        self.words |= row.words_found
        self.title_words |= row.title_words
        self.parts += [part for part in parts if part.text]

    def sort_key(self):
        # More words first, then words in the title.
        return (-len(self.words), -len(self.title_words), self.title)

    def show(self, words):
        """Set what the page shows: the title marked, where the words are, an excerpt, the link."""
        self.marked_title = marked(self.title, words)
        located = [(part, words_in(part.text, words)) for part in self.parts]
        self.where = list(dict.fromkeys(part.label for part, inside in located if inside))
        best = max(located, key=lambda pair: len(pair[1]), default=None)
        self.excerpt = ""
        if best and (best[1] or not self.title_words):
            self.excerpt = excerpt(best[0].text, words)
            self.url += best[0].anchor
        return self


class Hits:
    """The hits of one search by kind, one per object however many of its texts hold the words."""

    KINDS = ("Conventions", "Fiches actions", "Avenants", "Séances")

    def __init__(self):
        self.by_kind = {kind: {} for kind in self.KINDS}

    def _hit(self, kind, obj, title, url, context):
        hits = self.by_kind[kind]
        if obj.pk not in hits:
            hits[obj.pk] = Hit(title, url, context)
        return hits[obj.pk]

    def convention(self, convention):
        return self._hit("Conventions", convention, convention.title, convention.get_absolute_url(),
                         f"{convention.start.year}-{convention.end.year}")

    def avenant(self, avenant):
        convention = avenant.convention
        return self._hit(
            "Avenants", avenant, avenant.title, reverse("conventions:avenant", args=[convention.slug, avenant.number]),
            f"{convention.title} · avenant n°{avenant.number} · {avenant.get_status_display().lower()}",
        )

    def text_owner(self, row):
        """The hit an article or a visa counts for: its avenant's, or its convention's."""
        return self.avenant(row.avenant) if row.avenant_id else self.convention(row.convention)

    def fiche(self, fiche):
        return self._hit("Fiches actions", fiche, fiche.title, fiche.get_absolute_url(),
                         f"{fiche.convention.title} · action n°{fiche.number} · {fiche_version(fiche)}")

    def meeting(self, meeting):
        return self._hit("Séances", meeting, meeting.title, meeting.get_absolute_url(),
                         f"{meeting.convention.title} · {meeting.body.name} · {meeting.date:%d/%m/%Y}")

    def groups(self, words):
        """[(kind, hits shown, whether there are more)], the best first."""
        groups = []
        for kind, hits in self.by_kind.items():
            ranked = sorted(hits.values(), key=Hit.sort_key)
            groups.append((kind, [hit.show(words) for hit in ranked[:PER_KIND]], len(ranked) > PER_KIND))
        return groups


def search(user, words):
    """The hits for `words` the user may see, by kind: [(kind, hits shown, any more)]."""
    # The user's conventions as a list of ids, not a subquery: PostgreSQL then reads each source
    # through its convention index. With a subquery, a word common in the whole country made it
    # read the word's rows nationwide (45,000 fiches) to keep the Caf's 1,800 (bench/scale.py).
    allowed = list(Convention.objects.for_user(user).values_list("pk", flat=True))
    hits = Hits()
    find_in_conventions(hits, allowed, words)
    find_in_avenants(hits, allowed, words)
    for fiche in found(searched_fiches(allowed), FICHES, words):
        hits.fiche(fiche).add(fiche, [Part(FICHES.label(name), getattr(fiche, name)) for name in FICHES.body])
    find_in_meetings(hits, allowed, words)
    return hits.groups(words)


def find_in_conventions(hits, allowed, words):
    """Conventions and avenants' own texts: titles and preambles, articles, visas."""
    conventions = Convention.objects.filter(pk__in=allowed).only("slug", "title", "start", "end", "preamble")
    for convention in found(conventions, CONVENTIONS, words):
        hits.convention(convention).add(convention, [Part(CONVENTIONS.label("preamble"), convention.preamble)])
    owners = (*CONVENTION, "convention__start", "convention__end", *AVENANT)
    articles = Article.objects.filter(convention__in=allowed).select_related("convention", "avenant__convention")
    for article in found(articles.only("number", "title", "body", *owners), ARTICLES, words):
        label = f"Article {article.number}" + (f" — {article.title}" if article.title else "")
        anchor = "" if article.avenant_id else f"#article-{article.number}"
        hits.text_owner(article).add(article, [Part(label, f"{article.title}\n\n{article.body}", anchor)])
    visas = Visa.objects.filter(convention__in=allowed).select_related("convention", "avenant__convention")
    for visa in found(visas.only("text", *owners), VISAS, words):
        hits.text_owner(visa).add(visa, [Part("Visas", visa.text, "" if visa.avenant_id else "#visas")])


def find_in_avenants(hits, allowed, words):
    """Avenants: title, object and preamble, the texts of their operations."""
    avenants = Avenant.objects.filter(convention__in=allowed).select_related("convention")
    for avenant in found(avenants.only("number", "title", "status", "object", "preamble", *CONVENTION),
                         AVENANTS, words):
        hits.avenant(avenant).add(avenant, [Part(AVENANTS.label(name), getattr(avenant, name)) for name in AVENANTS.body])
    operations = Operation.objects.filter(avenant__convention__in=allowed).select_related("avenant__convention")
    for operation in found(operations.only("op", "article_number", "annex", "body", *AVENANT), OPERATIONS, words):
        hits.avenant(operation.avenant).add(operation, [Part(operation_label(operation), operation.body)])


def find_in_meetings(hits, allowed, words):
    """Séances: title and compte-rendu, ordre du jour, décisions."""
    meeting_fields = ("title", "date", "body__name", *CONVENTION)
    meetings = Meeting.objects.filter(convention__in=allowed).select_related("convention", "body")
    for meeting in found(meetings.only("minutes", *meeting_fields), MEETINGS, words):
        hits.meeting(meeting).add(meeting, [Part("Compte-rendu", meeting.minutes, "#compte-rendu")])
    related = tuple(f"meeting__{name}" for name in meeting_fields)
    for model, source, label, anchor in ((AgendaItem, AGENDA_ITEMS, "Ordre du jour", "#ordre-du-jour"),
                                         (Decision, DECISIONS, "Décision", "#decisions")):
        rows = model.objects.filter(meeting__convention__in=allowed).select_related("meeting__convention",
                                                                                     "meeting__body")
        for row in found(rows.only("text", *related), source, words):
            hits.meeting(row.meeting).add(row, [Part(label, row.text, anchor)])


def searched_fiches(allowed):
    """The versions of the fiches a search shows: those in force today, and those an avenant not
    applied yet proposes (a draft, or signed but taking effect later), each labelled
    (`fiche_version`). Someone looking for an action expects the plan as it stands and the changes
    under way; the versions an avenant has replaced are history, listed on the fiche's page."""
    today = timezone.localdate()
    fiches = Fiche.objects.filter(convention__in=allowed)
    pending = fiches.filter(avenant__isnull=False).exclude(applied_avenants(today, "avenant__"))
    return (fiches.in_force(today) | pending).select_related("convention", "avenant").only(
        "key", "number", *FICHES.fields, *CONVENTION, "convention__status",
        "avenant__number", "avenant__status", "avenant__effective_from",
    )


def fiche_version(fiche):
    avenant = fiche.avenant
    if avenant and not avenant.is_signed:
        return f"proposée par l'avenant n°{avenant.number} (projet)"
    if avenant and avenant.effective_from > timezone.localdate():
        return f"ajoutée par l'avenant n°{avenant.number}, en vigueur le {avenant.effective_from:%d/%m/%Y}"
    return "en vigueur" if fiche.convention.is_signed else "plan en préparation"


def operation_label(operation):
    if operation.article_number:
        return f"{operation.get_op_display()} : article {operation.article_number}"
    if operation.annex:
        return f"{operation.get_op_display()} : annexe {operation.annex}"
    return operation.get_op_display()
