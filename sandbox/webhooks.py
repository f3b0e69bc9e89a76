"""Sending webhooks as Vonage does: signed, with its timeouts, retries and fallback
(CONTRACT §2, §6a).

Every request carries `Authorization: Bearer <HS256 JWT>` made by the project's own
`sign_webhook`, freshly for each attempt (new `jti`, `iat`, `payload_hash`). A request that
must return an NCCO (answer, input, notify, synchronous connect) that meets a connection
error, a timeout or HTTP 429/503/504 is tried twice; then, and after any other HTTP error,
the fallback URL is tried twice with `reason` and `original_request` added. Notifications
are sent once: the contract documents no redelivery for them.
"""

import asyncio
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from callcentre.vonage.signing import sign_webhook
from sandbox.clock import iso_timestamp
from sandbox.config import SandboxConfig
from sandbox.ncco import NccoInvalid, validate_ncco

logger = logging.getLogger("sandbox.webhooks")

RETRY_STATUSES = frozenset({429, 503, 504})
ATTEMPTS_PER_URL = 2
Kind = Literal["answer", "event"]


@dataclass
class Attempt:
    url: str
    method: str
    status: int | None
    error: str | None
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "method": self.method,
            "status": self.status,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Delivery:
    """One webhook and every attempt made to deliver it (the control API shows these)."""

    id: int
    kind: str
    leg_uuid: str | None
    payload: dict[str, Any]
    at: str
    attempts: list[Attempt] = field(default_factory=list)
    ok: bool = False
    response: Any = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "leg_uuid": self.leg_uuid,
            "at": self.at,
            "ok": self.ok,
            "payload": self.payload,
            "response": self.response,
            "attempts": [attempt.as_json() for attempt in self.attempts],
        }


@dataclass
class NccoAnswer:
    """What came back from a webhook that may return an NCCO."""

    delivered: bool  # False: every attempt (and the fallback) failed
    ncco: list[dict[str, Any]] | None = None  # None: no NCCO, carry on
    invalid_reason: str | None = None


