"""The Messages API v1 as the project uses it (CONTRACT §7): sending (POST /v1/messages, then
`submitted` and `delivered` status webhooks) and inbound messages from the phone page or a
script, POSTed signed to the inbound URL with the HTTP status recorded.

A webhook answered with anything but 200 is retried at Vonage's intervals (5, 10, 20 ... 640 s,
then every 15 min for 24 h); the sandbox stops retrying when it stops.
"""

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.clock import iso_timestamp
from sandbox.webhooks import Delivery, WebhookSender

CHANNELS = frozenset({"sms", "mms", "rcs", "whatsapp", "messenger", "viber_service"})
NUMBER_CHANNELS = frozenset({"sms", "mms", "whatsapp", "viber_service", "rcs"})
MESSAGE_TYPES = frozenset(
    {
        "text",
        "image",
        "audio",
        "video",
        "file",
        "vcard",
        "template",
        "sticker",
        "custom",
        "card",
        "carousel",
        "content",
        "location",
    }
)
RETRY_DELAYS = (5, 10, 20, 40, 80, 160, 320, 640) + (900,) * 92  # ~24 h in all
SMS_PRICE = "0.0333"


@dataclass
class Message:
    uuid: str
    direction: str  # "inbound" (to the centre) or "outbound" (sent by the project)
    channel: str
    sender: str
    recipient: str
    text: str
    at: str
    client_ref: str | None = None
    statuses: list[str] = field(default_factory=list)
    webhook_status: int | None = None  # what the project answered (inbound)
    webhook_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "message_uuid": self.uuid,
            "direction": self.direction,
            "channel": self.channel,
            "from": self.sender,
            "to": self.recipient,
            "text": self.text,
            "at": self.at,
            "client_ref": self.client_ref,
            "statuses": self.statuses,
            "webhook_status": self.webhook_status,
            "webhook_error": self.webhook_error,
        }


class InvalidMessage(ValueError):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['name']}: {p['reason']}" for p in problems))
        self.problems = problems


def check_outbound(body: Any) -> dict[str, Any]:
    """The fields of POST /v1/messages that Vonage refuses with 422 when wrong."""
    if not isinstance(body, dict):
        raise InvalidMessage([{"name": "body", "reason": "must be a JSON object"}])
    problems = []
    for name in ("to", "from", "channel", "message_type"):
        if not isinstance(body.get(name), str) or not body[name]:
            problems.append({"name": name, "reason": "is required"})
    if body.get("channel") and body["channel"] not in CHANNELS:
        problems.append({"name": "channel", "reason": f"unknown channel {body['channel']!r}"})
    if body.get("message_type") and body["message_type"] not in MESSAGE_TYPES:
        problems.append({"name": "message_type", "reason": "unknown message type"})
    if body.get("message_type") == "text" and not isinstance(body.get("text"), str):
        problems.append({"name": "text", "reason": "is required for a text message"})
    if body.get("channel") in NUMBER_CHANNELS and isinstance(body.get("to"), str):
        if not body["to"].isdigit():
            problems.append({"name": "to", "reason": "must be E.164 digits without +"})
    client_ref = body.get("client_ref")
    if client_ref is not None and (not isinstance(client_ref, str) or len(client_ref) > 100):
        problems.append({"name": "client_ref", "reason": "must be a string of at most 100"})
    if problems:
        raise InvalidMessage(problems)
    return body


