"""What a search finds and how it shows it: every searched text, accents and case aside, ranked,
with the words marked where they occur; the versions of a fiche a user expects."""

import datetime

import pytest
from django.utils import timezone

from actions.models import Fiche
from conventions.enums import AvenantStatus, OperationKind
from conventions.models import Operation
from governance.models import AgendaItem, Decision
from search.sources import FICHES
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    users_for,
)
from tests.helpers import text
from tests.search.conftest import hits_of, search_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return ConventionFactory(title="Convention territoriale globale du Plateau")


@pytest.fixture
def caf(convention):
    return users_for(convention)["caf"]


def titles(hits):
    return [hit.title for hit in hits]


@pytest.fixture
def one_word_per_text(convention):
    """A distinct word in each searched text of the convention, its avenant and its séance."""
    convention.preamble = "Les familles du territoire alpha."
    convention.save()
    ArticleFactory(convention=convention, number="4", title="Suivi bravo", body="Le comité charlie.")
    convention.visas.create(text="Vu la délibération delta")
    avenant = AvenantFactory(convention=convention, title="Avenant echo", object="Objet foxtrot",
                             preamble="Préambule golf")
    ArticleFactory(convention=convention, avenant=avenant, number="1", title="Objet", body="Article hotel.")
    Operation.objects.create(avenant=avenant, op=OperationKind.AMEND_ANNEX, annex=5, mode="complete",
                             body="Annexe india.")
    meeting = MeetingFactory(body__convention=convention, title="COPIL juliett", minutes="Compte-rendu kilo.")
    AgendaItem.objects.create(meeting=meeting, text="Point lima")
    Decision.objects.create(meeting=meeting, text="Décision mike")


@pytest.mark.parametrize(("word", "kind", "where"), [
    ("plateau", "Conventions", None),
    ("alpha", "Conventions", "Préambule"),
    ("bravo", "Conventions", "Article 4 — Suivi bravo"),
    ("charlie", "Conventions", "Article 4 — Suivi bravo"),
    ("delta", "Conventions", "Visas"),
    ("echo", "Avenants", None),
    ("foxtrot", "Avenants", "Objet"),
    ("golf", "Avenants", "Préambule"),
    ("hotel", "Avenants", "Article 1 — Objet"),
    ("india", "Avenants", "Modifier une annexe : annexe 5"),
    ("juliett", "Séances", None),
    ("kilo", "Séances", "Compte-rendu"),
    ("lima", "Séances", "Ordre du jour"),
    ("mike", "Séances", "Décision"),
])
def test_each_text_is_found_and_said_where(client, caf, one_word_per_text, word, kind, where):
    hits = hits_of(search_page(client, caf, word))
    assert list(hits) == [kind]
    (hit,) = hits[kind]
    if where is None:  # in the title: marked there
        assert "<mark>" in hit.marked_title
    else:
        assert hit.where == [where]
        assert f"<mark>{word}</mark>" in hit.excerpt.lower()


@pytest.mark.parametrize("box", FICHES.body)
def test_every_box_of_a_fiche_is_searched(client, convention, caf, box):
    FicheFactory(axis__convention=convention, title="Créer un lieu", **{box: "Le quebec des familles."})
    (hit,) = hits_of(search_page(client, caf, "quebec"))["Fiches actions"]
    assert hit.where == [FICHES.label(box)]
    assert hit.url.startswith(f"/conventions/{convention.slug}/")


def test_accents_and_case_do_not_count(client, convention, caf):
    FicheFactory(axis__convention=convention, title="Soutenir la PARENTALITÉ", target_public="Crèches et écoles")
    for query in ["parentalite", "Parentalité", "PARENTALITE", "creches ECOLES", "crèche"]:
        assert titles(hits_of(search_page(client, caf, query))["Fiches actions"]) == ["Soutenir la PARENTALITÉ"], query


def test_a_word_finds_the_words_it_begins_and_its_plural(client, convention, caf):
    FicheFactory(axis__convention=convention, title="Accompagner la parentalité", target_public="La famille")
    assert hits_of(search_page(client, caf, "parent"))["Fiches actions"]
    assert hits_of(search_page(client, caf, "familles"))["Fiches actions"]


