"""Writes to the conversation core. Callers hold a transaction (webhooks.handlers)."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import Agent
from agents.selectors import agent_for_vonage_user
from callcentre.db import insert_unless_present
from callcentre.vonage.inbound import phone_number
from conversations import call_states, selectors
from conversations.events import VoiceEvent, parse_timestamp
from conversations.models import (
    Channel,
    Conversation,
    Customer,
    CustomerHandle,
    Event,
    Member,
    Message,
    Recording,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class StoredEvent:
    event: Event
    conversation: Conversation
    member: Member | None
    is_duplicate: bool
    # Created by this request: its row is the transaction's own, nobody else can see it yet.
    conversation_is_new: bool = False


def normalise_number(value: str) -> str:
    """E.164 digits without '+' or spaces, as Vonage sends them; '' when not a phone number."""
    return phone_number(value)


def customer_for_number(*, number: str) -> Customer | None:
    """The customer with this phone number, created when the number is new."""
    digits = normalise_number(number)
    if not digits:
        return None
    customer = selectors.customer_with_phone(digits=digits)
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            customer = Customer.objects.create()
            CustomerHandle.objects.create(
                customer=customer, kind=CustomerHandle.Kind.PHONE, value=digits
            )
            return customer
    except IntegrityError:
        # Another request created this caller at the same moment: use theirs.
        return selectors.customer_with_phone(digits=digits)


def conversation_new(
    *, conversation_uuid: str, payload: dict, started_at: datetime
) -> Conversation:
    """The conversation of a call we have not seen, with its customer, not yet saved."""
    direction = payload.get("direction") or Conversation.Direction.INBOUND
    from_address = str(payload.get("from") or payload.get("from_user") or "")
    customer = None
    if direction == Conversation.Direction.INBOUND and payload.get("from"):
        customer = customer_for_number(number=from_address)
    return Conversation(
        vonage_uuid=conversation_uuid,
        channel=Channel.VOICE,
        direction=direction,
        customer=customer,
        from_address=from_address,
        to_address=str(payload.get("to") or ""),
        started_at=started_at,
    )


def conversation_insert(conversation: Conversation) -> tuple[Conversation, bool]:
    """Store a new conversation; (the stored one, False) when its call was already stored."""
    if insert_unless_present(conversation, unique_field="vonage_uuid"):
        return conversation, True
    # Created at the same moment by another webhook of this call: use theirs.
    return Conversation.objects.get(vonage_uuid=conversation.vonage_uuid), False


def conversation_for_call(
    *, conversation_uuid: str, payload: dict, started_at: datetime
) -> tuple[Conversation, bool]:
    """The call's conversation, and True when this request created it."""
    conversation = Conversation.objects.filter(vonage_uuid=conversation_uuid).order_by().first()
    if conversation is not None:
        return conversation, False
    return conversation_insert(
        conversation_new(
            conversation_uuid=conversation_uuid, payload=payload, started_at=started_at
        )
    )


def member_kind_for_new_leg(
    *, conversation: Conversation, payload: dict, conversation_is_new: bool = False
) -> tuple[str, Agent | None]:
    """The first leg of a call is the customer's; later legs are agents or external parties."""
    if conversation_is_new or not conversation.members.filter(kind=Member.Kind.CUSTOMER).exists():
        return Member.Kind.CUSTOMER, None
    agent = agent_for_vonage_user(vonage_user=str(payload.get("to") or ""))
    if agent is not None:
        return Member.Kind.AGENT, agent
    return Member.Kind.EXTERNAL, None


