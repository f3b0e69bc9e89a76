"""The voicemail inbox through the agent API: the voicemail a caller left in a closed
queue's branch is offered to that queue's agent, who sees who called, when and for how
long, plays it (audited; another agent gets a 404), accepts it, and closes it with a
disposition (refused without the one the queue requires) or calls the caller back."""

import pytest
from django.test import Client
from django.utils import timezone

from agents.models import Activity
from callcentre.tests.helpers import agent_client
from compliance.models import AuditEntry
from conversations.models import Conversation
from reports.models import CallDetailRecord
from routing.models import Offer, Task
from routing.tests.factories import QueueFactory, available_agent
from routing.tests.voicemails import closed_billing, entry_menu, leave_voicemail, voicemail_task

pytestmark = pytest.mark.django_db(transaction=True)

INBOX = "/api/agent/voicemails"


@pytest.fixture
def billing():
    queue = closed_billing()
    entry_menu(queue)
    return queue


@pytest.fixture
def bob(billing):
    return available_agent("Bob", skills={})


@pytest.fixture
def alice(billing):
    return available_agent("Alice", skills={}, status="offline")


def accept(client: Client, task: Task) -> None:
    offer = Offer.objects.get(task=task, state=Offer.State.PENDING)
    answer = client.post(f"/api/agent/offers/{offer.pk}/accept")
    assert answer.status_code == 200, answer.content


def test_the_offered_voicemail_shows_caller_when_queue_duration_and_plays_audited(
    vonage, vonage_api, billing, bob, alice
):
    call = leave_voicemail(vonage, vonage_api, seconds=30)
    task = voicemail_task(call)

    inbox = agent_client(bob).get(INBOX).json()

    [item] = inbox
    assert item["task_id"] == task.pk
    assert item["offer_id"] == Offer.objects.get(task=task).pk
    assert (item["state"], item["queue"]) == ("offered", "Billing")
    assert item["caller_number"] == call.number
    assert item["duration_seconds"] == 30
    assert item["left_at"]
    assert item["disposition_required"] is True
    assert {d["code"] for d in item["dispositions"]} == {"resolved", "no_action"}
    played = agent_client(bob).get(item["audio_url"])
    assert played.status_code == 200
    assert b"".join(played.streaming_content)
    assert AuditEntry.objects.filter(
        user=bob.user, kind=AuditEntry.Kind.RECORDING, where="recording download"
    ).exists()
    # Alice was offered nothing: no inbox, no audio.
    assert agent_client(alice).get(INBOX).json() == []
    assert agent_client(alice).get(item["audio_url"]).status_code == 404
    assert not AuditEntry.objects.filter(user=alice.user).exists()


