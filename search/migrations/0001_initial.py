"""PostgreSQL full-text search: the `unaccent` extension, and on each searched table a
`search_vector` column kept by a trigger (its title weighted A, its other texts B) behind a GIN index.
Nothing happens on SQLite, whose engine folds the texts as it reads them (`search/engine.py`).

The columns listed here are those `search/sources.py` searches, as of this migration: a source that
gains a field needs a migration that recreates its trigger (`tests/search/test_sources.py` compares
the two lists; `test_search.py` finds each fiche box's text, on PostgreSQL through the trigger).
A later migration that renames or drops one of these columns must recreate its trigger too.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

# table: (title columns, other text columns)
VECTORS = {
    "conventions_convention": (["title"], ["preamble"]),
    "conventions_article": ([], ["title", "body"]),
    "conventions_visa": ([], ["text"]),
    "conventions_avenant": (["title"], ["object", "preamble"]),
    "conventions_operation": ([], ["body"]),
    "actions_fiche": (["title"], [
        "initial_diagnosis", "target_public", "operational_objectives", "implementation", "expected_results",
        "evaluation_indicators", "funding", "lead", "partners", "referents", "schedule",
    ]),
    "governance_meeting": (["title"], ["minutes"]),
    "governance_agendaitem": ([], ["text"]),
    "governance_decision": ([], ["text"]),
}


def vector(title, body, row=""):
    parts = [
        f"setweight(to_tsvector('french', unaccent(concat_ws(' ', {', '.join(row + c for c in columns)}))), '{weight}')"
        for columns, weight in ((title, "A"), (body, "B")) if columns
    ]
    return " || ".join(parts)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (title, body) in VECTORS.items():
        columns = ", ".join(title + body)
        schema_editor.execute(f"""
            ALTER TABLE {table} ADD COLUMN search_vector tsvector;
            -- Kept in the row, compressed, rather than in the TOAST table: a search tests each
            -- vector once per word, and fetching it from there each time is several times slower.
            ALTER TABLE {table} ALTER COLUMN search_vector SET STORAGE MAIN;
            CREATE FUNCTION {table}_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.search_vector := {vector(title, body, "NEW.")};
                RETURN NEW;
            END $$;
            CREATE TRIGGER search_vector BEFORE INSERT OR UPDATE OF {columns} ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_search_vector();
            UPDATE {table} SET search_vector = {vector(title, body)};
            CREATE INDEX {table}_search ON {table} USING gin (search_vector);
        """)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in VECTORS:
        schema_editor.execute(f"""
            DROP TRIGGER search_vector ON {table};
            DROP FUNCTION {table}_search_vector();
            ALTER TABLE {table} DROP COLUMN search_vector;
        """)


class Migration(migrations.Migration):
    dependencies = [
        ("conventions", "0008_membership_referent"),
        ("actions", "0006_renewal_links"),
        ("governance", "0003_audit_history"),
    ]

    operations = [
        UnaccentExtension(),
        migrations.RunPython(forwards, backwards),
    ]
