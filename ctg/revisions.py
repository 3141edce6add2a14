"""Revision stamps: database triggers give a root object (a convention) a new random token at every
write to a row beneath it, through its foreign keys, whatever wrote it (a form, a bulk import, the
admin, SQL). A page cached under a token (`ctg.pagecache`) is then the page as it was at that
stamp, and a write anywhere beneath the root moves its pages to new keys.

The triggers are derived from the models: each table of `REVISION_APPS` stamps every root its
foreign keys lead to (a fiche stamps its convention, and the convention it was renewed from); the
tables of `REVISION_SHARED` (organisations, people's names), shown by every root, stamp root 0 when one of
the listed columns really changes; those
of `REVISION_UNLINKED` stamp nothing. A model in none of these fails `check_plan` (a test), so a new
table cannot be forgotten. They are (re)installed after every `migrate` (`install`), because a
migration on SQLite rebuilds a table without its triggers.

A random token rather than a counter: after a database restore, a counter would count again through
numbers whose pages were cached from the lost writes; a token of the restored state was that state.
PostgreSQL stamps once per statement (transition tables), SQLite once per row.
"""

import functools

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection
from django.db import connections
from django.db.models import OuterRef, Subquery

from .models import Revision

SHARED = 0
TABLE = Revision._meta.db_table


def root_model():
    return apps.get_model(settings.REVISION_ROOT)


def stamped_models():
    """Every concrete table of the stamped apps, many-to-many tables included, history excluded."""
    return [
        model for app in settings.REVISION_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed and not hasattr(model, "instance_type")
    ]


def foreign_keys(model):
    return [field for field in model._meta.concrete_fields if field.many_to_one or field.one_to_one]


@functools.cache
def reaches_root(model, _visiting=frozenset()):
    if model is root_model():
        return True
    return any(
        reaches_root(field.related_model, _visiting | {model})
        for field in foreign_keys(model) if field.related_model not in _visiting | {model}
    )


def parent_link(model):
    """The foreign key that leads a row to its own root: straight to the root if it can, required
    rather than optional."""
    links = [field for field in foreign_keys(model) if field.related_model is not model
             and reaches_root(field.related_model)]
    return min(links, key=lambda field: (field.related_model is not root_model(), field.null))


def root_of(model, id_sql, depth=1):
    """SQL giving the root id of the `model` row whose primary key is `id_sql`."""
    if model is root_model():
        return id_sql
    link = parent_link(model)
    alias = f"r{depth}"
    parent_id = f"(SELECT {alias}.{link.column} FROM {model._meta.db_table} {alias} " \
                f"WHERE {alias}.{model._meta.pk.column} = {id_sql})"
    return root_of(link.related_model, parent_id, depth + 1)


def roots_of_row(model, row):
    """SQL expressions of every root a row of `model` (`row`: its alias) stamps."""
    expressions = [f"{row}.{model._meta.pk.column}"] if model is root_model() else []
    for field in foreign_keys(model):
        if reaches_root(field.related_model):
            expressions.append(root_of(field.related_model, f"{row}.{field.column}"))
    return expressions


def check_plan():
    """Every stamped model reaches the root, is shared or is declared unlinked."""
    shared, unlinked = set(settings.REVISION_SHARED), set(settings.REVISION_UNLINKED)
    for model in stamped_models():
        label = model._meta.label
        if label not in shared | unlinked and not reaches_root(model):
            raise ImproperlyConfigured(
                f"{label} ne mène à aucune {settings.REVISION_ROOT} : ajoutez-le à REVISION_SHARED ou "
                "REVISION_UNLINKED, ou donnez-lui la clé qui l'y rattache."
            )


def linked_tables():
    shared, unlinked = set(settings.REVISION_SHARED), set(settings.REVISION_UNLINKED)
    return [(model._meta.db_table, model) for model in stamped_models()
            if model._meta.label not in shared | unlinked and reaches_root(model)]


def shared_tables():
    return [(apps.get_model(label)._meta.db_table, columns) for label, columns in settings.REVISION_SHARED.items()]


