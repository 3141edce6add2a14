"""PDF documents made from a template by WeasyPrint, with our fonts and nothing from the network.

Every document has one shape, `generate(obj) -> (filename, mimetype, bytes)`; a subclass names its
template and gives its context, title and file name. Each document lives in the app it shows
(`conventions.pdf`, `actions.pdf`, `evaluation.pdf`); `documents` keeps and queues them."""

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


def layout(html):
    """WeasyPrint's laid-out document (its pages)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=f"file://{STATIC_DIR}/", url_fetcher=local_only_fetcher()).render()


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
