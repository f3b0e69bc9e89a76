"""Reading Vonage voice webhook payloads: what kind of event, which leg, when, and its identity.

Pure functions over the JSON Vonage sends (CONTRACT.md §2-3); nothing here
touches the database.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from callcentre.vonage import inbound
from conversations.models import Event


@dataclass(frozen=True, kw_only=True)
class VoiceEvent:
    kind: str
    status: str
    leg_uuid: str
    conversation_uuid: str
    occurred_at: datetime
    dedupe_key: str
    payload: dict


def classify(payload: dict) -> str:
    """Status events carry `status`; the others are told apart by their shape."""
    if "status" in payload:
        return Event.Kind.STATUS
    if "recording_url" in payload:
        return Event.Kind.RECORD
    if "dtmf" in payload or "speech" in payload:
        return Event.Kind.INPUT
    if "conversation_uuid_from" in payload:
        return Event.Kind.TRANSFER
    if "payload" in payload:
        return Event.Kind.NOTIFY
    if "reason" in payload:
        return Event.Kind.ERROR
    return Event.Kind.UNKNOWN


# A timestamp's fallback: a time (the answer is then always one) or None.
Default = TypeVar("Default", bound=datetime | None)


def parse_timestamp(value: object, default: Default) -> datetime | Default:
    """The ISO 8601 time in UTC, or `default` when it is absent or not a real time."""
    parsed = inbound.timestamp_parse(value)
    return default if parsed is None else parsed


# What a fallback request adds to the original payload (CONTRACT.md §2).
FALLBACK_FIELDS = ("reason", "original_request")


def dedupe_key(kind: str, payload: dict) -> str:
    """Vonage events have no id: a status is known by leg, status and time, the rest by shape."""
    if "original_request" in payload:
        payload = {key: value for key, value in payload.items() if key not in FALLBACK_FIELDS}
    if kind == Event.Kind.STATUS:
        leg = payload.get("uuid") or payload.get("call_uuid") or ""
        identity = f"status|{leg}|{payload.get('status')}|{payload.get('timestamp')}"
    elif kind == Event.Kind.RECORD and payload.get("recording_uuid"):
        identity = f"record|{payload['recording_uuid']}"
    else:
        identity = f"{kind}|" + json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(identity.encode()).hexdigest()


def read_voice_event(payload: dict, *, received_at: datetime) -> VoiceEvent:
    kind = classify(payload)
    return VoiceEvent(
        kind=kind,
        status=str(payload.get("status", ""))[:20],
        # Machine-detection events name the leg `call_uuid` instead of `uuid`.
        leg_uuid=str(payload.get("uuid") or payload.get("call_uuid") or ""),
        conversation_uuid=str(payload.get("conversation_uuid") or ""),
        occurred_at=parse_timestamp(payload.get("timestamp"), received_at),
        dedupe_key=dedupe_key(kind, payload),
        payload=payload,
    )


def best_speech(payload: dict) -> tuple[str, float | None]:
    """The most confident speech result of an input event: its text ('' when none) and
    confidence (a string in some of Vonage's examples, a number in the SDK's models)."""
    speech = payload.get("speech") or {}
    results = speech.get("results") or [] if isinstance(speech, dict) else []
    scored = []
    for result in results:
        if not isinstance(result, dict):
            continue
        try:
            confidence = float(result.get("confidence") or 0)
        except (TypeError, ValueError):
            confidence = 0.0
        scored.append((confidence, str(result.get("text") or "")))
    if not scored:
        return "", None
    confidence, text = max(scored, key=lambda pair: pair[0])
    return text, confidence


def input_choice(payload: dict) -> tuple[str, str]:
    """The digits and the best speech text of an input event ('' when absent)."""
    dtmf = payload.get("dtmf")
    digits = ""
    if isinstance(dtmf, dict):
        digits = dtmf.get("digits") or ""
    elif isinstance(dtmf, str):
        digits = dtmf
    return str(digits), best_speech(payload)[0]