def member_for_leg(
    *,
    conversation: Conversation,
    leg_uuid: str,
    payload: dict,
    conversation_is_new: bool = False,
) -> Member:
    """The leg's member, row-locked so that concurrent events on one leg apply one at a time.

    A leg of a conversation this request created cannot have a member yet (unless another
    webhook registered the leg meanwhile: the insert then finds it and theirs is used).
    """
    if not conversation_is_new:
        member = selectors.member_of_leg(leg_uuid=leg_uuid, lock=True)
        if member is not None:
            return member
    kind, agent = member_kind_for_new_leg(
        conversation=conversation, payload=payload, conversation_is_new=conversation_is_new
    )
    member = Member(
        conversation=conversation,
        kind=kind,
        agent=agent,
        channel=Channel.VOICE,
        leg_uuid=leg_uuid,
        from_address=str(payload.get("from") or payload.get("from_user") or ""),
        to_address=str(payload.get("to") or ""),
    )
    # Rows this transaction inserted are its own until it commits: no lock needed.
    if insert_unless_present(member, unique_field="leg_uuid"):
        return member
    registered = selectors.member_of_leg(leg_uuid=leg_uuid, lock=True)  # concurrently
    if registered is None:  # the row the insert ran into is gone again
        raise Member.DoesNotExist(f"the member of leg {leg_uuid} was inserted and removed")
    return registered


def event_store(
    *,
    conversation: Conversation,
    member: Member | None,
    voice_event: VoiceEvent,
    received_at: datetime,
    response: list[dict] | None = None,
) -> tuple[Event, bool]:
    """Store the raw event (with the NCCO it is answered with, when that is known already);
    (the stored event, True) when it was already there."""
    event = Event(
        conversation=conversation,
        member=member,
        kind=voice_event.kind,
        status=voice_event.status,
        leg_uuid=voice_event.leg_uuid,
        occurred_at=voice_event.occurred_at,
        received_at=received_at,
        dedupe_key=voice_event.dedupe_key,
        payload=voice_event.payload,
        response=response,
    )
    if insert_unless_present(event, unique_field="dedupe_key"):
        return event, False
    return Event.objects.get(dedupe_key=voice_event.dedupe_key), True


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


def member_add_agent_leg(*, conversation: Conversation, agent_id: int, leg_uuid: str) -> Member:
    """Register the leg we placed to an agent.

    Vonage may report the leg (`started`) before the create-call answer reaches us: its
    events then filed it as a call of its own. It is moved, with its events, into the
    customer's conversation, and the stray conversation goes.
    """
    member, created = Member.objects.get_or_create(
        leg_uuid=leg_uuid,
        defaults={
            "conversation": conversation,
            "kind": Member.Kind.AGENT,
            "agent_id": agent_id,
            "channel": Channel.VOICE,
        },
    )
    if created or member.conversation_id == conversation.pk:
        return member
    stray_id = member.conversation_id
    with transaction.atomic():
        # An UPDATE first: it takes the member's row lock (and SQLite's write lock) at once.
        Member.objects.filter(pk=member.pk).update(
            conversation=conversation, kind=Member.Kind.AGENT, agent_id=agent_id
        )
        Event.objects.filter(conversation_id=stray_id, leg_uuid=leg_uuid).update(
            conversation=conversation
        )
        Conversation.objects.filter(pk=stray_id, members__isnull=True, events__isnull=True).delete()
    member.refresh_from_db()
    return member


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


@dataclass(frozen=True, kw_only=True)
class CallArrival:
    """A call the answer webhook announces, before anything is stored: its conversation as it
    will be created (an event of the call may have come first: then that one is used) and
    the caller's leg."""

    conversation: Conversation
    conversation_uuid: str
    leg_uuid: str
    payload: dict
    received_at: datetime


def call_arrival(*, payload: dict, received_at: datetime) -> CallArrival:
    leg_uuid = str(payload.get("uuid") or "")
    conversation_uuid = str(payload.get("conversation_uuid") or f"unknown-{leg_uuid}")
    return CallArrival(
        conversation=conversation_new(
            conversation_uuid=conversation_uuid, payload=payload, started_at=received_at
        ),
        conversation_uuid=conversation_uuid,
        leg_uuid=leg_uuid,
        payload=payload,
        received_at=received_at,
    )


