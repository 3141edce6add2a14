"""Fixtures for the real browser tests of this folder: one Playwright instance (session-scoped)
driving Debian's Chromium, headless, serves every test; a fresh context and page per test."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous, so Django's async-safety guard must be told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} est introuvable : installez le paquet Debian chromium (voir .ci/run).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def assert_accessible():
    """`assert_accessible(page)`: axe-core finds no « serious » or « critical » violation on the
    page as it is now (WCAG 2.x A and AA rules); the failure lists each violation and its elements."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                                         "resultTypes": ["violations"]})
        grave = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not grave, f"{page.url} :\n" + "\n".join(
            f"- {v['id']} ({v['impact']}) : {v['help']} — " + " ; ".join(", ".join(n["target"]) for n in v["nodes"])
            for v in grave
        )

    return check
