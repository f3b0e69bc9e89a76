"""Writes to the conversation core. Callers hold a transaction (conversations.webhooks)."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from agents.selectors import agent_for_vonage_user
from conversations import call_states
from conversations.events import VoiceEvent, parse_timestamp
from conversations.models import (
    Channel,
    Conversation,
    Customer,
    CustomerHandle,
    Event,
    Member,
    Recording,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class StoredEvent:
    event: Event
    conversation: Conversation
    member: Member | None
    is_duplicate: bool


def normalise_number(value: str) -> str:
    """E.164 digits without '+' or spaces, as Vonage sends them."""
    return "".join(character for character in value if character.isdigit())


def customer_for_number(*, number: str) -> Customer | None:
    digits = normalise_number(number)
    if not digits:
        return None
    handle = (
        CustomerHandle.objects.select_related("customer")
        .filter(kind=CustomerHandle.Kind.PHONE, value=digits)
        .first()
    )
    if handle is not None:
        return handle.customer
    try:
        with transaction.atomic():
            customer = Customer.objects.create()
            CustomerHandle.objects.create(
                customer=customer, kind=CustomerHandle.Kind.PHONE, value=digits
            )
            return customer
    except IntegrityError:
        # Another request created this caller at the same moment: use theirs.
        return CustomerHandle.objects.get(kind=CustomerHandle.Kind.PHONE, value=digits).customer


def conversation_for_call(
    *, conversation_uuid: str, payload: dict, started_at: datetime
) -> Conversation:
    conversation = Conversation.objects.filter(vonage_uuid=conversation_uuid).first()
    if conversation is not None:
        return conversation
    direction = payload.get("direction") or Conversation.Direction.INBOUND
    from_address = str(payload.get("from") or payload.get("from_user") or "")
    customer = None
    if direction == Conversation.Direction.INBOUND and payload.get("from"):
        customer = customer_for_number(number=from_address)
    conversation, _ = Conversation.objects.get_or_create(
        vonage_uuid=conversation_uuid,
        defaults={
            "channel": Channel.VOICE,
            "direction": direction,
            "customer": customer,
            "from_address": from_address,
            "to_address": str(payload.get("to") or ""),
            "started_at": started_at,
        },
    )
    return conversation


def member_kind_for_new_leg(*, conversation: Conversation, payload: dict) -> tuple[str, object]:
    """The first leg of a call is the customer's; later legs are agents or external parties."""
    if not conversation.members.filter(kind=Member.Kind.CUSTOMER).exists():
        return Member.Kind.CUSTOMER, None
    agent = agent_for_vonage_user(vonage_user=str(payload.get("to") or ""))
    if agent is not None:
        return Member.Kind.AGENT, agent
    return Member.Kind.EXTERNAL, None


def member_for_leg(*, conversation: Conversation, leg_uuid: str, payload: dict) -> Member:
    """The leg's member, row-locked so that concurrent events on one leg apply one at a time."""
    member = Member.objects.select_for_update().filter(leg_uuid=leg_uuid).first()
    if member is not None:
        return member
    kind, agent = member_kind_for_new_leg(conversation=conversation, payload=payload)
    try:
        with transaction.atomic():
            Member.objects.create(
                conversation=conversation,
                kind=kind,
                agent=agent,
                channel=Channel.VOICE,
                leg_uuid=leg_uuid,
                from_address=str(payload.get("from") or payload.get("from_user") or ""),
                to_address=str(payload.get("to") or ""),
            )
    except IntegrityError:
        pass  # created concurrently by another event on this leg
    return Member.objects.select_for_update().get(leg_uuid=leg_uuid)


def event_store(
    *,
    conversation: Conversation,
    member: Member | None,
    voice_event: VoiceEvent,
    received_at: datetime,
) -> tuple[Event, bool]:
    """Store the raw event; (the stored event, True) when it was already there."""
    try:
        with transaction.atomic():
            event = Event.objects.create(
                conversation=conversation,
                member=member,
                kind=voice_event.kind,
                status=voice_event.status,
                leg_uuid=voice_event.leg_uuid,
                occurred_at=voice_event.occurred_at,
                received_at=received_at,
                dedupe_key=voice_event.dedupe_key,
                payload=voice_event.payload,
            )
            return event, False
    except IntegrityError:
        return Event.objects.get(dedupe_key=voice_event.dedupe_key), True


