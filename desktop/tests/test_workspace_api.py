"""The workspace API: the customer panel and history (with the access rule and the audit
trail), corrections, wrap-up, the agent's queues and day, canned replies, media."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from callcentre.tests.helpers import agent_client
from compliance.models import AuditEntry
from conversations.models import Conversation, Customer, Message
from routing.models import CannedReply, DispositionCode, Offer, Task
from routing.offers import offer_reject
from routing.queueing import task_enqueue
from routing.tests.factories import ConversationFactory, QueueFactory, available_agent
from workspace.tests.helpers import (
    NUMBER,
    customer_with_number,
    finished_chat,
    held_chat,
    offered_chat,
    past_contact,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def billing():
    queue = QueueFactory(name="Billing", wrap_up_seconds=60, disposition_required=True)
    DispositionCode.objects.create(queue=queue, code="refund", label="Refund agreed")
    DispositionCode.objects.create(queue=queue, code="explained", label="Bill explained")
    return queue


@pytest.fixture
def sarah():
    return customer_with_number("Sarah Johnson", is_vip=True, account_value=Decimal("4200.00"))


@pytest.fixture
def bob(billing):
    return available_agent("Bob", skills={})


@pytest.fixture
def alice(billing):
    return available_agent("Alice", skills={}, status="offline")


def audited(customer: Customer, where: str) -> int:
    return AuditEntry.objects.filter(
        kind=AuditEntry.Kind.CUSTOMER, object_id=str(customer.pk), where=where
    ).count()


def test_the_offer_shows_the_customer_panel_with_history_and_how_they_came_in(
    bob, alice, billing, sarah
):
    past_contact(
        customer=sarah,
        queue=billing,
        agent=alice,
        days_ago=90,
        disposition="explained",
        notes="Explained the roaming charges",
        follow_up_on=timezone.localdate() + timedelta(days=2),
    )
    past_contact(customer=sarah, queue=billing, agent=None, days_ago=30, channel="whatsapp")
    task = offered_chat(agent=bob, queue=billing, customer=sarah)
    Conversation.objects.filter(pk=task.conversation_id).update(
        intent="billing_dispute",
        intent_confidence=0.91,
        sentiment=-0.6,
        attributes={
            "ivr": {
                "choices": [{"menu_id": None, "digits": "2", "speech": "", "queue": "Billing"}]
            },
            "speech": [{"text": "my bill is wrong", "confidence": 0.9}],
        },
    )

    response = agent_client(bob).get(f"/api/agent/contacts/{task.pk}/customer")

    assert response.status_code == 200
    panel = response.json()
    assert panel["customer"]["name"] == "Sarah Johnson"
    assert panel["customer"]["is_vip"] is True
    assert panel["customer"]["account_value"] == "4200.00"
    assert panel["customer"]["handles"] == [{"kind": "phone", "value": NUMBER}]
    arrival = panel["arrival"]
    assert (arrival["called"], arrival["ivr"][0]["digits"], arrival["speech"]) == (
        "447700900000",
        "2",
        ["my bill is wrong"],
    )
    assert (arrival["intent"], arrival["sentiment_label"]) == ("billing_dispute", "Negative")
    assert panel["previous"]["count"] == 2
    newest, oldest = panel["previous"]["recent"]
    assert (newest["channel"], newest["outcome"], newest["agent"]) == ("whatsapp", "Abandoned", "")
    assert (oldest["queue"], oldest["agent"], oldest["disposition_label"]) == (
        "Billing",
        "Alice",
        "Bill explained",
    )
    # Sarah is Bob's now (offered to him): he reads Alice's notes on her.
    assert oldest["notes"] == "Explained the roaming charges"
    assert [f["on"] for f in panel["follow_ups"]] == [str(timezone.localdate() + timedelta(days=2))]
    assert panel["can_edit"] is True
    assert audited(sarah, "customer panel") == 1


def test_an_agent_never_sees_a_customer_of_a_contact_they_were_not_offered(
    bob, alice, billing, sarah
):
    task = past_contact(customer=sarah, queue=billing, agent=alice, days_ago=1, notes="secret")

    panel = agent_client(bob).get(f"/api/agent/contacts/{task.pk}/customer")
    history = agent_client(bob).get(f"/api/agent/customers/{sarah.pk}/history")
    edit = agent_client(bob).patch(
        f"/api/agent/customers/{sarah.pk}", {"name": "X"}, content_type="application/json"
    )

    assert (panel.status_code, history.status_code, edit.status_code) == (404, 404, 404)
    assert Customer.objects.get(pk=sarah.pk).name == "Sarah Johnson"
    assert AuditEntry.objects.filter(object_id=str(sarah.pk)).count() == 0


def test_once_the_customer_is_no_longer_theirs_an_agent_reads_only_their_own_notes(
    bob, alice, billing, sarah
):
    past_contact(customer=sarah, queue=billing, agent=alice, days_ago=5, notes="Alice's note")
    past_contact(customer=sarah, queue=billing, agent=bob, days_ago=3, notes="Bob's note")
    offered = offered_chat(agent=bob, queue=billing, customer=sarah)
    offer_reject(offer_id=Offer.objects.get(task=offered).pk, agent=bob)  # no longer his

    response = agent_client(bob).get(f"/api/agent/customers/{sarah.pk}/history")

    assert response.status_code == 200
    assert response.json()["count"] == 3  # the two calls and the chat offered
    notes = {
        row["agent"]: (row["notes"], row["notes_hidden"])
        for row in response.json()["contacts"]
        if row["agent"]
    }
    assert notes == {"Alice": (None, True), "Bob": ("Bob's note", False)}
    assert audited(sarah, "customer history") == 1


def test_the_agent_corrects_the_name_and_email_of_their_customer_audited(bob, billing, sarah):
    held_chat(agent=bob, queue=billing, customer=sarah)

    response = agent_client(bob).patch(
        f"/api/agent/customers/{sarah.pk}",
        {"name": "Sarah Johnston", "email": "sarah@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 200
    sarah.refresh_from_db()
    assert (sarah.name, sarah.email) == ("Sarah Johnston", "sarah@example.com")
    change = AuditEntry.objects.get(kind=AuditEntry.Kind.CUSTOMER_CHANGE)
    assert (change.object_id, change.where, change.username) == (
        str(sarah.pk),
        "desktop: name, email",
        bob.user.username,
    )


def test_a_bad_correction_is_refused_and_changes_nothing(bob, billing, sarah):
    held_chat(agent=bob, queue=billing, customer=sarah)

    bad_email = agent_client(bob).patch(
        f"/api/agent/customers/{sarah.pk}",
        {"email": "not an email"},
        content_type="application/json",
    )
    nothing = agent_client(bob).patch(
        f"/api/agent/customers/{sarah.pk}", {}, content_type="application/json"
    )

    assert bad_email.status_code == 400 and "email" in bad_email.json()
    assert nothing.status_code == 400
    sarah.refresh_from_db()
    assert (sarah.name, sarah.email) == ("Sarah Johnson", "")
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.CUSTOMER_CHANGE).exists()


def test_a_past_customer_cannot_be_corrected(bob, billing, sarah):
    past_contact(customer=sarah, queue=billing, agent=bob, days_ago=3)

    response = agent_client(bob).patch(
        f"/api/agent/customers/{sarah.pk}", {"name": "X"}, content_type="application/json"
    )

    assert response.status_code == 409
    assert Customer.objects.get(pk=sarah.pk).name == "Sarah Johnson"


def test_wrap_up_through_the_api_refused_then_saved_then_ready(bob, billing, sarah):
    task = finished_chat(agent=bob, queue=billing, customer=sarah)
    client = agent_client(bob)

    state = client.get("/api/agent/workspace").json()
    refused_ready = client.post("/api/agent/wrap-up/end")
    refused_save = client.post(f"/api/agent/wrap-ups/{task.pk}", {"notes": "n"})
    saved = client.post(
        f"/api/agent/wrap-ups/{task.pk}", {"disposition": "refund", "notes": "Refund of £20"}
    )
    ready = client.post("/api/agent/wrap-up/end")

    [pending] = state["wrap_ups"]
    assert (pending["task_id"], pending["customer"], pending["disposition_required"]) == (
        task.pk,
        "Sarah Johnson",
        True,
    )
    assert [code["code"] for code in pending["dispositions"]] == ["explained", "refund"]
    assert refused_ready.status_code == 409
    assert "Choose a disposition" in refused_ready.json()["detail"]
    assert refused_save.status_code == 400
    assert refused_save.json() == {"disposition": ["Billing requires a disposition: choose one."]}
    assert saved.status_code == 204
    assert ready.status_code == 200
    assert client.get("/api/agent/workspace").json()["wrap_ups"] == []
    conversation = Conversation.objects.get(pk=task.conversation_id)
    assert (conversation.disposition, conversation.wrap_up_notes) == ("refund", "Refund of £20")


def test_the_supervisors_conversation_api_shows_the_wrap_up(admin_client, bob, billing, sarah):
    task = past_contact(
        customer=sarah, queue=billing, agent=bob, days_ago=1, disposition="refund", notes="Done"
    )

    body = admin_client.get(f"/api/conversations/{task.conversation_id}/").json()

    assert (body["disposition"], body["wrap_up_notes"]) == ("refund", "Done")


def test_the_agents_queues_and_day(bob, billing, sarah):
    task = finished_chat(agent=bob, queue=billing, customer=sarah)
    waiting = task_enqueue(conversation=ConversationFactory(), queue=billing)  # Bob wraps up
    client = agent_client(bob)
    client.post(f"/api/agent/wrap-ups/{task.pk}", {"disposition": "refund"})

    body = client.get("/api/agent/workspace").json()

    [queue] = body["queues"]
    assert (queue["name"], queue["waiting"]) == ("Billing", 1)
    assert queue["longest_wait_seconds"] >= 0
    assert body["day"]["handled"] == 1
    assert (
        body["day"]["wrap_up_seconds"]
        == Conversation.objects.get(pk=task.conversation_id).wrap_up_seconds
    )
    assert Task.objects.get(pk=waiting.pk).state == "queued"


def test_canned_replies_filled_in_for_the_chat(bob, billing, sarah):
    CannedReply.objects.create(
        queue=billing, title="Hello", text="Hello {customer_name}, I'm {agent_name}."
    )
    CannedReply.objects.create(queue=None, title="Bye", text="Thanks for contacting {queue}.")
    CannedReply.objects.create(queue=QueueFactory(name="Sales"), title="Other", text="x")
    CannedReply.objects.create(queue=billing, title="Off", text="x", is_active=False)
    task = held_chat(agent=bob, queue=billing, customer=sarah)

    replies = agent_client(bob).get(f"/api/agent/tasks/{task.pk}/canned-replies")

    assert replies.status_code == 200
    assert [(r["title"], r["text"]) for r in replies.json()] == [
        ("Bye", "Thanks for contacting Billing."),
        ("Hello", "Hello Sarah Johnson, I'm Bob."),
    ]
    other = available_agent("Eve", skills={})
    assert agent_client(other).get(f"/api/agent/tasks/{task.pk}/canned-replies").status_code == 404


def test_media_in_a_chat_is_shown(bob, billing, sarah):
    task = held_chat(agent=bob, queue=billing, customer=sarah)
    now = timezone.now()
    for content in (
        {"image": {"url": "https://example.com/bill.jpg", "caption": "my bill"}},
        {"file": {"url": "https://example.com/statement.pdf", "name": "statement.pdf"}},
        {"location": {"lat": 51.5, "long": -0.12, "name": "Shop"}},
        {"image": {"url": "javascript:alert(1)"}},
    ):
        Message.objects.create(
            conversation_id=task.conversation_id,
            direction="inbound",
            channel="whatsapp",
            message_type=next(iter(content)),
            content=content,
            occurred_at=now,
        )

    [held] = agent_client(bob).get("/api/agent/").json()["tasks"]

    attachments = [m["attachments"] for m in held["messages"]]
    assert attachments[0][0] == {
        "kind": "image",
        "url": "https://example.com/bill.jpg",
        "name": "",
        "caption": "my bill",
    }
    assert attachments[1][0]["name"] == "statement.pdf"
    assert (attachments[2][0]["kind"], attachments[2][0]["latitude"]) == ("location", 51.5)
    assert attachments[3][0]["url"] == ""  # never a script link
