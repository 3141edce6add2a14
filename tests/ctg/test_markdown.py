"""The Markdown filter bounds nesting: text nested hundreds of levels deep (lists, quotes, emphasis)
still shows, on the page and in the PDF, flattened to a depth both can lay out."""

import re

import markdown
import pytest
from django.urls import reverse

from actions.pdf import FichePdf
from ctg.markdown import MAX_DEPTH, render_markdown
from tests.factories import FicheFactory, users_for
from tests.helpers import pdf_text

DEEP = {
    "quotes": ">" * 500 + " fond des citations",
    "markers": "- " * 500 + "fond des puces",
    "indented": "- niveau 0\n" + "\n".join("    " * n + f"- niveau {n}" for n in range(1, 500)),
    "mixed": "> - " * 300 + "fond du mélange",
    "emphasis": "**" * 400 + "fond du gras" + "**" * 400,
}


def depth(html):
    deepest = level = 0
    for tag in re.finditer(r"<(/?)([a-z0-9]+)[^>]*>", html):
        if tag[2] not in ("br", "hr"):
            level += -1 if tag[1] else 1
            deepest = max(deepest, level)
    return deepest


@pytest.mark.parametrize("kind", DEEP)
def test_deep_nesting_is_flattened_and_its_text_kept(kind):
    html = render_markdown(DEEP[kind])
    assert depth(html) <= MAX_DEPTH
    assert ("niveau 499" if kind == "indented" else "fond d") in html


def test_deep_list_items_become_items_of_the_deepest_level_kept():
    html = render_markdown("\n".join("    " * n + f"- niveau {n}" for n in range(12))).replace("\n", "")
    assert html.count("<ul>") == 8
    assert "<li>niveau 7</li><li>niveau 8</li><li>niveau 9</li><li>niveau 10</li><li>niveau 11</li></ul>" in html


def test_ordinary_nesting_is_left_as_typed():
    text = "- a\n    - b\n        - c\n\n> cité\n> > deux\n\n1. un\n2. deux\n\n    code indenté\n\nUn **gras *italique***."
    assert render_markdown(text) == markdown.markdown(text, extensions=["sane_lists", "tables"])


@pytest.mark.django_db
def test_a_fiche_nested_500_levels_deep_shows_on_its_page_and_in_its_pdf(client):
    fiche = FicheFactory(initial_diagnosis=DEEP["quotes"], target_public=DEEP["markers"], implementation=DEEP["indented"],
                         partners=DEEP["mixed"], lead=DEEP["emphasis"])
    client.force_login(users_for(fiche.convention)["caf"])
    page = client.get(reverse("actions:fiche", args=[fiche.convention.slug, fiche.key]))
    assert page.status_code == 200 and "fond des citations" in page.content.decode()
    _, _, data = FichePdf().generate(fiche)
    _, text = pdf_text(data)
    for words in ["fond des citations", "fond des puces", "niveau 499", "fond du mélange", "fond du gras"]:
        assert words in text, words
