"""Which engine matches the words, chosen in one place from the database's vendor.

- PostgreSQL (production): full-text search in the French configuration, accents removed by the
  `unaccent` extension. Each searched table carries a `search_vector` column that a trigger keeps
  (search/migrations/0001_initial.py): titles weighted A, the rest B, behind a GIN index, so that
  a search reads stored vectors instead of parsing every text. A word matches the words that
  share its stem or start with it (`famille` finds « familles », « parent » finds « parentalité »).
- SQLite (development, a small office server): the texts are folded by a Python function
  registered on each connection (`search_fold(text, …)`, `text.index_text`) and matched with
  LIKE: a word matches the words that start with it, a final s or x dropped (`text.word_key`).
"""

import functools

from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import F, Func, TextField
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Contains

from .text import index_text, word_key


class PostgresEngine:
    def connected(self, connection):
        pass

    def _vector(self, source):
        table = connection.ops.quote_name(source.model._meta.db_table)
        return RawSQL(f"{table}.search_vector", [], output_field=SearchVectorField())

    def _query(self, word, title):
        # `word` holds letters and digits only (`text.query_words`): safe in to_tsquery's syntax.
        return SearchQuery(f"{word}:*{'A' if title else ''}", search_type="raw", config="french")

    def matches(self, source, word, *, title=False):
        return SearchVectorExact(self._vector(source), self._query(word, title))

    def matches_any(self, source, words):
        """One query for every word, so that the GIN index finds the rows."""
        return SearchVectorExact(self._vector(source), functools.reduce(
            lambda a, b: a | b, (self._query(word, False) for word in words)
        ))


class Fold(Func):
    function = "search_fold"
    output_field = TextField()


@functools.lru_cache(maxsize=512)
def _index_text(*texts):
    # A row's texts are folded once however many words test them (one call per word and clause).
    return index_text(" ".join(text for text in texts if text))


class FoldingEngine:
    def connected(self, connection):
        connection.connection.create_function("search_fold", -1, _index_text, deterministic=True)

    def matches(self, source, word, *, title=False):
        fields = source.title if title else source.fields
        return Contains(Fold(*(F(name) for name in fields)), f" {word_key(word)}")

    def matches_any(self, source, words):
        return functools.reduce(lambda a, b: a | b, (self.matches(source, word) for word in words))


def engine_for(connection):
    return PostgresEngine() if connection.vendor == "postgresql" else FoldingEngine()


def connected(sender, connection, **kwargs):
    engine_for(connection).connected(connection)


def engine():
    return engine_for(connection)
