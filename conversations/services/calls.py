"""A call's rows: its arrival and start (the conversation, the caller's leg and the answer
event, each inserted once), agents' legs, and the IVR's decisions recorded on it. Callers
hold a transaction (webhooks.handlers)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from agents.models import Agent
from agents.selectors import agent_for_vonage_user
from callcentre.db import insert_unless_present
from conversations import selectors
from conversations.events import VoiceEvent
from conversations.models import (
    Channel,
    Conversation,
    Event,
    Member,
    PlacedLegConversation,
)
from conversations.services.customers import customer_for_number


@dataclass(frozen=True, kw_only=True)
class StoredEvent:
    event: Event
    conversation: Conversation
    member: Member | None
    is_duplicate: bool
    # Created by this request: its row is the transaction's own, nobody else can see it yet.
    conversation_is_new: bool = False


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
    *, conversation_uuid: str, payload: dict, started_at: datetime, placed_leg: bool = False
) -> tuple[Conversation, bool]:
    """The call's conversation, and True when this request created it. `placed_leg`: the
    uuid may be that of a leg the centre placed into a call (an event naming no leg)."""
    conversation = Conversation.objects.filter(vonage_uuid=conversation_uuid).order_by().first()
    if conversation is not None:
        return conversation, False
    if placed_leg:
        alias = PlacedLegConversation.objects.filter(vonage_uuid=conversation_uuid).first()
        if alias is not None:
            return alias.conversation, False
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


def member_add_agent_leg(
    *,
    conversation: Conversation,
    agent_id: int | None,
    leg_uuid: str,
    kind: str = Member.Kind.AGENT,
    to_address: str = "",
    leg_conversation_uuid: str = "",
) -> Member:
    """Register a leg we placed into a call: an agent's, or with another `kind` a phone
    number call control brought in (external), a supervisor's phone (external too).

    Vonage may report the leg (`started`) before the create-call answer reaches us: its
    events then filed it as a call of its own. It is moved, with its events, into the
    customer's conversation, and the stray conversation goes.
    """
    if leg_conversation_uuid and leg_conversation_uuid != conversation.vonage_uuid:
        # What names only the leg's own conversation (a recording on it) finds the call.
        PlacedLegConversation.objects.get_or_create(
            vonage_uuid=leg_conversation_uuid, defaults={"conversation": conversation}
        )
    member, created = Member.objects.get_or_create(
        leg_uuid=leg_uuid,
        defaults={
            "conversation": conversation,
            "kind": kind,
            "agent_id": agent_id,
            "channel": Channel.VOICE,
            "to_address": to_address,
        },
    )
    if created or member.conversation_id == conversation.pk:
        return member
    stray_id = member.conversation_id
    with transaction.atomic():
        # An UPDATE first: it takes the member's row lock (and SQLite's write lock) at once.
        Member.objects.filter(pk=member.pk).update(
            conversation=conversation, kind=kind, agent_id=agent_id
        )
        Event.objects.filter(conversation_id=stray_id, leg_uuid=leg_uuid).update(
            conversation=conversation
        )
        Conversation.objects.filter(pk=stray_id, members__isnull=True, events__isnull=True).delete()
    member.refresh_from_db()
    return member


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


def conversation_set_attributes(*, conversation: Conversation, **values: object) -> Conversation:
    """Set keys of the conversation's attributes (the caller's room after a transfer, their
    answer to the recording notice), on a row-locked read: others' keys stay as they are."""
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    locked.attributes = {**locked.attributes, **values}
    locked.save(update_fields=["attributes"])
    conversation.attributes = locked.attributes
    return conversation
