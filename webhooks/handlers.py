"""What each Vonage voice webhook does, and what it answers when something fails.

The views parse and authenticate; these functions store, decide and answer.
A webhook never answers with a 500: when the database (or anything else) is
down the payload goes to the durable spool and the caller hears the safe
NCCO, an apology and a voicemail recording.
"""

import logging
from datetime import datetime

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ai import services as ai_services
from callcentre.db import webhook_transaction
from callcentre.realtime import agent_changed_later
from callcentre.spool import SpoolEntry, spool_replay, spool_write
from callcentre.vonage import inbound
from callcentre.vonage.ncco import ncco_to_json
from conversations.call_states import ENDING_STATUSES
from conversations.events import VoiceEvent, best_speech, input_choice, read_voice_event
from conversations.models import Conversation, Event, Member
from conversations.services.call_events import event_apply
from conversations.services.calls import (
    CallArrival,
    StoredEvent,
    call_arrival,
    call_start,
    conversation_record_ivr,
)
from conversations.services.messages import MessageRejected, message_receive, message_status_apply
from reports import services as report_services
from reports import surveys
from routing import chat, ivr, recording, voice, voicemail, waiting
from routing.ivr_decisions import voice_for
from routing.prompts import voicemail_actions
from routing.settlement import leg_ended
from speech import services as speech

logger = logging.getLogger(__name__)

SPOOL_ANSWER = "answer"
SPOOL_EVENT = "event"
SPOOL_MESSAGE = "inbound-message"
SPOOL_MESSAGE_STATUS = "message-status"


def safe_answer() -> list[dict]:
    return ncco_to_json(
        voicemail_actions(apology="We're sorry, we can't take your call right now.")
    )


def spool_safely(*, kind: str, payload: dict, received_at: datetime) -> None:
    try:
        spool_write(kind=kind, payload=payload, received_at=received_at.isoformat())
    except OSError:
        logger.critical("could not spool a %s webhook; payload: %r", kind, payload, exc_info=True)


def answer(*, payload: dict, received_at: datetime, decide: bool = True) -> list[dict]:
    """Store the call and answer with the IVR's entry (decide=False: the safe NCCO).

    A redelivered answer gets the NCCO decided the first time, so a VIP is queued once.
    """
    try:
        with webhook_transaction():
            arrival = call_arrival(payload=payload, received_at=received_at)
            if not decide:
                stored = call_start(arrival=arrival)
                if stored.is_duplicate and stored.event.response is not None:
                    return stored.event.response
                return safe_answer()
            return entry_answer(arrival=arrival)
    except Exception:
        logger.exception("answer webhook failed: answering with voicemail, payload spooled")
        spool_safely(kind=SPOOL_ANSWER, payload=payload, received_at=received_at)
        return safe_answer()


def event(*, payload: dict, received_at: datetime) -> list[dict] | None:
    """Store and apply one event; an NCCO comes back only for the events that take one."""
    voice_event = read_voice_event(payload, received_at=received_at)
    try:
        with webhook_transaction():
            stored = event_store_and_apply(voice_event=voice_event, received_at=received_at)
            if voice_event.kind == Event.Kind.INPUT:
                return input_answer(stored=stored)
            return None
    except Exception:
        logger.exception("event webhook failed: payload spooled")
        spool_safely(kind=SPOOL_EVENT, payload=payload, received_at=received_at)
        return safe_answer() if voice_event.kind == Event.Kind.INPUT else None


def event_store_and_apply(*, voice_event: VoiceEvent, received_at: datetime) -> StoredEvent:
    """Store and apply an event; when it ended a leg, routing settles that leg's tasks."""
    stored = event_apply(voice_event=voice_event, received_at=received_at)
    member = stored.member
    if (
        not stored.is_duplicate
        and member is not None
        and member.agent_id is not None
        and member.call_status == voice_event.status
    ):
        # The agent's softphone rang, answered or hung up: their desktop shows it.
        agent_changed_later(member.agent_id)
        if voice_event.status == "answered":
            voice.agent_leg_answered_later(member=member)
            speech.transcription_start_later(
                conversation_id=member.conversation_id, agent_id=member.agent_id
            )
    if (
        not stored.is_duplicate
        and member is not None
        and member.call_status == voice_event.status
        and voice_event.status in ENDING_STATUSES
    ):
        transaction.on_commit(lambda: settle_tasks_of_leg(member=member))
    if not stored.is_duplicate and voice_event.kind == Event.Kind.RECORD:
        # A caller's message is a task for a queue's agents (a call recording is not).
        voicemail.voicemail_arrived(
            conversation=stored.conversation,
            recording_uuid=str(voice_event.payload.get("recording_uuid") or ""),
        )
        # A recording usually arrives after the call ended: the pipeline stores it.
        report_services.post_call_later(stored.event.conversation_id)
    return stored


def settle_tasks_of_leg(*, member: Member) -> None:
    """Routing settles the leg's tasks and ends what should not outlive the leg; once the
    call is over, the post-call pipeline runs."""
    voice.call_leg_ended(member=member)
    try:
        leg_ended(member=member)
    except Exception:
        # The event is stored; the routing reaper settles what this missed.
        logger.exception("could not settle the tasks of leg %s", member.leg_uuid)
        return
    if member.conversation.state == Conversation.State.ENDED:
        report_services.post_call_later(member.conversation_id)


