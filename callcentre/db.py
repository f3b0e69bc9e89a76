"""Database helpers shared by the apps."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model


@contextmanager
def webhook_transaction() -> Iterator[None]:
    """A transaction that gives up quickly, so a webhook can still answer Vonage in time.

    On PostgreSQL a statement or lock wait longer than WEBHOOK_DATABASE_TIMEOUT_MS
    raises OperationalError instead of hanging; the caller falls back to its safe
    answer and spools the payload.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            timeout = f"{settings.WEBHOOK_DATABASE_TIMEOUT_MS}ms"
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true),"
                    " set_config('lock_timeout', %s, true)",
                    [timeout, timeout],
                )
        yield


def insert_unless_present(instance: Model, *, unique_field: str) -> bool:
    """Insert the instance's row unless a row with the same `unique_field` value exists.

    True when inserted (the instance then has its pk and counts as saved), False when the
    row was there. One `INSERT ... ON CONFLICT DO NOTHING RETURNING` statement, which
    PostgreSQL and SQLite both run, where the ORM needs a savepoint around its INSERT to
    survive the IntegrityError (two more round trips on every webhook).
    """
    meta = instance._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(meta.get_field(unique_field).column)}) DO NOTHING "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True
