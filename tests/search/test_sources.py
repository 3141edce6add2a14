"""The texts PostgreSQL's triggers put in the stored vectors are those the search reads: a field
added to a source needs a migration that recreates its trigger (search/migrations/0001_initial.py)."""

import importlib

from actions.models import Fiche
from search.sources import FICHES, SOURCES


def test_the_triggers_index_what_the_sources_search():
    # A migration that changes the triggers replaces 0001 here.
    triggers = importlib.import_module("search.migrations.0001_initial").VECTORS
    vectors = {table: (tuple(title), tuple(body)) for table, (title, body) in triggers.items()}
    assert vectors == {source.model._meta.db_table: (source.title, source.body) for source in SOURCES}


def test_a_fiche_is_searched_in_every_canonical_box():
    assert set(Fiche.BOX_FIELDS) <= set(FICHES.body)
