"""The PDF base: the fetcher reads only the static files."""

import pytest


def test_the_fetcher_resolves_paths_before_comparing():
    from ctg.pdf import STATIC_DIR, local_only_fetcher

    assert local_only_fetcher().fetch(f"file://{STATIC_DIR}/css/print.css")
    for url in (f"file://{STATIC_DIR}/../../../../etc/passwd", f"file://{STATIC_DIR}/%2e%2e/%2e%2e/etc/hostname",
                f"file://{STATIC_DIR}-autre/x.css", "file://example.org/static/x.css"):
        with pytest.raises(ValueError, match="Ressource externe refusée"):
            local_only_fetcher().fetch(url)