def test_more_words_first_then_the_title(client, convention, caf):
    axis = FicheFactory(axis__convention=convention, title="Ouvrir une ludothèque").axis
    FicheFactory(axis=axis, title="Informer les familles", implementation="Une ludothèque itinérante.")
    FicheFactory(axis=axis, title="Créer un relais", implementation="Itinérante, la ludothèque du relais.")
    ranked = titles(hits_of(search_page(client, caf, "ludothèque itinérante"))["Fiches actions"])
    assert ranked[0] in ("Informer les familles", "Créer un relais")  # both words
    assert ranked[2] == "Ouvrir une ludothèque"  # one word, in its title
    ranked = titles(hits_of(search_page(client, caf, "ludothèque"))["Fiches actions"])
    assert ranked[0] == "Ouvrir une ludothèque"  # in the title, above the texts


def test_the_excerpt_marks_the_words_and_escapes_the_text(client, convention, caf):
    FicheFactory(axis__convention=convention, title="Informer",
                 implementation="Ateliers <script>alert(1)</script> pour **les parents** & les enfants.")
    page = search_page(client, caf, "parents")
    (hit,) = hits_of(page)["Fiches actions"]
    assert hit.where == ["Modalités de mise en œuvre"]
    html = page.content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as typed
    assert "&amp;lt;" not in html and "&amp; les enfants" in html  # escaped once
    assert "<mark>parents</mark>" in html and "**" not in hit.excerpt
    assert "Trouvé dans : Modalités de mise en œuvre" in text(page)


def test_a_long_text_is_quoted_around_the_word(client, convention, caf):
    long = " ".join(["Contexte général du territoire."] * 40) + " Le bus des familles passe. " + "Suite. " * 80
    FicheFactory(axis__convention=convention, title="Informer", initial_diagnosis=long)
    (hit,) = hits_of(search_page(client, caf, "bus"))["Fiches actions"]
    assert hit.excerpt.startswith("… ") and hit.excerpt.endswith(" …")
    assert "<mark>bus</mark>" in hit.excerpt and len(hit.excerpt) < 300


def test_the_fiches_found_are_those_in_force_and_those_proposed(client, convention, caf):
    today = timezone.localdate()
    replaced = FicheFactory(axis__convention=convention, number=1, title="Version remplacée du relais")
    signed = AvenantFactory(convention=convention, effective_from=today - datetime.timedelta(days=30))
    in_force = FicheFactory(axis=replaced.axis, avenant=signed, previous_version=replaced, number=1,
                            title="Version en vigueur du relais")
    Operation.objects.create(avenant=signed, op=OperationKind.REPLACE_FICHE, target_fiche=replaced, fiche=in_force)
    draft = AvenantFactory(convention=convention, status=AvenantStatus.BROUILLON, signed_on=None)
    proposed = FicheFactory(axis=replaced.axis, avenant=draft, previous_version=in_force, number=1,
                            title="Version proposée du relais")
    Operation.objects.create(avenant=draft, op=OperationKind.REPLACE_FICHE, target_fiche=in_force, fiche=proposed)
    later = AvenantFactory(convention=convention, effective_from=today + datetime.timedelta(days=30))
    FicheFactory(axis=replaced.axis, avenant=later, number=2, title="Nouvelle action du relais")
    hits = hits_of(search_page(client, caf, "relais"))["Fiches actions"]
    contexts = {hit.title: hit.context.split(" · ")[-1] for hit in hits}
    assert contexts == {
        "Version en vigueur du relais": "en vigueur",
        "Version proposée du relais": f"proposée par l'avenant n°{draft.number} (projet)",
        "Nouvelle action du relais": f"ajoutée par l'avenant n°{later.number}, en vigueur le "
                                     f"{later.effective_from:%d/%m/%Y}",
    }


def test_a_text_is_found_however_it_was_written(client, convention, caf):
    """On PostgreSQL a trigger keeps the stored vectors: a bulk insert or an update is searched too."""
    fiche = FicheFactory(axis__convention=convention, title="Informer")
    Fiche.objects.filter(pk=fiche.pk).update(partners="La ludothèque associative")
    Fiche.objects.bulk_create([Fiche(convention=convention, axis=fiche.axis, key="bulk", number=99, is_current=True,
                                     title="Créer une ludothèque")])
    found = titles(hits_of(search_page(client, caf, "ludothèque"))["Fiches actions"])
    assert found == ["Créer une ludothèque", "Informer"]
    Fiche.objects.filter(pk=fiche.pk).update(partners="")
    assert titles(hits_of(search_page(client, caf, "ludothèque"))["Fiches actions"]) == ["Créer une ludothèque"]