def postgresql_statements():
    stamp = "md5(random()::text || clock_timestamp()::text)"
    yield f"""
        CREATE OR REPLACE FUNCTION ctg_revision_shared() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {TABLE} (root_id, token) VALUES ({SHARED}, {stamp})
                ON CONFLICT (root_id) DO UPDATE SET token = EXCLUDED.token;
            RETURN NULL;
        END $$"""
    for table, model in linked_tables():
        for op, event, sources in (("i", "INSERT", ["new_rows"]), ("u", "UPDATE", ["new_rows", "old_rows"]),
                                   ("d", "DELETE", ["old_rows"])):
            roots = " UNION ".join(f"SELECT {expression} AS root_id FROM {source} r"
                                   for source in sources for expression in roots_of_row(model, "r"))
            referencing = " ".join(f"{'NEW' if source == 'new_rows' else 'OLD'} TABLE AS {source}"
                                   for source in sources)
            yield f"""
                CREATE OR REPLACE FUNCTION ctg_revision_{table}_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO {TABLE} (root_id, token)
                        SELECT root_id, {stamp} FROM (SELECT DISTINCT root_id FROM ({roots}) rows) stamped
                        WHERE root_id IS NOT NULL
                        ON CONFLICT (root_id) DO UPDATE SET token = EXCLUDED.token;
                    RETURN NULL;
                END $$"""
            yield f"DROP TRIGGER IF EXISTS ctg_revision_{op} ON {table}"
            yield (f"CREATE TRIGGER ctg_revision_{op} AFTER {event} ON {table} REFERENCING {referencing} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION ctg_revision_{table}_{op}()")
    for table, columns in shared_tables():
        # Row by row, and only for a real change: saving an organisation as it was (an import that
        # finds it again) takes no lock on root 0, which every shared change waits for.
        yield f"DROP TRIGGER IF EXISTS ctg_revision_shared ON {table}"
        yield (f"CREATE TRIGGER ctg_revision_shared AFTER UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW "
               f"WHEN ({changed(columns, 'IS DISTINCT FROM')}) EXECUTE FUNCTION ctg_revision_shared()")


def changed(columns, differs):
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in columns)


def sqlite_stamp(roots):
    # UPDATE then INSERT of what is missing, not an upsert: the conflict policy of the statement that
    # fires the trigger (bulk_create's INSERT OR IGNORE) would replace the trigger's own.
    stamp = "lower(hex(randomblob(16)))"
    return f"""
        UPDATE {TABLE} SET token = {stamp} WHERE root_id IN (SELECT root_id FROM ({roots}));
        INSERT INTO {TABLE} (root_id, token) SELECT root_id, {stamp} FROM ({roots}) stamped
            WHERE root_id IS NOT NULL AND root_id NOT IN (SELECT root_id FROM {TABLE});"""


def sqlite_statements():
    for table, model in linked_tables():
        for op, event, rows in (("i", "INSERT", ["NEW"]), ("u", "UPDATE", ["NEW", "OLD"]), ("d", "DELETE", ["OLD"])):
            roots = " UNION ".join(f"SELECT {expression} AS root_id"
                                   for row in rows for expression in roots_of_row(model, row))
            yield f"DROP TRIGGER IF EXISTS ctg_revision_{table}_{op}"
            yield f"CREATE TRIGGER ctg_revision_{table}_{op} AFTER {event} ON {table} BEGIN {sqlite_stamp(roots)} END"
    for table, columns in shared_tables():
        yield f"DROP TRIGGER IF EXISTS ctg_revision_{table}_shared"
        yield (f"CREATE TRIGGER ctg_revision_{table}_shared AFTER UPDATE OF {', '.join(columns)} ON {table} "
               f"WHEN {changed(columns, 'IS NOT')} BEGIN {sqlite_stamp(f'SELECT {SHARED} AS root_id')} END")


def install(connection=default_connection):
    """(Re)create every trigger on `connection`'s database."""
    check_plan()
    statements = {"postgresql": postgresql_statements, "sqlite": sqlite_statements}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def installed(sender, using, **kwargs):
    """post_migrate, once per migrate (for this app): every table exists by then."""
    install(connections[using])


def token(outer_ref="pk"):
    """The root's token, to annotate a queryset of roots with: read in the same statement as the
    rows, so that the page computed from them never goes under a later token."""
    return Subquery(Revision.objects.filter(root_id=OuterRef(outer_ref)).values("token")[:1])


def shared_token():
    return Subquery(Revision.objects.filter(root_id=SHARED).values("token")[:1])
