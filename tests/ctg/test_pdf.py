"""The PDF base: the fetcher reads only the static files; long words get break opportunities."""

import pytest


def test_the_fetcher_resolves_paths_before_comparing():
    from ctg.pdf import STATIC_DIR, local_only_fetcher

    assert local_only_fetcher().fetch(f"file://{STATIC_DIR}/css/print.css")
    for url in (f"file://{STATIC_DIR}/../../../../etc/passwd", f"file://{STATIC_DIR}/%2e%2e/%2e%2e/etc/hostname",
                f"file://{STATIC_DIR}-autre/x.css", "file://example.org/static/x.css"):
        with pytest.raises(ValueError, match="Ressource externe refusée"):
            local_only_fetcher().fetch(url)


def test_only_the_text_of_long_words_gets_break_opportunities():
    from ctg.pdf import breakable

    html = ('<head><title>' + "t" * 60 + '</title></head><body><p title="' + "y" * 60 + '">' + "a" * 60
            + " 027-200066405-20251215-CC_201_2025-DE " + "&amp;" * 60 + "<br>" + "b" * 20 + '</p><svg><style>.'
            + "z" * 60 + "{}</style></svg></body>")
    assert breakable(html) == (
        '<head><title>' + "t" * 60 + '</title></head><body><p title="' + "y" * 60 + '">'
        + "\u200b".join(["a" * 10] * 6)  # a zero-width space every 10 characters
        + " 027-200066405-20251215-CC_201_2025-DE "  # an identifier of 37 characters is left whole
        + "\u200b".join(["&amp;" * 10] * 6)  # an entity is one character
        + "<br>" + "b" * 20 + '</p><svg><style>.' + "z" * 60 + "{}</style></svg></body>"
    )
