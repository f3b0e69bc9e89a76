"""The threaded development server against a PostgreSQL that allows few connections: 50 signed
webhooks at once all answer from the database (no "too many clients", nothing spooled), because
the server's threads share a bounded pool (callcentre.postgresql.pool). Without the pool the
same burst exhausts the limit, which shows the test can tell.

The limit is a role's CONNECTION LIMIT on the shared server (as max_connections would be,
without a server of the test's own); the server connects as that role.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from django.db import connection

from callcentre.vonage.signing import sign_webhook
from webhooks.handlers import safe_answer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "pool-test-signature-secret-of-32-bytes!"
API_KEY = "poolkey"
CONNECTION_LIMIT = 6
POOL_SIZE = 4
REQUESTS = 50


@pytest.fixture
def limited_role() -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    role = f"pool_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {CONNECTION_LIMIT}")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [role],
            )
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(role: str) -> str:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{role}@{host}:{port}/{settings['NAME']}"


class DevServer:
    def __init__(self, role: str, tmp_path: Path, *, pool: bool) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.spool = tmp_path / "spool"
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.log = tmp_path / "server.log"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "callcentre.settings",
            "SECRET_KEY": "pool-test-" + "x" * 50,
            "DATABASE_URL": database_url(role),
            "DATABASE_POOL": "1" if pool else "0",
            "DATABASE_POOL_MAX_SIZE": str(POOL_SIZE),
            "VONAGE_SIGNATURE_SECRET": SECRET,
            "VONAGE_API_KEY": API_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": str(tmp_path / "var"),
            "SPOOL_DIR": str(self.spool),
            "PUBLIC_URL": self.url,
            # The subject here is connections, not speed: a shared 2-core machine may take
            # longer than Vonage's budget to serve 50 at once, which the deadline would turn
            # into safe answers (test_database_deadline holds the budget).
            "WEBHOOK_DATABASE_DEADLINE_MS": "20000",
            "WEBHOOK_DATABASE_TIMEOUT_MS": "15000",
        }
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/healthz", timeout=2)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"runserver did not start: {self.log.read_text()}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def spooled(self) -> list[Path]:
        return [path for path in self.spool.glob("**/*.json")] if self.spool.exists() else []


@pytest.fixture
def dev_server(limited_role, tmp_path) -> Iterator[callable]:
    servers: list[DevServer] = []

    def start(*, pool: bool) -> DevServer:
        server = DevServer(limited_role, tmp_path / f"pool-{pool}", pool=pool)
        servers.append(server)
        server.wait_until_listening()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def answer(url: str, barrier: threading.Barrier) -> tuple[int, list[dict]]:
    query = {
        "to": "447700900000",
        "from": "447700900123",
        "uuid": str(uuid.uuid4()),
        "conversation_uuid": f"CON-{uuid.uuid4()}",
    }
    token = sign_webhook(body=b"", secret=SECRET, api_key=API_KEY)
    barrier.wait()
    response = httpx.get(
        f"{url}/webhooks/answer?{urlencode(query)}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return response.status_code, response.json()


def burst(url: str, role: str) -> tuple[list[tuple[int, list[dict]]], int]:
    """50 answer webhooks at once; their answers, and the most connections the role held."""
    busiest = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal busiest
        with connection.cursor() as cursor:
            while not done.is_set():
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [role])
                busiest = max(busiest, cursor.fetchone()[0])
                time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    barrier = threading.Barrier(REQUESTS)
    try:
        with ThreadPoolExecutor(REQUESTS) as executor:
            answers = list(executor.map(lambda _: answer(url, barrier), range(REQUESTS)))
    finally:
        done.set()
        watcher.join()
    return answers, busiest


def is_safe(ncco: list[dict]) -> bool:
    def without_urls(actions: list[dict]) -> list[dict]:
        return [{k: v for k, v in action.items() if k != "eventUrl"} for action in actions]

    return without_urls(ncco) == without_urls(safe_answer())


def test_fifty_webhooks_at_once_share_a_few_connections(dev_server, limited_role):
    server = dev_server(pool=True)

    answers, busiest = burst(server.url, limited_role)

    assert [status for status, _ in answers] == [200] * REQUESTS
    assert [is_safe(ncco) for _, ncco in answers] == [False] * REQUESTS, server.log.read_text()[
        -4000:
    ]
    assert server.spooled() == []
    log = server.log.read_text()
    assert "too many" not in log and "Traceback" not in log, log[-3000:]
    assert 1 <= busiest <= POOL_SIZE, busiest


def test_without_the_pool_the_same_burst_runs_out_of_connections(dev_server, limited_role):
    server = dev_server(pool=False)

    answers, _ = burst(server.url, limited_role)

    refused = sum(1 for _, ncco in answers if is_safe(ncco))
    assert refused > 0
    assert len(server.spooled()) == refused
    assert "too many connections for role" in server.log.read_text()
