"""Fixtures for the sandbox's tests: an application key, a webhook receiver standing in for the
project (when the project itself is not the point), and sandboxes on ephemeral ports."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.config import SandboxConfig
from sandbox.control_client import ControlClient
from sandbox.server import Sandbox

APPLICATION_ID = "5a1b0c5e-0000-4000-8000-5a7db0c5e000"
SECRET = "sandbox-test-signature-secret-32-bytes!"
API_KEY = "sandboxkey"
API_SECRET = "sandbox-api-secret"
CENTRE = "447700900000"
CALLER = "447700900123"


@pytest.fixture(scope="session")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class Received:
    method: str
    path: str
    payload: dict[str, Any]
    claims: dict[str, Any] | None
    raw_body: bytes


Responder = Callable[[Received], tuple[int, Any]]


@dataclass
class Receiver:
    """A project stand-in: records each signed webhook, answers as `respond` says."""

    url: str
    received: list[Received] = field(default_factory=list)
    respond: Responder = lambda request: (204, None)
    condition: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(
        self, predicate: Callable[[Received], bool], *, timeout: float = 10.0, count: int = 1
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                found = [r for r in self.received if predicate(r)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(r.method, r.path, r.payload) for r in self.received]
                    raise AssertionError(f"not received in time; received: {seen}")
                self.condition.wait(remaining)

    def statuses(self, leg: str) -> list[str]:
        return [
            r.payload["status"]
            for r in self.received
            if r.payload.get("status")
            and leg in (r.payload.get("uuid"), r.payload.get("call_uuid"))
        ]


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


def sandbox_config(
    *, directory: Path, private_key: str, base_url: str, **overrides: Any
) -> SandboxConfig:
    values: dict[str, Any] = {
        "application_id": APPLICATION_ID,
        "private_key": private_key,
        "signature_secret": SECRET,
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "numbers": (CENTRE,),
        "answer_url": f"{base_url}/webhooks/answer",
        "event_url": f"{base_url}/webhooks/event",
        "fallback_url": f"{base_url}/webhooks/fallback",
        "inbound_message_url": f"{base_url}/webhooks/inbound-message",
        "message_status_url": f"{base_url}/webhooks/message-status",
        "directory": directory,
        "port": 0,
        "control_port": 0,
        "speed": 20.0,
        "app_answer_delay": 1.0,
        "callee_answer_delay": 1.0,
    }
    values.update(overrides)
    return SandboxConfig(**values)


@dataclass
class RunningSandbox:
    sandbox: Sandbox
    control: ControlClient

    @property
    def config(self) -> SandboxConfig:
        return self.sandbox.config


@pytest.fixture
def start_sandbox(tmp_path: Path, private_key_pem: str) -> Iterator[Callable[..., RunningSandbox]]:
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
