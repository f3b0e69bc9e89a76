"""`make run`'s helpers: the login banner is printed once the servers listen."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Supervisor: http://127.0.0.1:8000/admin/  user 'supervisor'  password xyz\n"


@pytest.fixture
def closed_port() -> Iterator[socket.socket]:
    """A port bound but not listening yet: connections to it are refused until listen()."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    yield server
    server.close()


def banner_process(*addresses: str, timeout: float = 30) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "scripts/when_listening.py", "--timeout", str(timeout), *addresses],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdin.write(BANNER)
    process.stdin.close()
    return process


def test_the_banner_waits_until_the_server_listens(closed_port):
    address = f"127.0.0.1:{closed_port.getsockname()[1]}"
    process = banner_process(address)

    time.sleep(1)
    assert process.poll() is None  # still waiting: nothing printed before the server is up
    closed_port.listen()

    assert process.wait(timeout=10) == 0
    assert process.stdout.read() == BANNER


def test_no_banner_when_the_server_never_listens(closed_port):
    address = f"127.0.0.1:{closed_port.getsockname()[1]}"
    process = banner_process(address, timeout=0.5)

    assert process.wait(timeout=10) == 1
    assert process.stdout.read() == ""
