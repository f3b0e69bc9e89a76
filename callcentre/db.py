"""Database helpers shared by the apps."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction


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
