"""What each Vonage voice webhook does, and what it answers when something fails.

The views parse and authenticate; these functions store, decide and answer.
A webhook never answers with a 500: when the database (or anything else) is
down the payload goes to the durable spool and the caller hears the safe
NCCO, an apology and a voicemail recording.
"""

import logging
from datetime import datetime

from django.db import InterfaceError, OperationalError
from django.utils.dateparse import parse_datetime

from callcentre.db import webhook_transaction
from callcentre.spool import SpoolEntry, spool_replay, spool_write
from callcentre.vonage.ncco import ncco_to_json
from conversations import services
from conversations.events import input_choice, read_voice_event
from conversations.models import Conversation, Event
from routing import ivr

logger = logging.getLogger(__name__)

SPOOL_ANSWER = "answer"
SPOOL_EVENT = "event"


def safe_answer() -> list[dict]:
    return ncco_to_json(
        ivr.voicemail_actions(apology="We're sorry, we can't take your call right now.")
    )


def spool_safely(*, kind: str, payload: dict, received_at: datetime) -> None:
    try:
        spool_write(kind=kind, payload=payload, received_at=received_at.isoformat())
    except OSError:
        logger.critical("could not spool a %s webhook; payload: %r", kind, payload, exc_info=True)


def answer(*, payload: dict, received_at: datetime) -> list[dict]:
    try:
        with webhook_transaction():
            services.call_start(payload=payload, received_at=received_at)
            return ncco_to_json(ivr.ivr_entry())
    except Exception:
        logger.exception("answer webhook failed: answering with voicemail, payload spooled")
        spool_safely(kind=SPOOL_ANSWER, payload=payload, received_at=received_at)
        return safe_answer()


def event(*, payload: dict, received_at: datetime) -> list[dict] | None:
    """Store and apply one event; an NCCO comes back only for the events that take one."""
    voice_event = read_voice_event(payload, received_at=received_at)
    try:
        with webhook_transaction():
            stored = services.event_apply(voice_event=voice_event, received_at=received_at)
            if voice_event.kind == Event.Kind.INPUT:
                return input_answer(stored=stored)
            return None
    except Exception:
        logger.exception("event webhook failed: payload spooled")
        spool_safely(kind=SPOOL_EVENT, payload=payload, received_at=received_at)
        return safe_answer() if voice_event.kind == Event.Kind.INPUT else None


def waiting_room_name(conversation: Conversation) -> str:
    return f"waiting-{conversation.vonage_uuid}"


def input_answer(*, stored: services.StoredEvent) -> list[dict]:
    if stored.is_duplicate and stored.event.response is not None:
        return stored.event.response
    digits, speech = input_choice(stored.event.payload)
    decision = ivr.ivr_choose(
        digits=digits,
        speech=speech,
        attempt=services.ivr_attempts(conversation=stored.conversation) + 1,
        waiting_room=waiting_room_name(stored.conversation),
    )
    response = ncco_to_json(decision.actions)
    services.conversation_record_ivr(
        conversation=stored.conversation,
        choice={
            "digits": digits,
            "speech": speech,
            "outcome": decision.outcome,
            "queue": decision.queue.name if decision.queue else None,
            "queue_id": decision.queue.pk if decision.queue else None,
        },
        response=response,
        event=stored.event,
    )
    return response


def fallback(*, payload: dict, received_at: datetime) -> list[dict] | None:
    """Vonage gave up on the answer or event URL: record what we can, answer safely."""
    original = payload.get("original_request") or {}
    if isinstance(original, dict) and original.get("type") == "event":
        return event(payload=payload, received_at=received_at)
    answer(payload=payload, received_at=received_at)
    return safe_answer()


def replay_entry(entry: SpoolEntry) -> None:
    received_at = parse_datetime(entry.received_at)
    with webhook_transaction():
        if entry.kind == SPOOL_ANSWER:
            services.call_start(payload=entry.payload, received_at=received_at)
        elif entry.kind == SPOOL_EVENT:
            services.event_apply(
                voice_event=read_voice_event(entry.payload, received_at=received_at),
                received_at=received_at,
            )
        else:
            raise ValueError(f"unknown spool entry kind {entry.kind!r}")


def is_transient(error: Exception) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def replay_spool() -> tuple[int, int]:
    """Store what was spooled while the database was away. Returns (replayed, remaining)."""
    return spool_replay(replay_entry, is_transient=is_transient)
