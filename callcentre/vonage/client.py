"""Voice and Messages REST calls (CONTRACT §5, §7) through the official `vonage` SDK.

The rest of the project sees only VonageClient, CreatedCall and VonageError; SDK models and
exceptions stay in here. Invalid arguments raise ValueError (pydantic's ValidationError is one).
"""

import functools
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client import HttpClient, HttpRequestError
from vonage_messages.models import MessengerText, Sms, ViberText, WhatsappText
from vonage_users import Users
from vonage_voice import AudioStreamOptions, TtsStreamOptions

MESSAGE_MODELS = {
    "sms": Sms,
    "whatsapp": WhatsappText,
    "messenger": MessengerText,
    "viber_service": ViberText,
}
# Channels addressed by phone number; the Messages API wants E.164 digits without "+".
NUMBER_CHANNELS = frozenset({"sms", "whatsapp", "viber_service"})
# Hosts trusted with the application JWT when downloading a recording.
VONAGE_DOMAINS = ("vonage.com", "nexmo.com")
# Leg uuids go into URL paths; anything else could point a request at another resource.
# The Reports API pages its records; a day of a centre's calls is a few pages.
REPORT_PAGES_MAX = 1000
LEG_UUID = re.compile(r"^[A-Za-z0-9_-]+$")


