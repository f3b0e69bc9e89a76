"""The PostgreSQL backend's health check (callcentre.postgresql) against the real server."""

import time

import psycopg
import pytest
from django.db import connection


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
