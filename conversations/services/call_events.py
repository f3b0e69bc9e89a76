"""A voice event applied: stored once, then its effects on the leg (through the leg's
state machine, conversations.call_states), the conversation and its recordings. Callers
hold a transaction (webhooks.handlers)."""

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation

from conversations import call_states, selectors
from conversations.events import VoiceEvent, parse_timestamp
from conversations.models import (
    Conversation,
    Event,
    Member,
    Recording,
)
from conversations.services.calls import (
    StoredEvent,
    conversation_for_call,
    event_store,
    member_for_leg,
)

logger = logging.getLogger(__name__)


def decimal_or_none(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def int_or_none(value: object) -> int | None:
    if not isinstance(value, str | int | float) or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return None


def leg_set_status(*, member: Member, status: str, payload: dict, occurred_at: datetime) -> bool:
    """The one guarded setter of a leg's call status. False when the move is not allowed."""
    if not call_states.can_move(member.call_status, status):
        return False
    member.call_status = status
    member.call_status_detail = str(payload.get("detail") or "")[:40]
    changed = ["call_status", "call_status_detail"]
    if status == call_states.CallStatus.ANSWERED:
        member.state = Member.State.JOINED
        member.joined_at = occurred_at
        changed += ["state", "joined_at"]
    if status in call_states.ENDING_STATUSES:
        member.state = Member.State.LEFT
        member.left_at = parse_timestamp(payload.get("end_time"), occurred_at)
        changed += ["state", "left_at"]
    if status == call_states.CallStatus.COMPLETED:
        member.joined_at = member.joined_at or parse_timestamp(payload.get("start_time"), None)
        member.duration_seconds = int_or_none(payload.get("duration"))
        member.rate = decimal_or_none(payload.get("rate"))
        member.price = decimal_or_none(payload.get("price"))
        member.network = str(payload.get("network") or "")[:40]
        member.disconnected_by = str(payload.get("disconnected_by") or "")[:20]
        changed += [
            "joined_at",
            "duration_seconds",
            "rate",
            "price",
            "network",
            "disconnected_by",
        ]
    member.save(update_fields=sorted(set(changed)))
    return True


def conversation_follow_customer_leg(*, conversation: Conversation, member: Member) -> None:
    """The call is answered and ends with the customer's leg."""
    if member.kind != Member.Kind.CUSTOMER:
        return
    changed = []
    if member.joined_at and conversation.answered_at is None:
        conversation.answered_at = member.joined_at
        changed.append("answered_at")
    if member.call_status in call_states.ENDING_STATUSES:
        if conversation.state != Conversation.State.ENDED:
            conversation.state = Conversation.State.ENDED
            conversation.ended_at = member.left_at
            changed += ["state", "ended_at"]
        if member.duration_seconds is not None and conversation.duration_seconds is None:
            conversation.duration_seconds = member.duration_seconds
            changed.append("duration_seconds")
    if changed:
        conversation.save(update_fields=changed)


def recording_store(*, conversation: Conversation, payload: dict, occurred_at: datetime) -> None:
    Recording.objects.get_or_create(
        recording_uuid=str(payload["recording_uuid"]),
        defaults={
            "conversation": conversation,
            "vonage_url": str(payload.get("recording_url") or ""),
            "size_bytes": int_or_none(payload.get("size")),
            "started_at": parse_timestamp(payload.get("start_time"), None),
            "ended_at": parse_timestamp(payload.get("end_time"), occurred_at),
        },
    )


def event_apply(*, voice_event: VoiceEvent, received_at: datetime) -> StoredEvent:
    """Store a voice event first, then apply it once; a redelivered event changes nothing."""
    payload = voice_event.payload
    # A leg we placed ourselves (an agent's) belongs to the customer's conversation,
    # whatever conversation_uuid Vonage reports for it.
    takes_member = voice_event.kind in (Event.Kind.STATUS, Event.Kind.INPUT)
    member = None
    if voice_event.leg_uuid:
        member = selectors.member_of_leg(leg_uuid=voice_event.leg_uuid, lock=takes_member)
    if member is not None:
        conversation = member.conversation
        if not takes_member:
            member = None
    else:
        conversation, is_new = conversation_for_call(
            conversation_uuid=voice_event.conversation_uuid or f"unknown-{voice_event.leg_uuid}",
            payload=payload,
            started_at=voice_event.occurred_at,
            placed_leg=not voice_event.leg_uuid,
        )
        if voice_event.leg_uuid and takes_member:
            member = member_for_leg(
                conversation=conversation,
                leg_uuid=voice_event.leg_uuid,
                payload=payload,
                conversation_is_new=is_new,
            )
            if member.conversation_id != conversation.pk:
                # The leg was registered meanwhile, in the call it belongs to (an agent's leg:
                # member_add_agent_leg). Its events go there; the conversation made for it goes.
                if is_new:
                    conversation.delete()
                conversation = member.conversation
    event, is_duplicate = event_store(
        conversation=conversation, member=member, voice_event=voice_event, received_at=received_at
    )
    if not is_duplicate:
        apply_effects(conversation=conversation, member=member, voice_event=voice_event)
    return StoredEvent(
        event=event, conversation=conversation, member=member, is_duplicate=is_duplicate
    )


def apply_effects(
    *, conversation: Conversation, member: Member | None, voice_event: VoiceEvent
) -> None:
    status = voice_event.status
    if voice_event.kind == Event.Kind.STATUS and member is not None:
        if status in call_states.MACHINE_DETECTION_STATUSES:
            if not member.machine_detection:
                member.machine_detection = status
                member.save(update_fields=["machine_detection"])
        elif call_states.is_known(status):
            moved = leg_set_status(
                member=member,
                status=status,
                payload=voice_event.payload,
                occurred_at=voice_event.occurred_at,
            )
            if moved:
                conversation_follow_customer_leg(conversation=conversation, member=member)
    elif voice_event.kind == Event.Kind.RECORD and voice_event.payload.get("recording_uuid"):
        recording_store(
            conversation=conversation,
            payload=voice_event.payload,
            occurred_at=voice_event.occurred_at,
        )
    elif voice_event.kind == Event.Kind.ERROR:
        logger.warning(
            "Vonage reported an error on %s: %s",
            conversation.vonage_uuid,
            voice_event.payload.get("reason"),
        )
