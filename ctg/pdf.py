"""PDF documents made from a template by WeasyPrint, with our fonts and nothing from the network.

Every document has one shape, `generate(obj) -> (filename, mimetype, bytes)`; a subclass names its
template and gives its context, title and file name. Each document lives in the app it shows
(`conventions.pdf`, `actions.pdf`, `evaluation.pdf`); `documents` keeps and queues them."""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

STATIC_DIR = Path(settings.BASE_DIR) / "static"
STYLESHEET = STATIC_DIR / "css" / "print.css"


def is_static_file(url):
    """Whether `url` names a file inside our static folder, once `..` and links are resolved."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    return Path(unquote(parts.path)).resolve().is_relative_to(STATIC_DIR.resolve())


def local_only_fetcher():
    """A WeasyPrint fetcher that reads our own static files and nothing else: a user's
    `<img src=http://…>` or `file://…/../../etc/passwd` can never make the server read anything."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not is_static_file(url):
                raise ValueError(f"Ressource externe refusée dans un document PDF : {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols={"file"})


# The longest run of characters without a space laid out as it is (a préfecture identifier, an
# e-mail address stay whole). WeasyPrint looks for where to cut a longer word again at each line
# (time grows with the square of its length), and a table cell is never narrower than its longest
# word: in a longer run (a URL, a pasted code, a hostile word of millions of characters), a break
# opportunity (U+200B, zero-width space, not part of the text one copies) every BREAK_EVERY
# characters makes it wrap in bounded time, filling its column.
LONG_RUN = 50
BREAK_EVERY = 10
_LONG_RUNS = re.compile(
    # Markup, kept as it is (a chart's <style> block whole), or a run of more than LONG_RUN
    # characters of text (an entity counts as one).
    rf"(<style\b.*?</style\s*>|<[^>]*>)|((?:&#?\w+;|[^\s<&]){{{LONG_RUN + 1},}})", re.S | re.I
)
# BREAK_EVERY characters followed by more, or one character (an entity whole): no cut inside one.
_SLICES = re.compile(rf"((?:&#?\w+;|[^&]){{{BREAK_EVERY}}})(?=.)|&#?\w+;|.", re.S)


def _broken(run):
    if "&" in run:
        return _SLICES.sub(lambda m: m[1] + "\u200b" if m[1] else m[0], run)
    return "\u200b".join(run[i:i + BREAK_EVERY] for i in range(0, len(run), BREAK_EVERY))


def breakable(html):
    """`html` with break opportunities in each word of its body longer than LONG_RUN characters."""
    start = max(html.find("<body"), 0)
    return html[:start] + _LONG_RUNS.sub(lambda m: m[1] or _broken(m[2]), html[start:])


# The classes static/css/print.css starts a new page with (a break before, a named page), and the
# ones it ends a page after; the Word version breaks its pages before the same ones (ctg.docx).
NEW_PAGE_CLASSES = frozenset({"cover", "new-page", "fiche", "landscape"})
PAGE_END_CLASSES = frozenset({"cover", "toc"})
_PAGE_BREAK = re.compile(rf'class="(?:[^"]* )?(?:{"|".join(sorted(NEW_PAGE_CLASSES | PAGE_END_CLASSES))})(?: [^"]*)?"')


def forced_page_breaks(html):
    """How many new pages `html` asks for: with its size, what its page count is estimated from."""
    return len(_PAGE_BREAK.findall(html))


def layout(html):
    """WeasyPrint's laid-out document (its pages)."""
    from weasyprint import HTML

    return HTML(string=breakable(html), base_url=f"file://{STATIC_DIR}/", url_fetcher=local_only_fetcher()).render()


def render_pdf(html):
    return layout(html).write_pdf()


class PdfDocument:
    """A PDF of one object: `template_name` rendered with `context(obj)`."""

    mimetype = "application/pdf"
    template_name = None

    def context(self, obj):
        raise NotImplementedError

    def title(self, obj):
        """What the document is, in French, for the page that follows its preparation."""
        raise NotImplementedError

    def filename(self, obj):
        raise NotImplementedError

    def html(self, obj):
        return render_to_string(self.template_name, self.context(obj))

    def generate(self, obj):
        return self.filename(obj), self.mimetype, render_pdf(self.html(obj))
