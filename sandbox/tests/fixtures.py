"""Fixtures for tests that drive the sandbox: an application key, a webhook receiver standing
in for the project (when the project itself is not the point), and sandboxes on ephemeral
ports. Registered for every app's tests by the root conftest.py (`pytest_plugins`)."""

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.tests.helpers import (
    APPLICATION_ID,
    CENTRE,
    SECRET,
    Received,
    Receiver,
    RunningSandbox,
    sandbox_config,
)


@pytest.fixture(scope="session")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            if self.command == "GET":
                payload: dict[str, Any] = dict(parse_qsl(parts.query))
            else:
                payload = json.loads(raw) if raw else {}
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            except jwt.InvalidTokenError:
                claims = None
            request = Received(self.command, parts.path, payload, claims, raw)
            status, answer = receiver.respond(request)
            with receiver.condition:
                receiver.received.append(request)
                receiver.condition.notify_all()
            if isinstance(answer, bytes):
                body, content_type = answer, "audio/wav"
            else:
                body = b"" if answer is None else json.dumps(answer).encode()
                content_type = "application/json"
            self.send_response(status)
            if body:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = handle_any

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _make_handler(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_sandbox(tmp_path: Path, private_key_pem: str) -> Iterator[Callable[..., RunningSandbox]]:
    # Imported here: the sandbox's servers are loaded only by the tests that start one.
    from sandbox.control_client import ControlClient
    from sandbox.server import Sandbox

    started: list[RunningSandbox] = []

    def start(base_url: str, **overrides: Any) -> RunningSandbox:
        config = sandbox_config(
            directory=tmp_path / f"sandbox-{len(started)}",
            private_key=private_key_pem,
            base_url=base_url,
            **overrides,
        )
        sandbox = Sandbox(config).start_in_thread()
        running = RunningSandbox(sandbox, ControlClient(sandbox.control_url))
        started.append(running)
        return running

    yield start
    for running in started:
        running.control.close()
        running.sandbox.stop_thread()


def sandbox_for_project(
    url: str, settings, start_sandbox, private_key_pem: str, monkeypatch
) -> Iterator[Callable[..., RunningSandbox]]:
    """Starts the sandbox playing Vonage for the project served at `url`, both ways: its
    webhooks go to the project, and the project's Vonage client talks to it (a fixture's
    body: `yield from`)."""
    from callcentre.vonage.client import reset_client

    def start(**overrides: Any) -> RunningSandbox:
        settings.PUBLIC_URL = url
        running = start_sandbox(
            url,
            signature_secret=settings.VONAGE_SIGNATURE_SECRET,
            api_key=settings.VONAGE_API_KEY,
            **overrides,
        )
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.sandbox.certificate.bundle))
        settings.VONAGE_API_HOST = settings.VONAGE_REST_HOST = running.config.api_host
        settings.VONAGE_APPLICATION_ID = APPLICATION_ID
        settings.VONAGE_PRIVATE_KEY = private_key_pem
        settings.VONAGE_NUMBERS = [CENTRE]
        # The desktop's softphone logs in to this sandbox (desktop/softphone.py).
        settings.SANDBOX_HOST = running.config.host
        settings.SANDBOX_CONTROL_PORT = running.config.control_port
        reset_client()
        return running

    yield start
    reset_client()


@pytest.fixture
def project_sandbox(
    live_server, settings, start_sandbox, private_key_pem, monkeypatch
) -> Iterator[Callable[..., RunningSandbox]]:
    """The sandbox for the project on Django's (WSGI) live server."""
    yield from sandbox_for_project(
        live_server.url, settings, start_sandbox, private_key_pem, monkeypatch
    )


@pytest.fixture
def asgi_project_sandbox(
    asgi_live_server, settings, start_sandbox, private_key_pem, monkeypatch
) -> Iterator[Callable[..., RunningSandbox]]:
    """The sandbox for the project on the ASGI live server (websockets too)."""
    yield from sandbox_for_project(
        asgi_live_server.url, settings, start_sandbox, private_key_pem, monkeypatch
    )