def entry_answer(*, arrival: CallArrival) -> list[dict]:
    """Decide first, then store the new call with the decision (three INSERTs), then enqueue."""
    decision = ivr.ivr_entry(conversation=arrival.conversation)
    response = ncco_to_json(decision.actions)
    state = decision.entry_state()
    stored = call_start(arrival=arrival, ivr_state=state, response=response)
    if stored.is_duplicate and stored.event.response is not None:
        return stored.event.response  # a redelivered answer: the same NCCO, queued once
    if not stored.conversation_is_new:
        # The call was stored before: by an event, or by an answer that was not decided.
        conversation_record_ivr(
            conversation=stored.conversation, state=state, response=response, event=stored.event
        )
    ivr.enqueue(decision=decision, conversation=stored.conversation)
    return response


def input_answer(*, stored: StoredEvent) -> list[dict]:
    if stored.is_duplicate and stored.event.response is not None:
        return stored.event.response
    digits, speech = input_choice(stored.event.payload)
    task = waiting.waiting_task(conversation=stored.conversation)
    if recording.awaiting_consent(conversation=stored.conversation, task=task):
        # The caller answered the recording notice (or let it pass: consent).
        caller_voice = voice_for(ivr.caller_menu(conversation=stored.conversation))
        actions = recording.consent_answer(
            conversation=stored.conversation, digits=digits, voice=caller_voice
        )
        response = ncco_to_json(actions)
        conversation_record_ivr(
            conversation=stored.conversation, state={}, response=response, event=stored.event
        )
        return response
    if task is not None:
        # Past the menus: the caller answered a queue announcement (routing.waiting).
        actions = waiting.waiting_input(conversation=stored.conversation, task=task, digits=digits)
        response = ncco_to_json(actions)
        conversation_record_ivr(
            conversation=stored.conversation, state={}, response=response, event=stored.event
        )
        return response
    decision = ivr.ivr_choose(conversation=stored.conversation, digits=digits, speech=speech)
    response = ncco_to_json(decision.actions)
    conversation_record_ivr(
        conversation=stored.conversation,
        state=decision.state(),
        choice=decision.choice(digits=digits, speech=speech),
        response=response,
        event=stored.event,
    )
    if speech:
        # The caller's words, the intent that routed them and their sentiment (ai).
        ai_services.speech_observed(
            conversation_id=stored.conversation.pk,
            text=speech,
            confidence=best_speech(stored.event.payload)[1],
            match=decision.intent,
        )
    return response


def fallback(*, payload: dict, received_at: datetime) -> list[dict] | None:
    """Vonage gave up on the answer or event URL: record what we can, answer safely."""
    original = payload.get("original_request") or {}
    if isinstance(original, dict) and original.get("type") == "event":
        return event(payload=payload, received_at=received_at)
    # Only store the call: the IVR may queue a caller, and this one hears the safe NCCO
    # (unless the original answer got through and was decided: then the same NCCO).
    return answer(payload=payload, received_at=received_at, decide=False)


def inbound_message(*, payload: dict, received_at: datetime) -> None:
    """Store a customer's message (MessageRejected for one we cannot take); one that cannot
    be stored right now is spooled, never lost."""
    try:
        with webhook_transaction():
            message_store(payload=payload, received_at=received_at)
    except MessageRejected:
        raise
    except Exception:
        logger.exception("inbound message webhook failed: payload spooled")
        spool_safely(kind=SPOOL_MESSAGE, payload=payload, received_at=received_at)


def message_store(*, payload: dict, received_at: datetime) -> None:
    """Store a message once: an answer to the customer's survey belongs to the survey (no
    thread, no chat); anything else is a chat for an agent."""
    if surveys.survey_answer_receive(payload=payload, received_at=received_at):
        return
    message, is_duplicate = message_receive(payload=payload, received_at=received_at)
    if is_duplicate:
        return
    task = chat.message_arrived(conversation=message.conversation)
    if message.text:
        # Its sentiment, and the suggestions it triggers for the agent holding the chat.
        ai_services.utterance_observed(
            conversation_id=message.conversation_id,
            text=message.text,
            speaker="customer",
            source="chat",
            agent_id=task.agent_id if task is not None else None,
        )


def message_status(*, payload: dict, received_at: datetime) -> None:
    """Apply a sent message's delivery report (spooled when it cannot be stored now)."""
    try:
        with webhook_transaction():
            message_status_apply(payload=payload)
    except MessageRejected:
        raise
    except Exception:
        logger.exception("message status webhook failed: payload spooled")
        spool_safely(kind=SPOOL_MESSAGE_STATUS, payload=payload, received_at=received_at)


def replay_entry(entry: SpoolEntry) -> None:
    """Store a spooled payload, cleaned again: entries spooled before cleaning existed."""
    # Spooled with isoformat(): it parses (the clock is the fallback, never a lost entry).
    received_at = parse_datetime(entry.received_at) or timezone.now()
    with webhook_transaction():
        if entry.kind == SPOOL_MESSAGE:
            payload = inbound.message_inbound_clean(payload=entry.payload)
            message_store(payload=payload, received_at=received_at)
        elif entry.kind == SPOOL_MESSAGE_STATUS:
            message_status_apply(payload=inbound.message_status_clean(payload=entry.payload))
        elif entry.kind == SPOOL_ANSWER:
            payload = inbound.voice_answer_clean(payload=entry.payload)
            call_start(arrival=call_arrival(payload=payload, received_at=received_at))
        elif entry.kind == SPOOL_EVENT:
            payload = inbound.voice_event_clean(payload=entry.payload)
            event_store_and_apply(
                voice_event=read_voice_event(payload, received_at=received_at),
                received_at=received_at,
            )
        else:
            raise ValueError(f"unknown spool entry kind {entry.kind!r}")


def is_transient(error: Exception) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def replay_spool() -> tuple[int, int]:
    """Store what was spooled while the database was away. Returns (replayed, remaining)."""
    return spool_replay(replay_entry, is_transient=is_transient)
