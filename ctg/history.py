"""Who made a change: the author and reason of django-simple-history records, in or out of a request.

Inside a request, simple-history's `HistoryRequestMiddleware` gives each record the request's
user. A service that receives `by` (called from a view, a management command, an import or a
test) runs its writes inside `acting(by)`, usually through the `@authored` decorator: every
historical record created meanwhile gets `by` as its author, and `reason` (when given) as its
change reason, even the records of rows saved by code that knows nothing of `by`
(`Model.objects.create`, a form's `save()`, a cascade deletion). This goes through the
`pre_create_historical_record` signal, sent for each record `save()` and `delete()` write.

`bulk_create_with_history` and `bulk_update_with_history` send no signal: callers pass
`default_user=by` (and `default_change_reason=`) themselves; so does `record_creations`.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

# Change reasons the journal recognises.
IMPORT_REASON = "Import (format d'échange)"
GENERATED_REASON = "Génération automatique"

_author = ContextVar("history_author", default=None)
_reason = ContextVar("history_reason", default=None)


@contextmanager
def acting(by, reason=None):
    """Record `by` (a saved user; None keeps the current author) as the author of every history
    record written inside the block, and `reason` as its change reason."""
    author = by if getattr(by, "pk", None) is not None else _author.get()
    tokens = _author.set(author), _reason.set(reason or _reason.get())
    try:
        yield
    finally:
        _author.reset(tokens[0])
        _reason.reset(tokens[1])


def authored(function):
    """Run a service taking the keyword argument `by` inside `acting(by)`."""

    @functools.wraps(function)
    def wrapper(*args, by, **kwargs):
        with acting(by):
            return function(*args, by=by, **kwargs)

    return wrapper


@receiver(pre_create_historical_record, dispatch_uid="ctg.history.stamp")
def stamp(sender, history_instance, **kwargs):
    author, reason = _author.get(), _reason.get()
    if author is not None:
        history_instance.history_user = author
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


def record_creations(queryset, *, by=None, reason=None):
    """Write the creation record of every row of `queryset` into its model's history table in one
    INSERT … SELECT run by the database: the records `bulk_create_with_history` would write,
    without a Python object and a compiled row each (the 16,000 tracking rows of a large import
    held SQLite's write lock for seconds that way)."""
    model = queryset.model
    history = model.history.model
    recorded = {field.column for field in history._meta.concrete_fields}
    fields = [field for field in model._meta.concrete_fields if field.column in recorded]
    select, params = queryset.order_by().values_list(*(field.attname for field in fields)).query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    stamp = [connection.ops.adapt_datetimefield_value(timezone.now()), reason, "+", getattr(by, "pk", None)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "
            f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
            f"SELECT recorded.*, %s, %s, %s, %s FROM ({select}) AS recorded",
            [*stamp, *params],
        )


def user_name(user):
    """How the application names a person: their full name, else their login (None: nobody)."""
    if user is None:
        return None
    return user.get_full_name() or user.get_username()
