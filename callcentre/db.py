"""Database helpers shared by the apps."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

import psycopg
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import OperationalError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col
from django.utils import timezone
from psycopg.abc import Params, Query
from psycopg.types.json import Jsonb

from callcentre import deadline
from callcentre.models import SeenWebhookToken

if TYPE_CHECKING:
    from callcentre.postgresql.base import DatabaseWrapper as PostgresWrapper

ModelT = TypeVar("ModelT", bound=Model)

PREPARE_NEVER_AUTOMATICALLY = 2**31 - 1


@contextmanager
def webhook_transaction() -> Iterator[None]:
    """A transaction that gives up quickly, so a webhook can still answer Vonage in time.

    On PostgreSQL a statement or lock wait longer than WEBHOOK_DATABASE_TIMEOUT_MS
    raises OperationalError instead of hanging; the caller falls back to its safe
    answer and spools the payload. The timeouts go with the BEGIN (callcentre.postgresql).
    A server that does not answer at all is the webhook's deadline's (callcentre.deadline);
    once the database failed a webhook, its next transaction fails at once.
    """
    if deadline.database_given_up():
        raise OperationalError("the database already failed this webhook")
    if connection.vendor != "postgresql":
        with transaction.atomic():
            yield
        return
    timeout = f"{settings.WEBHOOK_DATABASE_TIMEOUT_MS}ms"
    # settings.py puts this project's backend (callcentre.postgresql) under every PostgreSQL
    # database, so a PostgreSQL connection is one of its wrappers.
    postgresql = cast("PostgresWrapper", connection)
    with postgresql.transaction_settings(statement_timeout=timeout, lock_timeout=timeout):
        yield


def seen_token_add(*, jti_hash: str, ttl_seconds: int) -> bool:
    """Remember a webhook token's jti (hashed) for `ttl_seconds`; False when it is remembered
    and unexpired. One prepared statement, committed on its own (autocommit): the row is seen
    by every process at once, and stays even when the webhook's own transaction fails."""
    expires_at = SeenWebhookToken._meta.get_field("expires_at")
    now = timezone.now()
    sql = (
        "INSERT INTO callcentre_seen_webhook_token AS seen (jti_hash, expires_at) "
        "VALUES (%s, %s) ON CONFLICT (jti_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at "
        "WHERE seen.expires_at < %s RETURNING jti_hash"
    )
    params = [
        jti_hash,
        expires_at.get_db_prep_value(now + timedelta(seconds=ttl_seconds), connection),
        expires_at.get_db_prep_value(now, connection),
    ]
    return first_row(sql, params) is not None


def seen_tokens_prune() -> int:
    """Forget the jtis whose tokens have expired; the number forgotten."""
    deleted, _ = SeenWebhookToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def insert_unless_present(instance: Model, *, unique_field: str) -> bool:
    """Insert the instance's row unless a row with the same `unique_field` value exists.

    True when inserted (the instance then has its pk and counts as saved), False when the
    row was there. One `INSERT ... ON CONFLICT DO NOTHING RETURNING` statement, which
    PostgreSQL and SQLite both run (prepared on PostgreSQL), where the ORM needs a savepoint
    around its INSERT to survive the IntegrityError (two more round trips on every webhook).
    """
    meta = instance._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(column_name(f)) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(column_name(concrete_field(type(instance), unique_field)))}) "
        f"DO NOTHING RETURNING {quote(column_name(meta.pk))}"
    )
    row = first_row(sql, params)
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


