"""Webhook payloads shaped exactly as Vonage sends them (CONTRACT.md §2-3)."""

import uuid
from datetime import UTC, datetime, timedelta

CENTRE_NUMBER = "447700900000"
CALLER_NUMBER = "447700900123"
# Vonage stamps events with its own clock. The calls here start after the tests are collected,
# later than any test process runs (a suite or one xdist worker takes under 15 minutes), as a live
# call would: the answer webhook (stamped when it arrives) then comes before the call's events on
# the timeline, as it does on Vonage, whatever today's date is.
BASE_TIME = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=20)


def timestamp(seconds: float = 0) -> str:
    moment = BASE_TIME + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_call() -> dict:
    return {"uuid": str(uuid.uuid4()), "conversation_uuid": f"CON-{uuid.uuid4()}"}


def answer(call: dict, **extra) -> dict:
    return {
        "to": CENTRE_NUMBER,
        "from": CALLER_NUMBER,
        "endpoint_type": "phone",
        "uuid": call["uuid"],
        "conversation_uuid": call["conversation_uuid"],
        "region_url": "https://api-eu-3.vonage.com",
        **extra,
    }


def status(call: dict, status_name: str, *, at: float = 0, **extra) -> dict:
    payload = {
        "from": CALLER_NUMBER,
        "to": CENTRE_NUMBER,
        "uuid": call["uuid"],
        "conversation_uuid": call["conversation_uuid"],
        "status": status_name,
        "direction": "inbound",
        "timestamp": timestamp(at),
    }
    if status_name == "answered":
        payload.update({"start_time": None, "rate": None, "network": None})
    if status_name == "completed":
        payload.update(
            {
                "start_time": timestamp(2),
                "end_time": timestamp(at),
                "duration": "245",
                "rate": "0.00450000",
                "price": "0.01837500",
                "network": "GB-FIXED",
                "disconnected_by": "user",
            }
        )
    payload.update(extra)
    return payload


def lifecycle(call: dict) -> list[dict]:
    return [
        status(call, "started", at=0),
        status(call, "ringing", at=0),
        status(call, "answered", at=2),
        status(call, "completed", at=247),
    ]


def dtmf_input(call: dict, digits: str | None, *, at: float = 10) -> dict:
    return {
        "from": CALLER_NUMBER,
        "to": CENTRE_NUMBER,
        "uuid": call["uuid"],
        "conversation_uuid": call["conversation_uuid"],
        "timestamp": timestamp(at),
        "dtmf": {"digits": digits, "timed_out": digits is None},
        "speech": {"results": []},
    }


def speech_input(call: dict, text: str, *, confidence: str = "0.91", at: float = 10) -> dict:
    return {
        "from": CALLER_NUMBER,
        "to": CENTRE_NUMBER,
        "uuid": call["uuid"],
        "conversation_uuid": call["conversation_uuid"],
        "timestamp": timestamp(at),
        "dtmf": {"digits": None, "timed_out": False},
        "speech": {
            "timeout_reason": "end_on_silence_timeout",
            "results": [
                {"text": "bill", "confidence": "0.40"},
                {"text": text, "confidence": confidence},
            ],
        },
    }


def record(call: dict, *, at: float = 60) -> dict:
    return {
        "start_time": timestamp(at - 30),
        "end_time": timestamp(at),
        "recording_url": f"https://api.nexmo.com/v1/files/{uuid.uuid4()}",
        "recording_uuid": str(uuid.uuid4()),
        "size": 12222,
        "conversation_uuid": call["conversation_uuid"],
        "timestamp": timestamp(at),
    }


def inbound_sms(text: str, *, sender: str = CALLER_NUMBER, seconds: float = 0) -> dict:
    """A customer's SMS to the centre, as the Messages API posts it (CONTRACT §7)."""
    return {
        "channel": "sms",
        "message_uuid": str(uuid.uuid4()),
        "to": CENTRE_NUMBER,
        "from": sender,
        "timestamp": timestamp(seconds),
        "message_type": "text",
        "text": text,
        "usage": {"currency": "EUR", "price": "0.0057"},
        "sms": {"num_messages": "1", "keyword": text.split(" ")[0].upper()},
        "origin": {"network_code": "23410"},
    }


def message_status(message_uuid: str, status_name: str, *, seconds: float = 0) -> dict:
    return {
        "message_uuid": message_uuid,
        "to": CALLER_NUMBER,
        "from": CENTRE_NUMBER,
        "timestamp": timestamp(seconds),
        "channel": "sms",
        "status": status_name,
    }
