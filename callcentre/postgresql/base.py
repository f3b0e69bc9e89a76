"""Django's PostgreSQL backend: a health check that reads the socket instead of the server, and
transactions that can begin with settings of their own in the BEGIN's round trip.

With CONN_HEALTH_CHECKS, Django checks a reused connection before a request's first query
by running SELECT 1: a round trip on every request, about a sixth of a webhook's cost on
these machines. A connection the server has closed (a restart, an idle timeout, a terminated
backend) has the server's goodbye or an EOF waiting on its socket, and an idle usable one has
nothing, so one non-blocking select() tells them apart. When something is waiting, or after
an error, or outside an idle transaction state, Django's SELECT 1 decides as before.

A webhook's transaction needs short statement and lock timeouts (callcentre.db). psycopg sends
BEGIN in a round trip of its own, and SET LOCAL would take another, a tenth of a webhook. So
atomic() begins transactions here: Django calls `_start_transaction_under_autocommit` (which
its SQLite backend defines for the same reason) instead of turning psycopg's autocommit off,
and this sends BEGIN itself, with the SET LOCAL statements of `transaction_settings` in the
same simple query. psycopg stays in autocommit mode; its commit() and rollback() still end the
transaction, as they look at the server's transaction status.

A webhook's database work runs under a client-side deadline (callcentre.deadline): the
connection tells the deadline which socket to shut down when it passes. The fallback health
check (SELECT 1, after an error) runs under a short deadline of its own: it runs before the
request's middleware, and would otherwise wait for ever on a server that stopped answering.

With OPTIONS["pool"] (settings.py: DATABASE_POOL) connections come from the process's pool
(callcentre.postgresql.pool), which checks them the same way before handing them out.
"""

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from django.db.backends.utils import debug_transaction
from psycopg import IsolationLevel, pq, sql

from callcentre import deadline
from callcentre.postgresql import pool as pooling

HEALTH_CHECK_DEADLINE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    begin_settings: dict[str, str] | None = None  # for the next BEGIN only
    _connection_pools: dict[str, Any] = {}

    @property
    def pool(self) -> pooling.DeadlinePool | None:
        """Django's pool (base.DatabaseWrapper.pool) with this project's check and deadline."""
        options = self.settings_dict["OPTIONS"].get("pool")
        if not options or self.alias == NO_DB_ALIAS:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            arguments = self.get_connection_params()
            arguments["autocommit"] = True  # Django sets it per connection later, as it does
            created = pooling.DeadlinePool(
                kwargs=arguments,
                open=False,
                # Django's (5.1+): the time zone and role of each new connection.
                configure=self._configure_connection,  # type: ignore[attr-defined]
                check=pooling.check_connection,
                name=f"{self.alias}-{os.getpid()}",
                **pooling.pool_options(options),
            )
            # Threads racing here build a pool each; the first stored wins (none is open yet).
            self._connection_pools.setdefault(self.alias, created)
        return self._connection_pools[self.alias]

    @contextmanager
    def transaction_settings(self, **settings: str) -> Iterator[None]:
        """An atomic block whose transaction runs with these settings (SET LOCAL).

        Outside a transaction they go with the BEGIN, in its round trip. Inside one (a
        caller's transaction, a test's) the block is a savepoint and they are set by one more
        statement, and last until that outer transaction ends.
        """
        if self.in_atomic_block:
            with transaction.atomic(using=self.alias), self.cursor() as cursor:
                cursor.execute(set_local(settings))
                yield
            return
        self.begin_settings = settings
        try:
            with transaction.atomic(using=self.alias):
                yield
        finally:
            self.begin_settings = None

    def _start_transaction_under_autocommit(self) -> None:
        settings, self.begin_settings = self.begin_settings, None
        statement = begin_statement(self.connection.isolation_level)
        if settings:
            statement = f"{statement}; {set_local(settings)}"
        with debug_transaction(self, statement), self.wrap_database_errors:
            try:
                self.connection.execute(statement)
            except Exception:
                # BEGIN went through and a setting did not: end that transaction here.
                if self.connection.info.transaction_status != pq.TransactionStatus.IDLE:
                    self.connection.rollback()
                raise

    def ensure_connection(self) -> None:
        super().ensure_connection()
        self.watch_deadline()

    def watch_deadline(self) -> None:
        """Under a deadline, let it watch this connection's socket (once per connection)."""
        current = deadline.current()
        if current is None or self.connection is None or current.watched is self.connection:
            return
        try:
            fileno = self.connection.fileno()
        except psycopg.Error:
            return  # lost already: nothing left to wait on
        current.watch(self.connection, fileno)

    def is_usable(self) -> bool:
        if self.connection is not None and not self.errors_occurred and self.socket_is_quiet():
            return True
        with deadline.database_deadline(HEALTH_CHECK_DEADLINE_SECONDS):
            return super().is_usable()

    def socket_is_quiet(self) -> bool:
        return pooling.socket_is_quiet(self.connection)


pooling.register_fork_handler(DatabaseWrapper._connection_pools)


def begin_statement(isolation_level: IsolationLevel | None) -> str:
    """BEGIN, with the isolation level the connection was configured with (OPTIONS)."""
    if isolation_level is None:
        return "BEGIN"
    return f"BEGIN ISOLATION LEVEL {isolation_level.name.replace('_', ' ')}"


def set_local(settings: dict[str, str]) -> str:
    return set_local_statement(tuple(settings.items()))


@functools.cache
def set_local_statement(settings: tuple[tuple[str, str], ...]) -> str:
    """Composed once per set of values: quoting them costs 45 us, on every webhook otherwise."""
    statements = [
        sql.SQL("SET LOCAL {} = {}").format(sql.Identifier(name), sql.Literal(value))
        for name, value in settings
    ]
    return sql.SQL("; ").join(statements).as_string()
