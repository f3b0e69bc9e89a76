"""A client-side deadline for a webhook's database work, whatever the server does.

PostgreSQL's statement_timeout and lock_timeout are enforced by the server: a server that
stops answering (SIGSTOPped, swapped out, a hung disk, a network that drops packets while the
kernel on the far side still acknowledges them) never sends the error, and psycopg waits on
the socket for ever. TCP keepalives and tcp_user_timeout (settings, DATABASES OPTIONS) catch
a dead host or a dead link, not a live kernel in front of a stopped process. So each webhook
runs under a deadline: a watchdog thread shuts the database socket down when the deadline
passes while the request still runs. psycopg then sees the connection end at once and
raises OperationalError, the webhook gives its safe answer and spools the payload, and the
broken connection is replaced by the next request.

One database failure per webhook: after one (the deadline, a refused connection), the rest of
the request does not try again (`database_failed`, checked by callcentre.db), so the webhook
pays for one timeout at most: the deadline on a reused connection, or psycopg's connect
timeout (2 s at least, whatever is configured) on a new one.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from callcentre.postgresql.base import DatabaseWrapper as PostgresWrapper

logger = logging.getLogger(__name__)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.expires_at = time.monotonic() + seconds
        self.seconds = seconds
        self.fired = False
        self.database_failed = False
        self.watched: object | None = None  # the psycopg connection whose socket is watched
        self._socket: int | None = None  # a duplicate of its file descriptor, ours to close

    def watch(self, database_connection: object, fileno: int) -> None:
        """Watch this connection's socket (a new connection replaces the one before)."""
        with _watchdog.lock:
            self._close_socket()
            self.watched = database_connection
            # A duplicate: the connection may close its descriptor and the number be reused
            # for something else, while ours still names the same socket until we close it.
            self._socket = os.dup(fileno)

    def _fire(self) -> None:
        """In the watchdog thread, under its lock."""
        self.fired = True
        if self._socket is None:
            return
        duplicate = socket.socket(fileno=os.dup(self._socket))
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the server
        finally:
            duplicate.close()

    def _close_socket(self) -> None:
        if self._socket is not None:
            os.close(self._socket)
            self._socket = None


class _Watchdog:
    """One thread per process (started on first use, again after a fork) that fires the
    deadlines that pass; requests register and unregister theirs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._wake = threading.Condition(self.lock)
        self._deadlines: set[Deadline] = set()
        self._pid: int | None = None

    def add(self, deadline: Deadline) -> None:
        with self.lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._deadlines.clear()
                threading.Thread(target=self._run, name="db-deadline", daemon=True).start()
            self._deadlines.add(deadline)
            self._wake.notify()

    def remove(self, deadline: Deadline) -> None:
        with self.lock:
            self._deadlines.discard(deadline)
            deadline._close_socket()

    def _run(self) -> None:
        with self.lock:
            while True:
                now = time.monotonic()
                for deadline in [d for d in self._deadlines if d.expires_at <= now]:
                    self._deadlines.discard(deadline)
                    deadline._fire()
                next_at = min((d.expires_at for d in self._deadlines), default=None)
                self._wake.wait(None if next_at is None else max(next_at - now, 0.001))


_watchdog = _Watchdog()
_current: ContextVar[Deadline | None] = ContextVar("database_deadline", default=None)


def current() -> Deadline | None:
    return _current.get()


@contextmanager
def database_deadline(seconds: float) -> Iterator[Deadline]:
    """Database work in this block ends within `seconds` (PostgreSQL; a no-op elsewhere)."""
    deadline = Deadline(seconds)
    token = _current.set(deadline)
    _watchdog.add(deadline)
    if connection.vendor == "postgresql" and connection.connection is not None:
        # Only this project's PostgreSQL backend runs here (settings.py sets it).
        cast("PostgresWrapper", connection).watch_deadline()
    try:
        yield deadline
    finally:
        _watchdog.remove(deadline)
        _current.reset(token)
        if deadline.fired:
            logger.warning("database did not answer within %.1f s: connection shut down", seconds)
            # Replaced before the next request uses it, even if nothing here noticed.
            connection.errors_occurred = True


def database_failed() -> None:
    """The database failed this request: the rest of it does not wait for it again."""
    deadline = _current.get()
    if deadline is not None:
        deadline.database_failed = True


def database_given_up() -> bool:
    deadline = _current.get()
    return deadline is not None and (deadline.database_failed or deadline.fired)


class WebhookDeadlineMiddleware:
    """Every Vonage webhook runs under WEBHOOK_DATABASE_DEADLINE_MS (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/webhooks/") or connection.vendor != "postgresql":
            return self.get_response(request)
        with database_deadline(settings.WEBHOOK_DATABASE_DEADLINE_MS / 1000):
            return self.get_response(request)