def call_start(
    *, arrival: CallArrival, ivr_state: dict | None = None, response: list[dict] | None = None
) -> StoredEvent:
    """The answer webhook: the conversation, the caller's member and the answer event.

    A new conversation is stored with `ivr_state` (the caller's place in the menus) and the
    answer event with `response` (the NCCO), so a new call costs three INSERTs. A conversation
    that was there already is returned as it is: the caller records the decision on it
    (conversation_record_ivr). A redelivered answer comes back with is_duplicate and the NCCO
    answered the first time.
    """
    conversation = arrival.conversation
    if ivr_state is not None:
        conversation.attributes = {**conversation.attributes, "ivr": ivr_state}
    conversation, is_new = conversation_insert(conversation)
    member = None
    if arrival.leg_uuid:
        member = member_for_leg(
            conversation=conversation,
            leg_uuid=arrival.leg_uuid,
            payload=arrival.payload,
            conversation_is_new=is_new,
        )
    event, is_duplicate = event_store(
        conversation=conversation,
        member=member,
        voice_event=VoiceEvent(
            kind=Event.Kind.ANSWER,
            status="",
            leg_uuid=arrival.leg_uuid,
            conversation_uuid=arrival.conversation_uuid,
            occurred_at=arrival.received_at,
            dedupe_key=answer_dedupe_key(
                leg_uuid=arrival.leg_uuid, conversation_uuid=arrival.conversation_uuid
            ),
            payload=arrival.payload,
        ),
        received_at=arrival.received_at,
        response=response,
    )
    return StoredEvent(
        event=event,
        conversation=conversation,
        member=member,
        is_duplicate=is_duplicate,
        conversation_is_new=is_new,
    )


def answer_dedupe_key(*, leg_uuid: str, conversation_uuid: str) -> str:
    return hashlib.sha256(f"answer|{conversation_uuid}|{leg_uuid}".encode()).hexdigest()


def conversation_record_ivr(
    *,
    conversation: Conversation,
    state: dict,
    response: list[dict],
    event: Event,
    choice: dict | None = None,
) -> None:
    """Keep the caller's place in the menus (and, for an input, their answer) on the
    conversation, and the NCCO on the answer or input event so a redelivery gets the same.

    The conversation is re-read under a row lock.
    """
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    ivr = dict(conversation.attributes.get("ivr") or {})
    ivr.update(state)
    if choice is not None:
        ivr["attempts"] = int(ivr.get("attempts", 0)) + 1
        ivr["choices"] = [*ivr.get("choices", []), choice]
    conversation.attributes = {**conversation.attributes, "ivr": ivr}
    conversation.save(update_fields=["attributes"])
    if event.response != response:  # an answer event may have been stored with its NCCO
        event.response = response
        event.save(update_fields=["response"])


# Messages (SMS, WhatsApp, Messenger, Viber) through the Messages API


# Vonage's channel names -> ours.
MESSAGE_CHANNELS = {
    "sms": Channel.SMS,
    "whatsapp": Channel.WHATSAPP,
    "messenger": Channel.MESSENGER,
    "viber_service": Channel.VIBER,
}
VONAGE_CHANNEL_NAMES: dict[str, str] = {ours: theirs for theirs, ours in MESSAGE_CHANNELS.items()}
# A message's delivery only moves forward; the failures are final.
MESSAGE_STATUS_RANK = {"submitted": 1, "delivered": 2, "read": 3, "rejected": 4, "undeliverable": 4}
# What of an inbound message is kept beside its text (media, replies, locations, ...).
MESSAGE_CONTENT_FIELDS = (
    "image",
    "audio",
    "video",
    "file",
    "vcard",
    "sticker",
    "location",
    "reply",
    "button",
    "content",
    "profile",
    "context",
)


class MessageRejected(ValueError):
    """An inbound message payload the centre cannot take, with the reason."""