def rows_copy(model: type[Model], rows: Iterable[dict[str, Any]], *, with_pk: bool = False) -> int:
    """Insert many rows at once: COPY on PostgreSQL (several times faster than bulk_create,
    which prepares every value through its field), bulk_create elsewhere. Each row maps
    attnames (`queue_id`) to plain values; a field it leaves out gets its default. Rows are
    inserted as given: no signals, no validation. How many were inserted."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        model._default_manager.bulk_create(objects, batch_size=1000)
        return len(objects)
    defaults = {f.attname: f.get_default() for f in fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column_name(f)) for f in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        raw = cast("psycopg.Cursor", cursor.cursor)
        with raw.copy(statement) as copy:
            for row in rows:
                values = [row.get(name, defaults[name]) for name in defaults]
                copy.write_row([Jsonb(v) if isinstance(v, dict | list) else v for v in values])
                count += 1
    return count


class PreparedCursor(psycopg.Cursor):
    """A psycopg cursor (server-side parameters) that runs every query as a prepared statement."""

    def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Self:
        # psycopg takes a t-string Template without params (an overload of its own), and mypy
        # cannot split the Query union across those overloads.
        return super().execute(query, params, prepare=True, binary=binary)  # type: ignore[arg-type]


def first_id(sql: str, params: dict[str, Any]) -> int | None:
    """The first column of the first row (None when there is none)."""
    row = first_row(sql, params)
    return row[0] if row else None


def first_row(sql: str, params: dict[str, Any] | Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row (None when there is none).

    On PostgreSQL the query runs as a prepared statement with server-side parameters: the
    hot queries are planned once per connection, not on every request (planning took
    several times longer than running them), and nothing is built per call as the ORM
    builds its SQL. Django's execute wrappers and query log still see it. A pooled connection
    keeps its prepared statements from one request to the next (psycopg's, per connection).
    """
    if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS:
        connection.ensure_connection()
        connection.validate_thread_sharing()
        if connection.connection.prepare_threshold is None:
            # Django turns psycopg's statement preparation off (for poolers). Back on, but never
            # automatic: only PreparedCursor asks for it, Django's cursors bind client-side.
            connection.connection.prepare_threshold = PREPARE_NEVER_AUTOMATICALLY
        raw = PreparedCursor(connection.connection)
        wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
        # Django wraps the DB-API cursor it is given; django-stubs types that argument as the
        # CursorWrapper it returns.
        cursor = wrap(raw)  # type: ignore[arg-type]
    else:
        cursor = connection.cursor()
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def loaded_fields(model: type[Model], names: Iterable[str] | None = None) -> tuple[str, ...]:
    """`names` (every concrete field when None) as attnames, in the model's field order: the
    order Model.from_db reads its values in."""
    wanted = None if names is None else set(names)
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if wanted is None or field.attname in wanted
    )


def concrete_field(model: type[Model], name: str) -> Field:
    """The model's field `name` (a name or an attname), not a relation's reverse side."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is the reverse side of a relation")
    return field


def column_name(field: Field) -> str:
    if field.column is None:
        raise FieldDoesNotExist(f"{field} has no column of its own")
    return field.column


def columns(model: type[Model], fields: Sequence[str], *, alias: str) -> str:
    """The SELECT list reading `fields` (attnames) of `model` from the table aliased `alias`."""
    quote = connection.ops.quote_name
    return ", ".join(
        f"{alias}.{quote(column_name(concrete_field(model, name)))}" for name in fields
    )


_Converter = Callable[[Any, Col, BaseDatabaseWrapper], Any]
_converters: dict[tuple[str, type[Model], tuple[str, ...]], list[tuple[list[_Converter], Col]]] = {}


def field_converters(
    model: type[Model], fields: Sequence[str]
) -> list[tuple[list[_Converter], Col]]:
    """For each field, the converters the ORM applies to its column's raw value, and the
    column expression they take (SQLite's datetimes and decimals, JSON on every backend)."""
    key = (connection.vendor, model, tuple(fields))
    if key not in _converters:
        result = []
        for name in fields:
            column = concrete_field(model, name).get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column)
            result.append((found + column.get_db_converters(connection), column))
        _converters[key] = result
    return _converters[key]


def instance_from_row(model: type[ModelT], fields: Sequence[str], values: Sequence[Any]) -> ModelT:
    """A saved instance of `model` from raw column values (in `fields` order), with the
    values converted as a queryset converts them; fields not in `fields` are deferred."""
    converted = []
    for value, (converters, column) in zip(values, field_converters(model, fields), strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, fields, converted)
