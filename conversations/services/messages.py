"""Messages (SMS, WhatsApp, Messenger, Viber) through the Messages API: a customer's
messages kept once in their thread, ours sent, delivery reports applied in order."""

from datetime import datetime

from django.utils import timezone

from callcentre.db import insert_unless_present
from callcentre.vonage.client import get_client
from conversations import selectors
from conversations.events import parse_timestamp
from conversations.models import (
    Channel,
    Conversation,
    Message,
)
from conversations.services.customers import customer_for_number

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


def message_send(
    *, conversation: Conversation, channel: str, to: str, from_: str, text: str
) -> Message:
    """Send a text through the Messages API and keep it on the conversation (VonageError
    when Vonage refuses it: nothing is stored then)."""
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
