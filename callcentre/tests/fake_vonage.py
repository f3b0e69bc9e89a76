"""A loopback HTTPS server that answers like Vonage's REST APIs (CONTRACT §5, §7).

The network edge stand-in for tests that need Vonage to answer: the client
tests, and the routing tests whose accepted offers place calls.
"""

import datetime
import ipaddress
import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

APPLICATION_ID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
LEG = "63f61863-4a51-4f6b-86e1-46edebcf9356"
CALL_ANSWER = {
    "uuid": LEG,
    "status": "started",
    "direction": "outbound",
    "conversation_uuid": "CON-f972836a-550f-45fa-956c-12a2ab5b7d22",
}
RECORDING = b"ID3\x03\x00fake mp3 bytes\xff\xfb"
UNAUTHORIZED = {
    "type": "https://developer.nexmo.com/api-errors#unauthorized",
    "title": "Unauthorized",
    "detail": "You did not provide correct credentials.",
    "instance": "797a8f199c45014ab7b08bfe9cc1c12c",
}
NOT_FOUND = {
    "type": "https://developer.nexmo.com/api-errors#not-found",
    "title": "Not Found",
    "detail": "Call with the provided uuid not found",
    "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf",
}
# Plain dicts as the NCCO builder makes them, including shapes the SDK's models mangle.
NCCO = [
    {"action": "talk", "text": "Connecting you to an agent", "language": "en-GB"},
    {"action": "wait", "timeout": 2},
    {
        "action": "connect",
        "endpoint": [{"type": "app", "user": "agent.alice"}],
        "ringbackTone": "https://centre.example.com/static/ringback.mp3",
        "eventUrl": ["https://centre.example.com/webhooks/event"],
    },
]


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: object


@dataclass
class FakeVonage:
    host: str
    received: list[Received] = field(default_factory=list)
    # (method, path) -> (status, JSON body): errors on request.
    answers: dict = field(default_factory=dict)
    # A new leg uuid for every created call, as Vonage does (the client tests want a fixed one).
    unique_call_uuids: bool = False


def vonage_answer(method: str, path: str, *, unique_call_uuids: bool = False) -> tuple[int, object]:
    parts = path.strip("/").split("/")
    if method == "POST" and path == "/v1/calls":
        if unique_call_uuids:
            return 201, {
                **CALL_ANSWER,
                "uuid": str(uuid.uuid4()),
                "conversation_uuid": f"CON-{uuid.uuid4()}",
            }
        return 201, CALL_ANSWER
    if method == "POST" and path == "/v1/messages":
        if unique_call_uuids:  # a new one every time, as Vonage does
            return 202, {"message_uuid": str(uuid.uuid4())}
        return 202, {"message_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"}
    if method == "GET" and parts[:2] == ["v1", "files"]:
        return 200, RECORDING
    if parts[:2] == ["v1", "calls"] and len(parts) == 3 and method == "PUT":
        return 204, None
    if parts[:2] == ["v1", "calls"] and len(parts) == 4:
        verb = {"PUT": "started", "DELETE": "stopped"}[method]
        message = {"talk": f"Talk {verb}", "stream": f"Stream {verb}", "dtmf": "DTMF sent"}
        return 200, {"message": message[parts[3]], "uuid": parts[2]}
    return 404, NOT_FOUND


def make_handler(server: FakeVonage) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            server.received.append(Received(self.command, self.path, dict(self.headers), body))
            key = (self.command, self.path)
            status, answer = server.answers.get(key) or vonage_answer(
                self.command, self.path, unique_call_uuids=server.unique_call_uuids
            )
            if isinstance(answer, bytes):
                payload, content_type = answer, "audio/mpeg"
            elif answer is None:
                payload, content_type = b"", "application/json"
            else:
                payload, content_type = json.dumps(answer).encode(), "application/json"
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def self_signed_certificate(tmp_path) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "cert-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@contextmanager
def running_fake_vonage(directory: Path) -> Iterator[tuple[FakeVonage, str]]:
    """Serve a FakeVonage on an ephemeral loopback port; yields it and its CA bundle path."""
    cert_path, key_path = self_signed_certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    fake = FakeVonage(host="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    fake.host = f"127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, cert_path
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def pkcs8_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
