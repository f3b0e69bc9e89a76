"""What the sandbox plays: the application, its numbers and webhooks, and how fast time runs.

Built from the project's Django settings (VONAGE_*, PUBLIC_URL, SANDBOX_*) with keyword
overrides, so the management command, `make run` and the tests all configure it one way.
"""

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sandbox.clock import Clock

HttpMethod = Literal["GET", "POST"]
DEMO_NUMBER = "447700900000"


@dataclass(frozen=True, kw_only=True)
class SandboxConfig:
    application_id: str
    private_key: str  # PKCS#8 PEM text of the application key
    signature_secret: str
    api_key: str
    api_secret: str
    numbers: tuple[str, ...]
    answer_url: str
    event_url: str
    fallback_url: str
    inbound_message_url: str
    message_status_url: str
    directory: Path
    host: str = "127.0.0.1"
    port: int = 8443
    control_port: int = 8090
    speed: float = 1.0
    # Timestamps of the call's clock ("call": they run `speed` times faster, so durations look
    # real) or of the wall clock ("wall": the project's timers stay right; load mode).
    timestamps: Literal["call", "wall"] = "call"
    answer_method: HttpMethod = "GET"
    event_method: HttpMethod = "POST"
    # Seconds an agent's app leg rings before the sandbox answers it; None waits for the page.
    app_answer_delay: float | None = 3.0
    # Seconds a phone callee rings before answering, unless told otherwise (control API).
    callee_answer_delay: float = 2.0
    # Application webhook timeouts (CONTRACT §2 defaults), in real seconds.
    connection_timeout: float = 1.0
    answer_socket_timeout: float = 5.0
    event_socket_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ImproperlyConfigured(f"the sandbox speed must be positive, got {self.speed}")
        if self.timestamps not in ("call", "wall"):
            raise ImproperlyConfigured(f"timestamps are call or wall, got {self.timestamps!r}")
        if self.answer_method not in ("GET", "POST"):
            raise ImproperlyConfigured(f"answer method must be GET or POST: {self.answer_method}")
        if not self.numbers:
            raise ImproperlyConfigured("the sandbox needs at least one number")

    @property
    def api_host(self) -> str:
        """What the SDK's api_host must be to reach this sandbox."""
        return f"{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"https://{self.api_host}"

    @property
    def control_base(self) -> str:
        return f"http://{self.host}:{self.control_port}"

    def new_clock(self, speed: float | None = None) -> Clock:
        return Clock(speed=speed or self.speed, wall_timestamps=self.timestamps == "wall")

    def with_ports(self, *, port: int, control_port: int) -> "SandboxConfig":
        return replace(self, port=port, control_port=control_port)

    @classmethod
    def from_settings(cls, **overrides: Any) -> "SandboxConfig":
        public_url = str(overrides.pop("public_url", None) or settings.PUBLIC_URL).rstrip("/")
        numbers = tuple(settings.VONAGE_NUMBERS) or (DEMO_NUMBER,)
        values: dict[str, Any] = {
            "application_id": settings.VONAGE_APPLICATION_ID,
            "private_key": settings.VONAGE_PRIVATE_KEY,
            "signature_secret": settings.VONAGE_SIGNATURE_SECRET,
            "api_key": settings.VONAGE_API_KEY,
            "api_secret": settings.VONAGE_API_SECRET,
            "numbers": numbers,
            "answer_url": f"{public_url}/webhooks/answer",
            "event_url": f"{public_url}/webhooks/event",
            "fallback_url": f"{public_url}/webhooks/fallback",
            "inbound_message_url": f"{public_url}/webhooks/inbound-message",
            "message_status_url": f"{public_url}/webhooks/message-status",
            "directory": Path(settings.SANDBOX_DIR),
            "host": settings.SANDBOX_HOST,
            "port": settings.SANDBOX_PORT,
            "control_port": settings.SANDBOX_CONTROL_PORT,
            "speed": settings.SANDBOX_SPEED,
            "answer_method": settings.SANDBOX_ANSWER_METHOD,
            "app_answer_delay": parse_delay(settings.SANDBOX_APP_ANSWER_DELAY),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        missing = [
            name.upper()
            for name in ("application_id", "private_key", "signature_secret")
            if not values[name]
        ]
        if missing:
            raise ImproperlyConfigured(
                f"the sandbox needs VONAGE_{', VONAGE_'.join(missing)}: `make run` generates "
                "them into .local.env (`. ./.local.env` to load them)"
            )
        values["private_key"] = load_private_key(values["private_key"])
        values["numbers"] = tuple(str(number).removeprefix("+") for number in values["numbers"])
        return cls(**values)


def load_private_key(value: str) -> str:
    """PEM text from PEM text or a file path (VONAGE_PRIVATE_KEY accepts both)."""
    if "-----BEGIN" in value:
        text = value
    else:
        try:
            text = Path(value).expanduser().read_text()
        except OSError as error:
            raise ImproperlyConfigured(
                f"VONAGE_PRIVATE_KEY: cannot read {value!r}: {error}"
            ) from None
    if "\n" not in text.strip() and "\\n" in text:
        text = text.replace("\\n", "\n")
    return text


def parse_delay(value: str | float | None) -> float | None:
    """Seconds, or None for "off" / empty (answered from the phone page only)."""
    if value is None or isinstance(value, int | float):
        return value
    if value.strip().lower() in ("", "off", "none", "manual"):
        return None
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"SANDBOX_APP_ANSWER_DELAY: seconds or off, got {value!r}"
        ) from None
