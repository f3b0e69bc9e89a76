"""The PostgreSQL backend's health check (callcentre.postgresql) against the real server."""

import time

import psycopg
import pytest
from django.db import DataError, connection, transaction

from conversations.models import Customer


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """What a server restart or an idle timeout does to a connection, from another session."""
    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while connection.socket_is_quiet() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_an_idle_healthy_connection_passes_the_health_check(postgresql):
    pid = backend_pid()

    assert connection.socket_is_quiet() is True
    assert connection.is_usable() is True
    assert backend_pid() == pid


def test_a_connection_the_server_closed_is_replaced_before_the_next_request_uses_it(postgresql):
    pid = backend_pid()
    terminate(pid)

    assert connection.is_usable() is False
    # What Django does at the start of a request, then on the request's first query.
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert backend_pid() != pid


def current_settings() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
        )
        return cursor.fetchone()


def test_a_transaction_begins_with_its_settings_and_they_end_with_it(postgresql):
    outside = current_settings()

    with connection.transaction_settings(statement_timeout="1500ms", lock_timeout="700ms"):
        assert current_settings() == ("1500ms", "700ms")
        assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS

    assert current_settings() == outside
    with transaction.atomic():
        assert current_settings() == outside  # a plain transaction after it has the defaults


def test_settings_inside_a_callers_transaction_last_until_it_ends(postgresql):
    outside = current_settings()

    with transaction.atomic():
        with connection.transaction_settings(statement_timeout="1500ms", lock_timeout="700ms"):
            assert current_settings() == ("1500ms", "700ms")
        assert current_settings() == ("1500ms", "700ms")

    assert current_settings() == outside


def test_a_setting_the_server_refuses_leaves_no_transaction_open(postgresql):
    outside = current_settings()

    with pytest.raises(DataError, match="statement_timeout"):
        with connection.transaction_settings(statement_timeout="soon"):
            pytest.fail("the block must not run")

    assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert connection.in_atomic_block is False
    assert current_settings() == outside


def test_a_rolled_back_transaction_writes_nothing_and_a_committed_one_stays(postgresql):
    with pytest.raises(RuntimeError):
        with connection.transaction_settings(lock_timeout="700ms"):
            Customer.objects.create(name="Rolled back")
            raise RuntimeError("abort")
    with connection.transaction_settings(lock_timeout="700ms"):
        Customer.objects.create(name="Committed")

    assert list(Customer.objects.values_list("name", flat=True)) == ["Committed"]
