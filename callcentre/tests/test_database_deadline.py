"""A hung PostgreSQL on the production layout: gunicorn (deploy/gunicorn.conf.py) in front of
a throwaway PostgreSQL server of the test's own, which the test stops with SIGSTOP (as a hung
server, a swapped-out host or a frozen VM does). Every webhook still answers within Vonage's
3 s, with the safe NCCO, and the centre recovers when the server runs again.

Slow (a server and gunicorn start); skipped where PostgreSQL's server binaries are absent.
"""

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from callcentre.vonage.signing import sign_webhook
from webhooks.handlers import safe_answer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET = "deadline-test-signature-secret-of-32-bytes"
API_KEY = "deadlinekey"
VONAGE_BUDGET_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl)")
    return Path(found[-1]).parent


def as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root with no postgres user to run PostgreSQL as")
    return ["runuser", "-u", "postgres", "--"]


def children_of(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.split("/")[2]))
    return found


class ThrowawayPostgres:
    def __init__(self, directory: Path, port: int, binaries: Path) -> None:
        self.directory = directory
        self.port = port
        self.binaries = binaries
        self.stopped: list[int] = []

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def postmaster_pid(self) -> int:
        return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])

    def stop_processes(self) -> None:
        """SIGSTOP the postmaster and every backend: the kernel still accepts and acknowledges
        on their sockets; nothing answers."""
        postmaster = self.postmaster_pid()
        self.stopped = [postmaster, *children_of(postmaster)]
        for pid in self.stopped:
            os.kill(pid, signal.SIGSTOP)

    def continue_processes(self) -> None:
        for pid in self.stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.stopped = []


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    binaries = server_binaries()
    prefix = as_postgres_user()
    # Directly under /tmp: pytest's own temporary directories are private to root.
    directory = Path(tempfile.mkdtemp(prefix="throwaway-postgres-"))
    if prefix:
        shutil.chown(directory, "postgres")
        directory.chmod(0o700)
    server = ThrowawayPostgres(directory, free_port(), binaries)
    data = str(directory / "data")
    subprocess.run(
        [*prefix, str(binaries / "initdb"), "-D", data, "-U", "postgres", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    options = f"-p {server.port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *prefix,
            str(binaries / "pg_ctl"),
            "-D",
            data,
            "-o",
            options,
            "-w",
            "start",
            "-l",
            str(directory / "log"),
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield server
    finally:
        server.continue_processes()
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)


def production_env(database_url: str, tmp_path: Path, port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "callcentre.settings",
        "SECRET_KEY": "deadline-test-" + "x" * 50,
        "DATABASE_URL": database_url,
        "VONAGE_SIGNATURE_SECRET": SECRET,
        "VONAGE_API_KEY": API_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "VAR_DIR": str(tmp_path / "var"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


@pytest.fixture
def gunicorn(throwaway_postgres, tmp_path) -> Iterator[str]:
    port = free_port()
    env = production_env(throwaway_postgres.url, tmp_path, port)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "callcentre.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def answer(url: str) -> tuple[float, list[dict]]:
    """One new call's signed answer webhook: how long it took, and its NCCO."""
    query = {
        "to": "447700900000",
        "from": "447700900123",
        "uuid": str(uuid.uuid4()),
        "conversation_uuid": f"CON-{uuid.uuid4()}",
    }
    token = sign_webhook(body=b"", secret=SECRET, api_key=API_KEY)
    started = time.monotonic()
    response = httpx.get(
        f"{url}/webhooks/answer?{urlencode(query)}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    return elapsed, json.loads(response.content)


def is_safe(ncco: list[dict]) -> bool:
    """The apology and voicemail (its recording's URL names the server's own PUBLIC_URL)."""

    def without_urls(actions: list[dict]) -> list[dict]:
        return [{k: v for k, v in action.items() if k != "eventUrl"} for action in actions]

    return without_urls(ncco) == without_urls(safe_answer())


def test_every_webhook_answers_within_vonages_budget_while_postgresql_is_stopped(
    throwaway_postgres, gunicorn
):
    # Each worker holds a connection, as under traffic.
    healthy = [answer(gunicorn) for _ in range(6)]
    assert all(not is_safe(ncco) for _, ncco in healthy)

    throwaway_postgres.stop_processes()
    try:
        stopped = [answer(gunicorn) for _ in range(8)]
    finally:
        throwaway_postgres.continue_processes()
    time.sleep(0.5)
    recovered = [answer(gunicorn) for _ in range(4)]

    assert [is_safe(ncco) for _, ncco in stopped] == [True] * 8
    slowest = max(elapsed for elapsed, _ in stopped)
    assert slowest < VONAGE_BUDGET_SECONDS, [round(elapsed, 2) for elapsed, _ in stopped]
    assert [not is_safe(ncco) for _, ncco in recovered] == [True] * 4