def decimal_or_none(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def leg_set_status(*, member: Member, status: str, payload: dict, occurred_at: datetime) -> bool:
    """The one guarded setter of a leg's call status. False when the move is not allowed."""
    if not call_states.can_move(member.call_status, status):
        return False
    member.call_status = status
    member.call_status_detail = str(payload.get("detail") or "")[:40]
    if status == call_states.CallStatus.ANSWERED:
        member.state = Member.State.JOINED
        member.joined_at = occurred_at
    if status in call_states.ENDING_STATUSES:
        member.state = Member.State.LEFT
        member.left_at = parse_timestamp(payload.get("end_time"), occurred_at)
    if status == call_states.CallStatus.COMPLETED:
        member.joined_at = member.joined_at or parse_timestamp(payload.get("start_time"), None)
        member.duration_seconds = int_or_none(payload.get("duration"))
        member.rate = decimal_or_none(payload.get("rate"))
        member.price = decimal_or_none(payload.get("price"))
        member.network = str(payload.get("network") or "")[:40]
        member.disconnected_by = str(payload.get("disconnected_by") or "")[:20]
    member.save()
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
    conversation = conversation_for_call(
        conversation_uuid=voice_event.conversation_uuid or f"unknown-{voice_event.leg_uuid}",
        payload=payload,
        started_at=voice_event.occurred_at,
    )
    member = None
    if voice_event.leg_uuid and voice_event.kind in (Event.Kind.STATUS, Event.Kind.INPUT):
        member = member_for_leg(
            conversation=conversation, leg_uuid=voice_event.leg_uuid, payload=payload
        )
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


def call_start(*, payload: dict, received_at: datetime) -> Conversation:
    """The answer webhook: the conversation, the caller's member and the answer event."""
    leg_uuid = str(payload.get("uuid") or "")
    conversation_uuid = str(payload.get("conversation_uuid") or f"unknown-{leg_uuid}")
    conversation = conversation_for_call(
        conversation_uuid=conversation_uuid, payload=payload, started_at=received_at
    )
    member = None
    if leg_uuid:
        member = member_for_leg(conversation=conversation, leg_uuid=leg_uuid, payload=payload)
    event_store(
        conversation=conversation,
        member=member,
        voice_event=VoiceEvent(
            kind=Event.Kind.ANSWER,
            status="",
            leg_uuid=leg_uuid,
            conversation_uuid=conversation_uuid,
            occurred_at=received_at,
            dedupe_key=answer_dedupe_key(leg_uuid=leg_uuid, conversation_uuid=conversation_uuid),
            payload=payload,
        ),
        received_at=received_at,
    )
    return conversation


def answer_dedupe_key(*, leg_uuid: str, conversation_uuid: str) -> str:
    return hashlib.sha256(f"answer|{conversation_uuid}|{leg_uuid}".encode()).hexdigest()


def conversation_record_ivr(
    *, conversation: Conversation, choice: dict, response: list[dict], event: Event
) -> None:
    """Keep the caller's menu choices on the conversation and the answer on the event."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    ivr = dict(conversation.attributes.get("ivr") or {})
    ivr["attempts"] = int(ivr.get("attempts", 0)) + 1
    ivr.setdefault("choices", []).append(choice)
    if choice.get("queue"):
        ivr["queue"] = choice["queue"]
        ivr["queue_id"] = choice["queue_id"]
    conversation.attributes = {**conversation.attributes, "ivr": ivr}
    conversation.save(update_fields=["attributes"])
    event.response = response
    event.save(update_fields=["response"])


def ivr_attempts(*, conversation: Conversation) -> int:
    return int((conversation.attributes.get("ivr") or {}).get("attempts", 0))
