"""The sandbox tests' constants, the webhook receiver's types and small helpers, for any
app's tests that drive the sandbox (the fixtures are in sandbox/tests/fixtures.py)."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.caller_scripts import load_script
from sandbox.config import SandboxConfig
from sandbox.control_client import ControlClient
from sandbox.runner import CallRecord, ScriptRunner

if TYPE_CHECKING:
    from sandbox.server import Sandbox

APPLICATION_ID = "5a1b0c5e-0000-4000-8000-5a7db0c5e000"
SECRET = "sandbox-test-signature-secret-32-bytes!"
API_KEY = "sandboxkey"
API_SECRET = "sandbox-api-secret"
CENTRE = "447700900000"
CALLER = "447700900123"
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


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
    sandbox: "Sandbox"
    control: ControlClient

    @property
    def config(self) -> SandboxConfig:
        return self.sandbox.config


def feed_texts(sandbox: RunningSandbox, uuid: str) -> list[str]:
    """What the sandbox's phone shows for a call, in order (talk, connected, ...)."""
    return [item["text"] for item in sandbox.control.call(uuid)["feed"]]


class CallerInBackground:
    """Runs a caller script (sandbox/scripts/) in a thread while the test plays the agents."""

    def __init__(self, running: RunningSandbox, script: str, *, speed: float = 20) -> None:
        self.record: CallRecord | None = None
        self.error: BaseException | None = None
        runner = ScriptRunner(running.control, speed=speed)
        loaded = load_script(SCRIPTS / script)

        def run() -> None:
            try:
                self.record = runner.run(loaded)
            except BaseException as error:  # reported by finish()
                self.error = error

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finish(self) -> CallRecord:
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the caller script did not finish"
        if self.error is not None:
            raise self.error
        assert self.record is not None
        return self.record