def test_the_agent_closes_a_held_voicemail_with_the_disposition_the_queue_requires(
    vonage, vonage_api, billing, bob
):
    call = leave_voicemail(vonage, vonage_api)
    task = voicemail_task(call)
    client = agent_client(bob)
    accept(client, task)
    close = f"/api/agent/voicemails/{task.pk}/close"

    refused = client.post(close, {"notes": "Rang about a bill"}, content_type="application/json")
    wrong = client.post(close, {"disposition": "sale"}, content_type="application/json")
    still = Task.objects.get(pk=task.pk).state
    done = client.post(
        close,
        {"disposition": "resolved", "notes": "Refund explained"},
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert refused.json() == {"disposition": ["Billing requires a disposition: choose one."]}
    assert wrong.status_code == 400
    assert still == Task.State.ASSIGNED
    assert done.status_code == 204
    task.refresh_from_db()
    assert (task.state, task.attributes["voicemail"]["outcome"]) == ("completed", "closed")
    conversation = Conversation.objects.get(pk=call.conversation.pk)
    assert (conversation.disposition, conversation.wrap_up_notes) == (
        "resolved",
        "Refund explained",
    )
    assert CallDetailRecord.objects.get(conversation=conversation).disposition == "resolved"
    bob.refresh_from_db()
    # Ready at once: the close was the wrap-up.
    assert bob.voicemail_load == 0
    assert bob.activity(timezone.now()) == Activity.IDLE
    # Closed: out of the inbox, and its audio is no longer the agent's to play.
    assert client.get(INBOX).json() == []
    recording_id = task.attributes["voicemail"]["recording_id"]
    assert client.get(f"/recordings/{recording_id}/audio").status_code == 404
    # Closing it again is refused with the reason.
    again = client.post(close, {"disposition": "resolved"}, content_type="application/json")
    assert again.status_code == 409
    assert "completed" in again.json()["detail"]


def test_only_the_agent_holding_a_voicemail_may_close_it(vonage, vonage_api, billing, bob, alice):
    task = voicemail_task(leave_voicemail(vonage, vonage_api))

    before_accept = agent_client(bob).post(
        f"/api/agent/voicemails/{task.pk}/close", {"disposition": "resolved"}
    )
    other = agent_client(alice).post(
        f"/api/agent/voicemails/{task.pk}/close", {"disposition": "resolved"}
    )

    assert before_accept.status_code == 409
    assert other.status_code == 409
    assert other.json() == {"detail": "You hold no such voicemail."}
    assert Task.objects.get(pk=task.pk).state == Task.State.OFFERED


def test_call_back_closes_the_voicemail_and_calls_the_caller_from_the_desktop(
    vonage, vonage_api, billing, bob
):
    QueueFactory(name="Outbound")
    call = leave_voicemail(vonage, vonage_api)
    task = voicemail_task(call)
    client = agent_client(bob)
    accept(client, task)

    answer = client.post(f"/api/agent/voicemails/{task.pk}/call-back")

    assert answer.status_code == 201, answer.content
    outbound = Task.objects.get(pk=answer.json()["task_id"])
    assert (outbound.agent, outbound.channel, outbound.queue.name) == (bob, "voice", "Outbound")
    assert outbound.conversation.to_address == call.number
    task.refresh_from_db()
    assert task.state == Task.State.COMPLETED
    assert task.attributes["voicemail"]["outcome"] == "called_back"
    assert task.attributes["voicemail"]["call_task_id"] == outbound.pk
    # The agent's phone rings first (click-to-call, routing.outbound).
    placed = [r for r in vonage_api.received if (r.method, r.path) == ("POST", "/v1/calls")]
    assert placed[-1].body["to"] == [{"type": "app", "user": "agent-bob"}]
    bob.refresh_from_db()
    assert (bob.voice_load, bob.chat_load, bob.voicemail_load) == (1, 0, 0)


def test_call_back_without_click_to_call_changes_nothing(vonage, vonage_api, billing, bob):
    task = voicemail_task(leave_voicemail(vonage, vonage_api))  # no Outbound queue
    client = agent_client(bob)
    accept(client, task)

    answer = client.post(f"/api/agent/voicemails/{task.pk}/call-back")

    assert answer.status_code == 409
    assert "OUTBOUND_QUEUE" in answer.json()["detail"]
    assert Task.objects.get(pk=task.pk).state == Task.State.ASSIGNED
    assert not Task.objects.filter(channel="voice").exists()


def test_a_held_voicemail_is_no_chat(vonage, vonage_api, billing, bob):
    task = voicemail_task(leave_voicemail(vonage, vonage_api))
    client = agent_client(bob)
    accept(client, task)

    reply = client.post(f"/api/agent/tasks/{task.pk}/reply", {"text": "Hello"})
    close = client.post(f"/api/agent/tasks/{task.pk}/close")

    assert (reply.status_code, close.status_code) == (409, 409)
    assert "voicemail inbox" in close.json()["detail"]
    assert Task.objects.get(pk=task.pk).state == Task.State.ASSIGNED
    assert not [r for r in vonage_api.received if r.path == "/v1/messages"]
