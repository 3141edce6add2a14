"""Keys: the readable identifiers in addresses and in the exchange format (`petite-enfance-2`)."""

from django.utils.text import slugify


def unique_slug(text, taken, *, fallback):
    """A slug of `text` (at most 80 characters; `fallback` when nothing is left) that is not in
    `taken`, numbered -2, -3… when it is."""
    base = slugify(text)[:80].strip("-") or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key