class MessageCentre:
    def __init__(
        self, *, sender: WebhookSender, inbound_url: str, status_url: str, speed: float = 1.0
    ) -> None:
        self.sender = sender
        self.speed = speed
        self.inbound_url = inbound_url
        self.status_url = status_url
        self.messages: list[Message] = []
        self.changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def touch(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def send(self, body: dict[str, Any]) -> Message:
        """POST /v1/messages: accepted now, statuses follow (submitted, then delivered)."""
        message = Message(
            uuid=str(uuid.uuid4()),
            direction="outbound",
            channel=body["channel"],
            sender=body["from"],
            recipient=body["to"],
            text=str(body.get("text", "")),
            at=iso_timestamp(datetime.now(UTC)),
            client_ref=body.get("client_ref"),
        )
        self.messages.append(message)
        self.touch()
        self._spawn(self._report(message, url=body.get("webhook_url") or self.status_url))
        return message

    async def _report(self, message: Message, *, url: str) -> None:
        for status, delay in (("submitted", 0.2), ("delivered", 1.0)):
            await asyncio.sleep(delay / self.speed)
            message.statuses.append(status)
            self.touch()
            await self._deliver(url, self.status_payload(message, status), kind="message-status")

    @staticmethod
    def status_payload(message: Message, status: str) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "message_uuid": message.uuid,
            "to": message.recipient,
            "from": message.sender,
            "timestamp": iso_timestamp(datetime.now(UTC)),
            "channel": message.channel,
            "status": status,
        }
        if message.client_ref is not None:
            payload["client_ref"] = message.client_ref
        if (
            message.channel in ("sms", "mms", "messenger", "viber_service")
            and status == "delivered"
        ):
            payload["usage"] = {"currency": "EUR", "price": SMS_PRICE}
        if message.channel == "sms" and status == "delivered":
            payload["destination"] = {"network_code": "23410"}
        return payload

    async def receive(self, *, channel: str, sender: str, recipient: str, text: str) -> Message:
        """A customer's message to the centre: POSTed to the inbound URL; returns the record."""
        if channel not in ("sms", "whatsapp"):
            raise InvalidMessage([{"name": "channel", "reason": "the phone sends sms or whatsapp"}])
        message = Message(
            uuid=str(uuid.uuid4()),
            direction="inbound",
            channel=channel,
            sender=sender.removeprefix("+"),
            recipient=recipient.removeprefix("+"),
            text=text,
            at=iso_timestamp(datetime.now(UTC)),
        )
        self.messages.append(message)
        delivery = await self._deliver(
            self.inbound_url, self.inbound_payload(message), kind="inbound-message", retry=False
        )
        self._record(message, delivery)
        if not delivery.ok:
            self._spawn(self._retry(message))
        return message

    def _record(self, message: Message, delivery: Delivery) -> None:
        attempt = delivery.attempts[-1]
        message.webhook_status, message.webhook_error = attempt.status, attempt.error
        self.touch()

    async def _retry(self, message: Message) -> None:
        for delay in RETRY_DELAYS:
            await asyncio.sleep(delay)
            delivery = await self._deliver(
                self.inbound_url, self.inbound_payload(message), kind="inbound-message", retry=False
            )
            self._record(message, delivery)
            if delivery.ok:
                return

    @staticmethod
    def inbound_payload(message: Message) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "channel": message.channel,
            "message_uuid": message.uuid,
            "to": message.recipient,
            "from": message.sender,
            "timestamp": message.at,
            "message_type": "text",
            "text": message.text,
        }
        if message.channel == "sms":
            payload["usage"] = {"currency": "EUR", "price": SMS_PRICE}
            payload["sms"] = {"num_messages": "1", "keyword": message.text.split(" ")[0].upper()}
            payload["origin"] = {"network_code": "23410"}
        else:
            payload["profile"] = {"name": f"Customer {message.sender[-4:]}"}
            payload["context_status"] = "none"
        return payload

    async def _deliver(
        self, url: str, payload: dict[str, Any], *, kind: str, retry: bool = True
    ) -> Delivery:
        delivery = await self.sender.notify(
            url=url, method="POST", payload=payload, leg_uuid=None, kind=kind
        )
        # Messages wants 200 exactly; anything else is retried (CONTRACT §7).
        delivery.ok = delivery.attempts[-1].status == 200
        if retry and not delivery.ok:
            self._spawn(self._retry_status(url, payload, kind))
        return delivery

    async def _retry_status(self, url: str, payload: dict[str, Any], kind: str) -> None:
        for delay in RETRY_DELAYS:
            await asyncio.sleep(delay)
            delivery = await self._deliver(url, payload, kind=kind, retry=False)
            if delivery.ok:
                return

    def thread(self, number: str) -> list[Message]:
        number = number.removeprefix("+")
        return [m for m in self.messages if number in (m.sender, m.recipient)]
