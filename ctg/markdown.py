"""The one way user text becomes HTML: Markdown rendered, then sanitised by nh3.

A single line break typed by the user is kept (`nl2br`): an address, a list of partners one per
line read as typed, on the page, in the PDF and in Word. Every '<' typed by a user is escaped before Markdown sees it (so raw HTML shows as text), and whatever Markdown produces is
cleaned against a short allow-list, so no script, event handler or remote resource survives.
"""

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text):
    if not text:
        return ""
    rendered = md.markdown(text.replace("<", "&lt;"), extensions=["sane_lists", "tables", "nl2br"])
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
