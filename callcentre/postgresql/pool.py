"""The process's pool of PostgreSQL connections (Django's native psycopg pool, tuned).

Django (5.1+) keeps one psycopg_pool.ConnectionPool per database alias and process when
OPTIONS["pool"] is set: a request, a task or a consumer call takes a connection from it at
its first query and gives it back when Django closes the connection (the end of the request;
CONN_MAX_AGE is 0). So a process never holds more than the pool's max_size connections,
however many threads serve at once; a thread that finds them all in use waits for one.

Two changes to the pool Django builds:

- The check before a connection is handed out costs no round trip while the socket is quiet
  (callcentre.postgresql.base: an idle connection with nothing from the server waiting); only
  a connection with something waiting (the server's goodbye, an EOF) gets psycopg's check.
- A webhook waits for a connection no longer than its database deadline has left
  (callcentre.deadline): past it, the pool's PoolTimeout (an OperationalError) sends the
  webhook to its safe answer and the spool, as a database that does not answer does.

A forked child (a Celery prefork worker) must not use its parent's pool: the connections
belong to the parent and the pool's threads did not survive the fork. After a fork the child
starts with no pools and builds its own on first use; the parent's stay referenced (not
closed, which would end the parent's sessions) and unused.
"""

import os
import select
import time
from typing import Any

import psycopg
from psycopg import pq
from psycopg_pool import ConnectionPool

from callcentre import deadline

# Pools of the parent process, kept from the garbage collector in a forked child: collecting
# them would close connections the parent still uses.
_inherited: list[object] = []


def socket_is_quiet(connection: psycopg.Connection) -> bool:
    """Open, idle, and nothing from the server waiting to be read."""
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def check_connection(connection: psycopg.Connection) -> None:
    """The pool's check: raise when the connection cannot be used (the pool then drops it)."""
    if not socket_is_quiet(connection):
        ConnectionPool.check_connection(connection)


class DeadlinePool(ConnectionPool):
    """psycopg's pool, with waits bounded by the webhook's deadline and no wait at all for a
    database that refuses connections.

    psycopg's pool retries a failed connection in the background and lets a client wait the
    whole timeout meanwhile; without a pool a request failed at once on a refused connection
    (and the health check, the spool and the replay checks rely on that). So while the last
    attempt failed (or none succeeded yet) and no connection is free, a client tries one
    connection itself: refused,
    it fails as it would unpooled; accepted, the database is back, and the client waits for
    the pool's own connection (reconnect_timeout, settings.py, keeps the pool's retries short
    so it makes one promptly).
    """

    unreachable: Exception | None = None
    connected_once = False

    def _connect(self, timeout: float | None = None) -> psycopg.Connection:
        try:
            connection = super()._connect(timeout)
        except Exception as error:
            self.unreachable = error
            raise
        self.unreachable, self.connected_once = None, True
        return connection

    def getconn(self, timeout: float | None = None) -> psycopg.Connection:
        current = deadline.current()
        if timeout is None and current is not None:
            timeout = max(0.0, min(self.timeout, current.expires_at - time.monotonic()))
        untried = self.unreachable is not None or not self.connected_once
        if untried and not self.get_stats().get("pool_available"):
            arguments = self.kwargs if isinstance(self.kwargs, dict) else {}
            conninfo = self.conninfo if isinstance(self.conninfo, str) else ""
            self.connection_class.connect(conninfo, **arguments).close()
            self.unreachable = None
        return super().getconn(timeout=timeout)


def pool_options(options: dict[str, Any] | bool) -> dict[str, Any]:
    """The keyword arguments of the process's pool, from OPTIONS["pool"] (settings.py)."""
    chosen = {} if options is True else dict(options or {})
    # Background retries of a failed connection give up soon; a client's need starts new ones.
    chosen.setdefault("reconnect_timeout", 5.0)
    return chosen


def forget_parent_pools(pools: dict[str, object]) -> None:
    """In a forked child: start with no pools, keeping the parent's out of reach."""
    _inherited.extend(pools.values())
    pools.clear()


def register_fork_handler(pools: dict[str, object]) -> None:
    os.register_at_fork(after_in_child=lambda: forget_parent_pools(pools))
