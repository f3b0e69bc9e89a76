"""The bodies of Vonage's voice webhooks and REST answers, shaped as CONTRACT §2, §3 and §5 say.

Pure functions of a leg (and the moment): tests validate them against the Voice OpenAPI.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.clock import iso_timestamp, rest_timestamp
from sandbox.state import Leg

REGION_URL = "https://api-eu-3.vonage.com"
# EUR per minute, by the kind of far end (sandbox prices; Vonage's vary by destination).
RATES = {"phone": Decimal("0.00450000"), "sip": Decimal("0.00400000"), "vbc": Decimal("0")}
DEFAULT_RATE = Decimal("0.00390000")  # app and websocket legs
PHONE_NETWORK = "GB-FIXED"


def answer_params(leg: Leg) -> dict[str, Any]:
    """The answer webhook's fields (§2): `from` for phones, `from_user` for app users."""
    params: dict[str, Any] = {"to": leg.address}
    if leg.from_user:
        params["from_user"] = leg.from_user
    else:
        params["from"] = leg.from_address or ""
    params.update(
        {
            "endpoint_type": leg.endpoint_type,
            "uuid": leg.uuid,
            "conversation_uuid": leg.conversation_uuid,
            "region_url": REGION_URL,
        }
    )
    headers = leg.endpoint.get("headers") if leg.endpoint_type == "sip" else None
    for name, value in (headers or {}).items():
        params[f"SipHeader_X-{name}"] = str(value)
    return params


def _base(leg: Leg, moment: datetime) -> dict[str, Any]:
    base: dict[str, Any] = {"from": leg.from_address or leg.from_user or "", "to": leg.address}
    base.update({"uuid": leg.uuid, "conversation_uuid": leg.conversation_uuid})
    base["timestamp"] = iso_timestamp(moment)
    return base


def status_event(leg: Leg, status: str, moment: datetime, **extra: Any) -> dict[str, Any]:
    """A call status event (§3) with the extra fields its status carries."""
    event = _base(leg, moment)
    event.update({"status": status, "direction": leg.direction})
    if status == "answered":
        event.update({"start_time": None, "rate": None, "network": None})
    if status == "completed":
        event.update(completed_summary(leg))
    if status == "disconnected":
        event["headers"] = leg.endpoint.get("headers") or {}
    if status in ("human", "machine"):
        event["call_uuid"] = event.pop("uuid")
    event.update(extra)
    return event


def _rate(leg: Leg) -> Decimal:
    return RATES.get(leg.endpoint_type, DEFAULT_RATE)


def duration_seconds(leg: Leg) -> int:
    if leg.answered_at is None or leg.ended_at is None:
        return 0
    return max(0, round((leg.ended_at - leg.answered_at).total_seconds()))


def price(leg: Leg) -> Decimal:
    total = _rate(leg) * Decimal(duration_seconds(leg)) / Decimal(60)
    return total.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)


def completed_summary(leg: Leg) -> dict[str, Any]:
    started = leg.answered_at or leg.created_at
    ended = leg.ended_at or started
    return {
        "start_time": iso_timestamp(started) if started else None,
        "end_time": iso_timestamp(ended) if ended else None,
        "duration": str(duration_seconds(leg)),
        "rate": f"{_rate(leg):.8f}",
        "price": f"{price(leg):.8f}",
        "network": PHONE_NETWORK if leg.endpoint_type == "phone" else None,
        "disconnected_by": leg.disconnected_by or "platform",
    }


def input_event(
    leg: Leg,
    moment: datetime,
    *,
    digits: str | None,
    dtmf_timed_out: bool,
    speech: dict[str, Any] | None,
) -> dict[str, Any]:
    """An input result (§3): the unused part is present but empty."""
    event = _base(leg, moment)
    event["dtmf"] = {"digits": digits, "timed_out": dtmf_timed_out}
    event["speech"] = speech if speech is not None else {"results": []}
    return event


def record_event(
    *,
    conversation_uuid: str,
    started: datetime,
    ended: datetime,
    recording_url: str,
    recording_uuid: str,
    size: int,
) -> dict[str, Any]:
    return {
        "start_time": iso_timestamp(started),
        "end_time": iso_timestamp(ended),
        "recording_url": recording_url,
        "recording_uuid": recording_uuid,
        "size": size,
        "conversation_uuid": conversation_uuid,
        "timestamp": iso_timestamp(ended),
    }


def transcribed_event(
    *, conversation_uuid: str, recording_uuid: str, transcription_url: str, moment: datetime
) -> dict[str, Any]:
    return {
        "conversation_uuid": conversation_uuid,
        "recording_uuid": recording_uuid,
        "transcription_url": transcription_url,
        "type": "record",
        "status": "transcribed",
        "timestamp": iso_timestamp(moment),
    }


def transfer_event(leg: Leg, moment: datetime, *, to_conversation: str) -> dict[str, Any]:
    return {
        "uuid": leg.uuid,
        "conversation_uuid_from": leg.conversation_uuid,
        "conversation_uuid_to": to_conversation,
        "timestamp": iso_timestamp(moment),
    }


def notify_event(leg: Leg, moment: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    # The wrapper is S7's model; CONTRACT §3 marks it unconfirmed in primary docs.
    return {
        "payload": payload,
        "conversation_uuid": leg.conversation_uuid,
        "timestamp": iso_timestamp(moment),
    }


def error_event(conversation_uuid: str, moment: datetime, reason: str) -> dict[str, Any]:
    return {
        "reason": reason,
        "conversation_uuid": conversation_uuid,
        "timestamp": iso_timestamp(moment),
    }


def call_resource(leg: Leg) -> dict[str, Any]:
    """GET /v1/calls/{uuid} (§5): money, duration and times only once the leg has ended."""
    to = dict(leg.endpoint)
    resource: dict[str, Any] = {
        "_links": {"self": {"href": f"/v1/calls/{leg.uuid}"}},
        "uuid": leg.uuid,
        "conversation_uuid": leg.conversation_uuid,
        "to": to,
        "from": dict(leg.from_endpoint),
        "status": leg.status,
        "direction": leg.direction,
    }
    if leg.status == "completed":
        started = leg.answered_at or leg.created_at
        resource.update(
            {
                "rate": f"{_rate(leg):.8f}",
                "price": f"{price(leg):.8f}",
                "duration": str(duration_seconds(leg)),
                "start_time": rest_timestamp(started) if started else None,
                "end_time": rest_timestamp(leg.ended_at) if leg.ended_at else None,
                "network": PHONE_NETWORK if leg.endpoint_type == "phone" else "",
            }
        )
    return resource
