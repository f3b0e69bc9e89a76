"""Django's PostgreSQL backend, with a health check that reads the socket instead of the server.

With CONN_HEALTH_CHECKS, Django checks a reused connection before a request's first query
by running SELECT 1: a round trip on every request, about a sixth of a webhook's cost on
these machines. A connection the server has closed (a restart, an idle timeout, a terminated
backend) has the server's goodbye or an EOF waiting on its socket, and an idle usable one has
nothing, so one non-blocking select() tells them apart. When something is waiting, or after
an error, or outside an idle transaction state, Django's SELECT 1 decides as before.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is not None and not self.errors_occurred and self.socket_is_quiet():
            return True
        return super().is_usable()

    def socket_is_quiet(self) -> bool:
        """Open, idle, and nothing from the server waiting to be read."""
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
