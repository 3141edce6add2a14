"""The one way user text becomes HTML: Markdown rendered, then sanitised by nh3.

A single line break typed by the user is kept (`nl2br`): an address, a list of partners one per
line read as typed, on the page, in the PDF and in Word. Every '<' typed by a user is escaped
before Markdown sees it (so raw HTML shows as text), and whatever Markdown produces is cleaned
against a short allow-list, so no script, event handler or remote resource survives.

Nesting is bounded, since no real text needs it and both Markdown (a RecursionError at a few hundred
levels) and WeasyPrint (about 150) give up on deep nesting: lists and quotes deeper than MAX_LEVELS
are laid out at that level, and elements deeper than MAX_DEPTH lose their tags, not their text. Text
is flattened here rather than refused at input, so that every way in (forms, imports, the admin,
text stored before) is covered, and the page shows what the PDF shows.
"""

import re
import threading

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


MAX_LEVELS = 8
MAX_DEPTH = 3 * MAX_LEVELS  # a list level is two elements (ul, li), and a paragraph, emphasis, a link inside
# What opens a line: indentation, quote marks, list markers.
_LINE_PREFIX = re.compile(r"^(?:[ \t]|>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))+", re.M)
_NESTING = re.compile(r"[ \t]+|>|[-*+]|\d{1,9}[.)]")
# A tag of nh3's output (serialised by html5ever: well formed, attribute values in double quotes).
_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)\b(?:[^>"]|"[^"]*")*>')
_VOID = {"br", "hr"}


def _capped_line(match):
    """A line's prefix of more than MAX_LEVELS levels (4 columns of indentation, a `>`, a list
    marker) cut down to MAX_LEVELS: its first quote marks and list markers, after what indentation
    is left room for. A deeper item becomes an item of the deepest level kept."""
    prefix = match[0]
    tokens = _NESTING.findall(prefix)
    marks = [t for t in tokens if not t[0].isspace()]
    indentation = sum(len(t.expandtabs(4)) for t in tokens if t[0].isspace()) // 4
    if len(marks) + indentation <= MAX_LEVELS:
        return prefix
    marks = marks[:MAX_LEVELS]
    spaces = "    " * min(indentation, MAX_LEVELS - len(marks))
    return spaces + " ".join(marks) + " " if marks else spaces


def _capped_depth(html):
    """`html` without the tags of elements nested deeper than MAX_DEPTH (their text stays)."""
    if html.count("<") <= MAX_DEPTH:
        return html
    out, kept, depth, position = [], [], 0, 0
    for tag in _TAG.finditer(html):
        out.append(html[position:tag.start()])
        position = tag.end()
        closing, name = tag[1], tag[2]
        if name in _VOID:
            out.append(tag[0])
        elif not closing:
            kept.append(depth < MAX_DEPTH)
            depth += kept[-1]
            out.append(tag[0] if kept[-1] else " ")
        elif kept and kept.pop():
            depth -= 1
            out.append(tag[0])
        else:
            out.append(" ")
    out.append(html[position:])
    return "".join(out)


# Building a Markdown converter costs more than converting a fiche's box: one per thread, reset
# between texts (a converter is not thread-safe).
_converters = threading.local()


def _converter():
    if not hasattr(_converters, "markdown"):
        _converters.markdown = md.Markdown(extensions=["sane_lists", "tables", "nl2br"])
    return _converters.markdown.reset()


def render_markdown(text):
    text = _LINE_PREFIX.sub(_capped_line, text or "")
    if not text:
        return ""
    rendered = _converter().convert(text.replace("<", "&lt;"))
    return _capped_depth(nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ))