class VonageError(Exception):
    """A Vonage request failed: `status` is the HTTP status, or None when no usable answer came
    back (Vonage may still have acted on it, e.g. placed the call)."""

    def __init__(self, *, status: int | None, reason: str) -> None:
        super().__init__(reason if status is None else f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class CreatedCall:
    uuid: str
    conversation_uuid: str
    status: str
    direction: str


class VonageClient:
    def __init__(
        self,
        *,
        application_id: str,
        private_key: str,
        api_key: str = "",
        api_secret: str = "",
        api_host: str = "api.nexmo.com",
        rest_host: str = "rest.nexmo.com",
        timeout: float = 5.0,
    ) -> None:
        # The SDK's Auth refuses a key without a secret; Voice and Messages only need the JWT.
        with_basic_auth = bool(api_key and api_secret)
        auth = Auth(
            application_id=application_id,
            private_key=load_private_key(private_key),
            api_key=api_key if with_basic_auth else None,
            api_secret=api_secret if with_basic_auth else None,
        )
        # The SDK's timeout must be a whole number of seconds: round up rather than cut short.
        options = HttpClientOptions(
            api_host=api_host, rest_host=rest_host, timeout=math.ceil(timeout)
        )
        self._vonage = Vonage(auth, options)
        self._api_key = api_key
        self._has_basic_auth = with_basic_auth
        self._api_host = api_host
        self._timeout = timeout

    @classmethod
    def from_settings(cls) -> "VonageClient":
        if not settings.VONAGE_APPLICATION_ID or not settings.VONAGE_PRIVATE_KEY:
            raise ImproperlyConfigured(
                "VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY must be set to call Vonage"
            )
        try:
            return cls(
                application_id=settings.VONAGE_APPLICATION_ID,
                private_key=settings.VONAGE_PRIVATE_KEY,
                api_key=settings.VONAGE_API_KEY,
                api_secret=settings.VONAGE_API_SECRET,
                api_host=settings.VONAGE_API_HOST,
                rest_host=settings.VONAGE_REST_HOST,
            )
        except ValueError as error:
            raise ImproperlyConfigured(f"VONAGE_PRIVATE_KEY: {error}") from error

    def create_call(
        self,
        *,
        to: dict,
        from_number: str | None = None,
        ncco: list[dict] | None = None,
        answer_url: str | None = None,
        event_url: str | None = None,
        random_from_number: bool = False,
    ) -> CreatedCall:
        if bool(from_number) == random_from_number:
            raise ValueError("create_call needs exactly one of from_number and random_from_number")
        if (ncco is None) == (answer_url is None):
            raise ValueError("create_call needs exactly one of ncco and answer_url")
        body: dict = {"to": [to]}
        if random_from_number:
            body["random_from_number"] = True
        else:
            body["from"] = {"type": "phone", "number": from_number}
        if ncco is not None:
            body["ncco"] = ncco
        else:
            body["answer_url"] = [answer_url]
        if event_url:
            body["event_url"] = [event_url]
        # Not voice.create_call: CreateCallRequest silently reshapes plain dicts. An NCCO
        # `wait` loses its timeout, a `connect` with a string ringbackTone or no `from` loses
        # everything but its action (or is refused), an `app` endpoint cannot be a `to`, and
        # websocket `content-type` / phone `dtmfAnswer` are dropped. The SDK's HTTP client still
        # supplies the JWT, host, retries and error mapping.
        with vonage_errors():
            answer = self._http.post(self._api_host, "/v1/calls", body)
        if not isinstance(answer, dict) or not answer.get("uuid"):
            raise VonageError(status=None, reason="call created without a uuid in the answer")
        return CreatedCall(
            uuid=answer["uuid"],
            conversation_uuid=answer.get("conversation_uuid", ""),
            status=answer.get("status", ""),
            direction=answer.get("direction", ""),
        )

    def transfer_to_ncco(self, uuid: str, ncco: list[dict]) -> None:
        # Not voice.transfer_call_ncco: it validates into the empty NccoAction base model,
        # so every dict action would be sent as {}.
        body = {"action": "transfer", "destination": {"type": "ncco", "ncco": ncco}}
        with vonage_errors():
            self._http.put(self._api_host, f"/v1/calls/{_leg(uuid)}", body)

    def transfer_to_url(self, uuid: str, url: str) -> None:
        with vonage_errors():
            self._vonage.voice.transfer_call_answer_url(_leg(uuid), url)

    def hangup(self, uuid: str) -> None:
        with vonage_errors():
            self._vonage.voice.hangup(_leg(uuid))

    def mute(self, uuid: str) -> None:
        with vonage_errors():
            self._vonage.voice.mute(_leg(uuid))

    def unmute(self, uuid: str) -> None:
        with vonage_errors():
            self._vonage.voice.unmute(_leg(uuid))

    def earmuff(self, uuid: str) -> None:
        with vonage_errors():
            self._vonage.voice.earmuff(_leg(uuid))

    def unearmuff(self, uuid: str) -> None:
        with vonage_errors():
            self._vonage.voice.unearmuff(_leg(uuid))

    def talk(self, uuid: str, *, text: str, language: str | None = None, loop: int = 1) -> None:
        options = TtsStreamOptions(text=text, language=language, loop=loop)
        with vonage_errors():
            self._vonage.voice.play_tts_into_call(_leg(uuid), options)

    def stop_talk(self, uuid: str) -> None:
        with vonage_errors():
            self._vonage.voice.stop_tts(_leg(uuid))

    def stream(self, uuid: str, *, url: str, loop: int = 1) -> None:
        options = AudioStreamOptions(stream_url=[url], loop=loop)
        with vonage_errors():
            self._vonage.voice.play_audio_into_call(_leg(uuid), options)

    def stop_stream(self, uuid: str) -> None:
        with vonage_errors():
            self._vonage.voice.stop_audio_stream(_leg(uuid))

    def send_dtmf(self, uuid: str, *, digits: str) -> None:
        with vonage_errors():
            self._vonage.voice.play_dtmf_into_call(_leg(uuid), digits)

    def send_message(
        self, *, channel: str, to: str, from_: str, text: str, client_ref: str | None = None
    ) -> str:
        """Send a text message; returns its message_uuid."""
        if channel not in MESSAGE_MODELS:
            raise ValueError(f"unsupported message channel {channel!r}")
        if channel in NUMBER_CHANNELS:
            to, from_ = to.removeprefix("+"), from_.removeprefix("+")
        message = MESSAGE_MODELS[channel](to=to, from_=from_, text=text, client_ref=client_ref)
        with vonage_errors():
            return self._vonage.messages.send(message).message_uuid

    def report_records(
        self, *, product: str, date_start: datetime, date_end: datetime
    ) -> list[dict[str, Any]]:
        """The Reports API's records of a product for [date_start, date_end) (CONTRACT §8):
        Basic auth with the account's key and secret; follows `_links.next` pages."""
        if not (self._api_key and self._has_basic_auth):
            raise VonageError(
                status=None, reason="the Reports API needs VONAGE_API_KEY and VONAGE_API_SECRET"
            )
        query: dict[str, str] = {
            "product": product,
            "account_id": self._api_key,
            "date_start": date_start.isoformat(),
            "date_end": date_end.isoformat(),
        }
        records: list[dict[str, Any]] = []
        for _ in range(REPORT_PAGES_MAX):
            with vonage_errors():
                answer = self._http.get(
                    self._api_host, "/v2/reports/records", query, auth_type="basic"
                )
            if not isinstance(answer, dict):
                raise VonageError(status=None, reason="the Reports API answered no JSON object")
            records += [r for r in answer.get("records") or [] if isinstance(r, dict)]
            cursor = ((answer.get("_links") or {}).get("next") or {}).get("href")
            if not cursor:
                return records
            query = dict(parse_qsl(urlsplit(cursor).query)) or query
        raise VonageError(status=None, reason=f"more than {REPORT_PAGES_MAX} report pages")

    def download_recording(self, url: str) -> bytes:
        # Not voice.download_recording: it writes to a file and only checks that "vonage.com"
        # appears somewhere in the URL, so it refuses the sandbox and accepts
        # https://evil.example/vonage.com. The JWT opens the whole application, so only
        # Vonage hosts and the configured API host ever receive it.
        if not self._may_receive_credentials(url):
            raise ValueError(f"refusing to send Vonage credentials to {urlsplit(url).netloc!r}")
        headers = {"Authorization": self._http.auth.create_jwt_auth_string().decode()}
        with vonage_errors():
            # requests reads REQUESTS_CA_BUNDLE and drops Authorization on cross-host redirects.
            response = requests.get(url, headers=headers, timeout=self._timeout)
        if response.status_code != 200:
            raise VonageError(status=response.status_code, reason=_error_reason(response))
        return response.content

    @property
    def _http(self) -> HttpClient:
        return self._vonage.http_client

    @property
    def users(self) -> Users:
        """The SDK's Users API client (callcentre.vonage.users wraps it)."""
        return self._vonage.users

    def _may_receive_credentials(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return False
        if parts.netloc == self._api_host:
            return True
        return any(
            parts.hostname == domain or parts.hostname.endswith("." + domain)
            for domain in VONAGE_DOMAINS
        )


@functools.cache
def get_client() -> VonageClient:
    """The process's client, built from settings on first use."""
    return VonageClient.from_settings()


def reset_client() -> None:
    """Forget the cached client (tests, or after the settings change)."""
    get_client.cache_clear()


def load_private_key(value: str) -> str:
    """PKCS#8 PEM text from PEM text or a file path, checked now rather than at the first call."""
    text = value if "-----BEGIN" in value else _read_key_file(value)
    if "\n" not in text.strip() and "\\n" in text:
        text = text.replace("\\n", "\n")  # PEM squeezed onto one line of an environment file
    if "-----BEGIN RSA PRIVATE KEY-----" in text:
        raise ValueError(
            "the private key is PKCS#1 (BEGIN RSA PRIVATE KEY) but the Vonage SDK needs PKCS#8 "
            "(BEGIN PRIVATE KEY); convert it with "
            "`openssl pkcs8 -topk8 -nocrypt -in private.key -out private8.key`"
        )
    if "-----BEGIN PRIVATE KEY-----" not in text:
        raise ValueError("the private key is not an unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY)")
    try:
        key = load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise ValueError(f"the private key could not be read: {error}") from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the private key must be an RSA key (Vonage signs with RS256)")
    return text


def _read_key_file(path: str) -> str:
    try:
        return Path(path).expanduser().read_text()
    except (OSError, UnicodeDecodeError) as error:
        shown = repr(path) if len(path) < 256 else "(a long value)"
        raise ValueError(
            f"the private key is neither PEM text nor a readable file: {shown}: {error}"
        ) from None


def _leg(uuid: str) -> str:
    if not LEG_UUID.match(uuid):
        raise ValueError(f"not a call leg uuid: {uuid!r}")
    return uuid


@contextmanager
def vonage_errors() -> Iterator[None]:
    """Turn the SDK's HTTP errors and transport failures into VonageError."""
    try:
        yield
    except HttpRequestError as error:
        raise VonageError(
            status=error.response.status_code, reason=_error_reason(error.response)
        ) from error
    except requests.RequestException as error:
        raise VonageError(status=None, reason=f"{type(error).__name__}: {error}") from error


def _error_reason(response: requests.Response) -> str:
    """Vonage errors are RFC 7807 ({type, title, detail}); older APIs use error_title."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts = [str(body[name]) for name in ("title", "detail") if body.get(name)]
        if not parts:
            parts = [str(body[name]) for name in ("error_title", "message") if body.get(name)]
        if parts:
            return ": ".join(parts)
    return response.text[:200] or response.reason or f"HTTP {response.status_code}"
