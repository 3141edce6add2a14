"""The words of a search, and where they occur in a text: the same rules for every engine's hits.

A word matches the words of a text that start with it, accents and case aside (« parent » finds
« Parentalité »); a final s or x is dropped first, so that a plural finds its singular."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from ctg.text import fold

MAX_LENGTH = 200
MAX_WORDS = 10
TOKEN = re.compile(r"[^\W_]+")
# Words too common to tell texts apart (folded); single letters are never searched.
STOP_WORDS = frozenset(
    "au aux avec ce ces dans de des du elle elles en est et il ils la le les leur leurs lui ma mais me "
    "mes meme mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sont sur ta te tes ton "
    "tu un une vos votre vous".split()
)


def query_words(query):
    """The distinct words searched for in `query`, folded, in their order: at most MAX_WORDS."""
    words = []
    for word in TOKEN.findall(fold(query)):
        if len(word) > 1 and word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def word_key(word):
    """What the words of a text must start with to match `word`."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def index_text(text):
    """`text` as the folding engine matches it: its folded words after one space each, so that
    « contains ' KEY' » means « a word starts with KEY »."""
    return "".join(f" {token}" for token in TOKEN.findall(fold(text or "")))


def words_in(text, words):
    """The `words` that occur in `text`."""
    indexed = index_text(text)
    return {word for word in words if f" {word_key(word)}" in indexed}


LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MARKUP = re.compile(
    r"^\s*(?:[-+*]|\d+\.|#{1,6}|>+)\s+|^\s*[-*_]{3,}\s*$|\*\*|[*`|~]|(?<!\w)_+|_+(?!\w)", re.MULTILINE
)


def plain(text):
    """A Markdown text on one line, without its markup (emphasis, lists, headings, links' addresses):
    what an excerpt quotes. Never HTML: the excerpt escapes it (`marked`)."""
    return " ".join(MARKUP.sub(" ", LINK.sub(r"\1", text)).split())


def marked(text, words):
    """`text` escaped, then each word matching one of `words` wrapped in <mark>: the only way a
    user's text is marked safe outside the Markdown filter."""
    keys = tuple(word_key(word) for word in words)
    out, last = [], 0
    for match in TOKEN.finditer(text):
        if fold(match.group()).startswith(keys):
            out += [escape(text[last:match.start()]), "<mark>", escape(match.group()), "</mark>"]
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 — every piece of the text is escaped above


def excerpt(text, words, width=220):
    """About `width` characters of the plain `text` around the first of `words` it holds, marked."""
    text = plain(text)
    keys = tuple(word_key(word) for word in words)
    first = next((m.start() for m in TOKEN.finditer(text) if fold(m.group()).startswith(keys)), 0)
    start = max(0, first - width // 3)
    if start:
        start = text.find(" ", start, first) + 1 or start
    end = min(len(text), start + width)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > first else end
    piece = marked(text[start:end], words)
    return mark_safe(("… " if start else "") + piece + (" …" if end < len(text) else ""))  # noqa: S308 — `piece` is escaped