class WebhookSender:
    def __init__(self, *, config: SandboxConfig, client: httpx.AsyncClient) -> None:
        self.config = config
        self._client = client
        self._ids = itertools.count(1)
        self.deliveries: deque[Delivery] = deque(maxlen=5000)

    def _delivery(self, *, kind: str, leg_uuid: str | None, payload: dict[str, Any]) -> Delivery:
        delivery = Delivery(
            id=next(self._ids),
            kind=kind,
            leg_uuid=leg_uuid,
            payload=payload,
            at=iso_timestamp(datetime.now(UTC)),
        )
        self.deliveries.append(delivery)
        return delivery

    async def notify(
        self,
        *,
        url: str,
        method: str,
        payload: dict[str, Any],
        leg_uuid: str | None,
        kind: str = "event",
    ) -> Delivery:
        """A notification: one attempt; the body of the answer is ignored."""
        delivery = self._delivery(kind=kind, leg_uuid=leg_uuid, payload=payload)
        attempt, _ = await self._attempt(url, method, payload, read_timeout=self._read(kind))
        delivery.attempts.append(attempt)
        delivery.ok = attempt.status is not None and 200 <= attempt.status < 300
        return delivery

    async def request_ncco(
        self, *, url: str, method: str, payload: dict[str, Any], leg_uuid: str | None, kind: Kind
    ) -> NccoAnswer:
        """A webhook whose answer may be an NCCO, with retries and the fallback URL."""
        delivery = self._delivery(kind=kind, leg_uuid=leg_uuid, payload=payload)
        targets = [(url, method, payload)]
        reason = ""
        for index in range(2):
            if index == 1:
                if not self.config.fallback_url:
                    break
                fallback_payload = {
                    **payload,
                    "reason": reason,
                    "original_request": {"url": url, "type": kind},
                }
                targets.append((self.config.fallback_url, method, fallback_payload))
            target_url, target_method, body = targets[index]
            for _ in range(ATTEMPTS_PER_URL):
                attempt, response = await self._attempt(
                    target_url, target_method, body, read_timeout=self._read(kind)
                )
                delivery.attempts.append(attempt)
                if response is not None and 200 <= response.status_code < 300:
                    delivery.ok = True
                    return self._read_ncco(delivery, response, required=kind == "answer")
                reason = attempt.error or f"HTTP status {attempt.status}."
                if response is not None and response.status_code not in RETRY_STATUSES:
                    break
        return NccoAnswer(delivered=False)

    @staticmethod
    def _read_ncco(delivery: Delivery, response: httpx.Response, *, required: bool) -> NccoAnswer:
        if not response.content.strip():
            if required:
                return NccoAnswer(delivered=True, invalid_reason="Invalid NCCO: empty answer")
            return NccoAnswer(delivered=True)
        try:
            body = response.json()
        except ValueError:
            return NccoAnswer(delivered=True, invalid_reason="Invalid NCCO: the answer is not JSON")
        delivery.response = body
        try:
            return NccoAnswer(delivered=True, ncco=validate_ncco(body))
        except NccoInvalid as error:
            return NccoAnswer(delivered=True, invalid_reason=error.reason)

    def _read(self, kind: str) -> float:
        if kind == "answer":
            return self.config.answer_socket_timeout
        return self.config.event_socket_timeout

    async def _attempt(
        self, url: str, method: str, payload: dict[str, Any], *, read_timeout: float
    ) -> tuple[Attempt, httpx.Response | None]:
        method = method.upper()
        if method == "GET":
            body = b""
            query = {k: _query_value(v) for k, v in payload.items() if v is not None}
            target = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
        else:
            body = json.dumps(payload).encode()
            target = url
        token = sign_webhook(
            body=body,
            secret=self.config.signature_secret,
            api_key=self.config.api_key,
            application_id=self.config.application_id,
        )
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "Vonage-Sandbox"}
        if method != "GET":
            headers["Content-Type"] = "application/json"
        timeout = httpx.Timeout(
            read_timeout, connect=self.config.connection_timeout, pool=read_timeout
        )
        started = time.monotonic()
        try:
            response = await self._client.request(
                method, target, content=body or None, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException as error:
            return self._failed(url, method, started, f"{_timeout_reason(error)}"), None
        except (httpx.TransportError, httpx.InvalidURL) as error:
            return self._failed(url, method, started, _transport_reason(error)), None
        attempt = Attempt(url, method, response.status_code, None, time.monotonic() - started)
        logger.info("%s %s -> %s", method, url, response.status_code)
        return attempt, response

    @staticmethod
    def _failed(url: str, method: str, started: float, reason: str) -> Attempt:
        logger.info("%s %s -> %s", method, url, reason)
        return Attempt(url, method, None, reason, time.monotonic() - started)


def _query_value(value: Any) -> str:
    # Objects in a GET answer (custom_data, original_request) have no documented encoding
    # (CONTRACT §2 ⚠): they are sent as JSON text.
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _timeout_reason(error: httpx.TimeoutException) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return "Connection timed out."
    return "Read timed out."


def _transport_reason(error: Exception) -> str:
    if isinstance(error, httpx.ConnectError):
        return "Connection refused."
    return "Connection closed."


class Outbox:
    """One leg's webhooks, sent one at a time in the order the leg produced them."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]]
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._work())
        self.pending = 0  # webhooks queued or on their way: the project has not answered yet

    def send(self, make: Callable[[], Awaitable[Any]]) -> "asyncio.Future[Any]":
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((make, future))
        self.pending += 1
        return future

    async def _work(self) -> None:
        while True:
            make, future = await self._queue.get()
            try:
                result = await make()
            except Exception as error:  # a bug in one webhook must not stop the others
                logger.exception("webhook failed")
                if not future.done():
                    future.set_exception(error)
            else:
                if not future.done():
                    future.set_result(result)
            self.pending -= 1
            self._queue.task_done()

    async def drain(self) -> None:
        await self._queue.join()

    def close(self) -> None:
        self._worker.cancel()