def message_thread(
    *, channel: str, sender: str, recipient: str, occurred_at: datetime
) -> Conversation:
    """The customer's open conversation on this channel, or a new one."""
    conversation = selectors.message_thread_open(
        channel=channel, sender=sender, occurred_at=occurred_at
    )
    if conversation is not None:
        return conversation
    phone = channel in (Channel.SMS, Channel.WHATSAPP)
    return Conversation.objects.create(
        channel=channel,
        direction=Conversation.Direction.INBOUND,
        customer=customer_for_number(number=sender) if phone else None,
        from_address=sender,
        to_address=recipient,
        started_at=occurred_at,
    )


def message_receive(
    *, payload: dict, received_at: datetime, conversation: Conversation | None = None
) -> tuple[Message, bool]:
    """Store a customer's message once (Vonage's message_uuid), in their thread on that
    channel, or in the `conversation` it belongs to (the call a survey answer is about).
    Returns the message and whether it was there already (a redelivery)."""
    channel = MESSAGE_CHANNELS.get(str(payload.get("channel") or ""))
    if channel is None:
        raise MessageRejected(f"Unknown channel {payload.get('channel')!r}.")
    message_uuid = str(payload["message_uuid"])
    stored = Message.objects.filter(vonage_message_uuid=message_uuid).first()
    if stored is not None:
        return stored, True
    occurred_at = message_occurred_at(payload=payload, received_at=received_at)
    message = Message(
        conversation=conversation
        or message_thread(
            channel=channel,
            sender=str(payload.get("from") or ""),
            recipient=str(payload.get("to") or ""),
            occurred_at=occurred_at,
        ),
        direction=Message.Direction.INBOUND,
        channel=channel,
        vonage_message_uuid=message_uuid,
        message_type=str(payload.get("message_type") or "text")[:20],
        text=str(payload.get("text") or ""),
        content={key: payload[key] for key in MESSAGE_CONTENT_FIELDS if key in payload},
        status="received",
        occurred_at=occurred_at,
    )
    if insert_unless_present(message, unique_field="vonage_message_uuid"):
        return message, False
    return Message.objects.get(vonage_message_uuid=message_uuid), True


def message_occurred_at(*, payload: dict, received_at: datetime) -> datetime:
    """When the customer sent an inbound message (Vonage's timestamp, else its arrival)."""
    return parse_timestamp(payload.get("timestamp"), received_at)


def customer_lock(*, customer_id: int | None) -> None:
    """Hold the customer's row until the transaction ends, so that decisions about one
    customer made in several processes at once (their survey) are made one at a time."""
    if customer_id is not None:
        list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))


def message_send(
    *, conversation: Conversation, channel: str, to: str, from_: str, text: str
) -> Message:
    """Send a text through the Messages API and keep it on the conversation (VonageError
    when Vonage refuses it: nothing is stored then)."""
    from callcentre.vonage.client import get_client

    message_uuid = get_client().send_message(
        channel=VONAGE_CHANNEL_NAMES[channel],
        to=to,
        from_=from_,
        text=text,
        client_ref=f"conversation-{conversation.pk}",
    )
    return Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        channel=channel,
        vonage_message_uuid=message_uuid,
        text=text,
        status="",
        occurred_at=timezone.now(),
    )


def message_status_apply(*, payload: dict) -> bool:
    """A sent message's delivery report; False when it changes nothing (unknown message,
    a status out of order, a redelivery)."""
    status = str(payload.get("status") or "")
    rank = MESSAGE_STATUS_RANK.get(status)
    if rank is None:
        raise MessageRejected(f"Unknown message status {status!r}.")
    message = Message.objects.filter(vonage_message_uuid=str(payload["message_uuid"])).first()
    if message is None or MESSAGE_STATUS_RANK.get(message.status, 0) >= rank:
        return False
    Message.objects.filter(pk=message.pk).update(status=status)
    return True
