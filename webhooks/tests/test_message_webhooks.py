"""The Messages API's webhooks: a customer's messages, and the delivery of ours."""

import pytest
from django.utils import timezone

from callcentre.spool import spool_entries
from conversations.models import Conversation, Customer, Message
from conversations.tests import payloads
from webhooks import handlers

pytestmark = pytest.mark.django_db


def test_an_sms_is_stored_once_in_the_customers_thread(vonage):
    sms = payloads.inbound_sms("Hello, is my order on its way?")

    first = vonage.post("/webhooks/inbound-message", sms)
    again = vonage.post("/webhooks/inbound-message", sms)  # Vonage retries

    assert (first.status_code, first.content) == (200, b"")
    assert again.status_code == 200
    message = Message.objects.get()
    assert (message.direction, message.channel, message.text, message.status) == (
        "inbound",
        "sms",
        "Hello, is my order on its way?",
        "received",
    )
    conversation = message.conversation
    assert (conversation.channel, conversation.from_address, conversation.to_address) == (
        "sms",
        payloads.CALLER_NUMBER,
        payloads.CENTRE_NUMBER,
    )
    assert conversation.customer.handles.get().value == payloads.CALLER_NUMBER


def test_the_next_messages_join_the_thread_and_another_channel_has_its_own(vonage):
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("Hello", seconds=0))
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("Anyone?", seconds=60))
    whatsapp = {**payloads.inbound_sms("Hi on WhatsApp", seconds=90), "channel": "whatsapp"}
    whatsapp["profile"] = {"name": "Ada"}
    vonage.post("/webhooks/inbound-message", whatsapp)

    sms_thread, whatsapp_thread = Conversation.objects.order_by("pk")
    assert [m.text for m in sms_thread.messages.all()] == ["Hello", "Anyone?"]
    assert [m.text for m in whatsapp_thread.messages.all()] == ["Hi on WhatsApp"]
    assert whatsapp_thread.messages.get().content == {"profile": {"name": "Ada"}}
    assert Customer.objects.count() == 1  # one person, two channels


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"channel": "pigeon"}, "Unknown channel 'pigeon'."),
        ({"from": ""}, "Missing required field(s): from."),
        ({"message_uuid": ""}, "Missing required field(s): message_uuid."),
    ],
)
def test_a_message_the_centre_cannot_take_is_a_400_with_the_reason(vonage, change, reason):
    response = vonage.post("/webhooks/inbound-message", {**payloads.inbound_sms("Hi"), **change})

    assert (response.status_code, response.json()) == (400, {"detail": reason})
    assert not Message.objects.exists() and not Conversation.objects.exists()


def test_an_unsigned_or_forged_message_is_refused(client, vonage):
    unsigned = client.post(
        "/webhooks/inbound-message", payloads.inbound_sms("Hi"), content_type="application/json"
    )
    forged = vonage.post(
        "/webhooks/inbound-message", payloads.inbound_sms("Hi"), secret="not-the-secret" * 3
    )

    assert (unsigned.status_code, forged.status_code) == (401, 401)
    assert not Message.objects.exists()


def sent_message() -> Message:
    conversation = Conversation.objects.create(
        channel="sms", from_address=payloads.CALLER_NUMBER, started_at=timezone.now()
    )
    return Message.objects.create(
        conversation=conversation,
        direction="outbound",
        channel="sms",
        vonage_message_uuid="b1c2d3e4-0000-4000-8000-000000000001",
        text="How did we do?",
        occurred_at=timezone.now(),
    )


def test_delivery_reports_move_a_message_forward_only(vonage):
    message = sent_message()
    uuid = message.vonage_message_uuid

    for status_name in ("submitted", "delivered", "submitted"):  # the last one arrives late
        response = vonage.post(
            "/webhooks/message-status", payloads.message_status(uuid, status_name)
        )
        assert response.status_code == 200

    message.refresh_from_db()
    assert message.status == "delivered"


def test_an_unknown_status_is_a_400_and_changes_nothing(vonage):
    message = sent_message()

    response = vonage.post(
        "/webhooks/message-status", payloads.message_status(message.vonage_message_uuid, "lost")
    )

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Unknown message status 'lost'."},
    )
    message.refresh_from_db()
    assert message.status == ""


def test_messages_that_arrive_while_the_database_is_down_are_spooled_and_replayed(
    vonage, database_down, settings, tmp_path
):
    settings.SPOOL_DIR = tmp_path / "spool"  # this test's own
    sms = payloads.inbound_sms("Are you there?")

    response = vonage.post("/webhooks/inbound-message", sms)
    assert response.status_code == 200  # kept: Vonage need not send it again
    assert [entry.kind for entry in spool_entries()] == ["inbound-message"]
    database_down.restore()
    replayed, remaining = handlers.replay_spool()

    assert (replayed, remaining) == (1, 0)
    assert Message.objects.get().vonage_message_uuid == sms["message_uuid"]
