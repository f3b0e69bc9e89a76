"""Chats: a customer's SMS waits for an agent, is offered, accepted, answered and closed."""

import pytest
from django.test import Client
from django.utils import timezone

from agents.models import Agent
from conversations.models import Conversation, Message
from conversations.tests import payloads
from routing.models import Offer, Task
from routing.offers import offer_accept
from routing.queueing import task_enqueue
from routing.tests.factories import QueueFactory, available_agent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def support():
    return QueueFactory(name="Support", wrap_up_seconds=15)  # MESSAGES_QUEUE's default


@pytest.fixture
def carol(support):
    return available_agent("Carol", skills={})


@pytest.fixture
def carol_client(carol) -> Client:
    client = Client()
    client.force_login(carol.user)
    return client


def customer_writes(vonage, text: str) -> None:
    """The customer's SMS, stamped now (the thread is in the order things happen)."""
    sms = {**payloads.inbound_sms(text), "timestamp": timezone.now().isoformat()}
    assert vonage.post("/webhooks/inbound-message", sms).status_code == 200


def accepted_chat(vonage, carol_client) -> dict:
    customer_writes(vonage, "My invoice is wrong")
    [offer] = carol_client.get("/api/agent/").json()["offers"]
    assert carol_client.post(f"/api/agent/offers/{offer['id']}/accept").status_code == 200
    [task] = carol_client.get("/api/agent/").json()["tasks"]
    return task


def test_a_customers_sms_is_offered_to_an_agent_with_what_they_wrote(vonage, carol_client, carol):
    customer_writes(vonage, "My invoice is wrong")

    [offer] = carol_client.get("/api/agent/").json()["offers"]

    assert (offer["queue"], offer["channel"], offer["last_message"]) == (
        "Support",
        "sms",
        "My invoice is wrong",
    )
    assert offer["customer"]["number"] == payloads.CALLER_NUMBER
    assert Agent.objects.get(pk=carol.pk).chat_load == 1


def test_the_agent_reads_the_thread_replies_and_the_customer_gets_it(
    vonage, vonage_api, carol_client
):
    task = accepted_chat(vonage, carol_client)

    reply = carol_client.post(
        f"/api/agent/tasks/{task['id']}/reply", {"text": "Sorry about that, let me check."}
    )
    customer_writes(vonage, "Thanks")
    [held] = carol_client.get("/api/agent/").json()["tasks"]

    assert reply.status_code == 201
    assert [(m["direction"], m["text"]) for m in held["messages"]] == [
        ("inbound", "My invoice is wrong"),
        ("outbound", "Sorry about that, let me check."),
        ("inbound", "Thanks"),
    ]
    [sent] = [r.body for r in vonage_api.received if r.path == "/v1/messages"]
    assert (sent["channel"], sent["to"], sent["from"], sent["text"]) == (
        "sms",
        payloads.CALLER_NUMBER,
        payloads.CENTRE_NUMBER,
        "Sorry about that, let me check.",
    )
    assert Task.objects.count() == 1  # the customer's next message stays in the same chat


def test_closing_the_chat_ends_the_thread_and_the_next_message_is_a_new_chat(
    vonage, vonage_api, carol_client, carol
):
    task = accepted_chat(vonage, carol_client)

    closed = carol_client.post(f"/api/agent/tasks/{task['id']}/close")
    customer_writes(vonage, "One more thing")

    assert closed.status_code == 204
    assert Task.objects.get(pk=task["id"]).state == Task.State.COMPLETED
    assert Agent.objects.get(pk=carol.pk).wrap_up_until is not None
    first, second = Conversation.objects.order_by("pk")
    assert (first.state, second.state) == ("ended", "active")
    assert [m.text for m in second.messages.all()] == ["One more thing"]
    assert Task.objects.filter(conversation=second, state__in=["queued", "offered"]).exists()


def test_chat_actions_refuse_what_is_not_the_agents_chat(vonage, vonage_api, carol_client, support):
    task = accepted_chat(vonage, carol_client)
    dave = Client()
    dave.force_login(available_agent("Dave", skills={}).user)

    empty = carol_client.post(f"/api/agent/tasks/{task['id']}/reply", {"text": ""})
    theirs = dave.post(f"/api/agent/tasks/{task['id']}/reply", {"text": "Hi"})
    theirs_closed = dave.post(f"/api/agent/tasks/{task['id']}/close")

    assert (empty.status_code, empty.json()) == (400, {"text": ["This field may not be blank."]})
    assert (theirs.status_code, theirs_closed.status_code) == (404, 404)
    assert not Message.objects.filter(direction="outbound").exists()
    assert Task.objects.get(pk=task["id"]).state == Task.State.ASSIGNED


def test_a_call_cannot_be_replied_to_or_closed_as_a_chat(
    vonage, vonage_api, billing, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call = payloads.new_call()
    vonage.get("/webhooks/answer", payloads.answer(call))
    conversation = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    task_enqueue(conversation=conversation, queue=billing)
    offer_accept(offer_id=Offer.objects.get().pk, agent=bob)
    client = Client()
    client.force_login(bob.user)
    task = Task.objects.get()

    reply = client.post(f"/api/agent/tasks/{task.pk}/reply", {"text": "Hi"})
    close = client.post(f"/api/agent/tasks/{task.pk}/close")

    assert (reply.status_code, reply.json()) == (
        409,
        {"detail": "This is a call: it ends when a leg hangs up."},
    )
    assert close.status_code == 409
    assert Task.objects.get().state == Task.State.ASSIGNED


def test_with_no_messages_queue_messages_are_only_stored(vonage, settings, support):
    settings.MESSAGES_QUEUE = ""

    customer_writes(vonage, "Hello?")

    assert Message.objects.count() == 1
    assert not Task.objects.exists()


def test_a_reply_vonage_refuses_is_a_502_with_the_reason_and_is_not_kept(
    vonage, vonage_api, carol_client
):
    task = accepted_chat(vonage, carol_client)
    vonage_api.answers[("POST", "/v1/messages")] = (
        422,
        {"type": "https://developer.vonage.com/api-errors#invalid-param", "title": "Invalid"},
    )

    response = carol_client.post(f"/api/agent/tasks/{task['id']}/reply", {"text": "Hello"})

    assert response.status_code == 502
    assert response.json()["detail"].startswith("Vonage did not take it: 422")
    assert not Message.objects.filter(direction="outbound").exists()
