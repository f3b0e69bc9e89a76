import pytest
from django.test import Client

from accounts.services import api_token_create
from agents.models import Agent
from agents.presence import Actor
from agents.tests.factories import UserFactory
from callcentre.celery import app
from callcentre.tests.fake_vonage import NOT_FOUND
from conversations.models import Customer, Member
from routing.models import Offer, Task
from routing.presence import agent_presence_set
from routing.queueing import task_enqueue
from routing.tests.factories import (
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def billing_queue():
    queue = QueueFactory(name="Billing")
    QueueSkillFactory(queue=queue, skill=SkillFactory(name="billing"))
    return queue


@pytest.fixture
def bob(billing_queue):
    return available_agent("Bob", skills={SkillFactory(name="billing"): 8}, status="away")


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob.user)
    return client


def test_an_agent_goes_available_and_sees_the_offer(bob_client, bob, billing_queue):
    task = task_enqueue(conversation=ConversationFactory(), queue=billing_queue)

    response = bob_client.post("/api/agent/status", {"status": "available"})
    me = bob_client.get("/api/agent/").json()

    assert response.status_code == 200
    assert response.json()["status"] == "available"
    assert [(offer["task_id"], offer["queue"], offer["channel"]) for offer in me["offers"]] == [
        (task.pk, "Billing", "voice")
    ]


def test_accept_and_reject_through_the_api(bob_client, bob, billing_queue, vonage_api):
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    first = task_enqueue(conversation=ConversationFactory(), queue=billing_queue)
    offer = Offer.objects.get(task=first)

    accepted = bob_client.post(f"/api/agent/offers/{offer.pk}/accept")
    again = bob_client.post(f"/api/agent/offers/{offer.pk}/reject")

    assert accepted.status_code == 200
    assert accepted.json() == {"task_id": first.pk, "state": "assigned"}
    assert again.status_code == 409
    assert again.json() == {"detail": "This offer is already accepted."}


def test_reject_frees_the_agent(bob_client, bob, billing_queue):
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    task = task_enqueue(conversation=ConversationFactory(), queue=billing_queue)
    offer = Offer.objects.get(task=task)

    response = bob_client.post(f"/api/agent/offers/{offer.pk}/reject")

    assert response.status_code == 204
    assert Task.objects.get(pk=task.pk).state == Task.State.QUEUED
    assert Agent.objects.get(pk=bob.pk).voice_load == 0


def test_an_agent_cannot_touch_another_agents_offer(client, bob, billing_queue):
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    task = task_enqueue(conversation=ConversationFactory(), queue=billing_queue)
    offer = Offer.objects.get(task=task)
    carol = available_agent("Carol", skills={}, status="away")
    client.force_login(carol.user)

    response = client.post(f"/api/agent/offers/{offer.pk}/accept")

    assert response.status_code == 409
    assert response.json() == {"detail": "No such offer for this agent."}
    assert Offer.objects.get(pk=offer.pk).state == Offer.State.PENDING


def test_a_bad_status_is_a_clear_400_and_changes_nothing(bob_client, bob):
    response = bob_client.post("/api/agent/status", {"status": "dancing"})

    assert response.status_code == 400
    assert response.json() == {"status": ['"dancing" is not a valid choice.']}
    assert Agent.objects.get(pk=bob.pk).status == "away"


def test_users_who_are_not_agents_get_403(client):
    client.force_login(UserFactory(username="sam", is_staff=True))

    response = client.get("/api/agent/")

    assert response.status_code == 403
    assert response.json() == {"detail": "You are not set up as an agent."}


def test_anonymous_gets_refused(client):
    assert client.get("/api/agent/").status_code in (401, 403)


def test_token_authentication_for_scripts(client, bob):
    _, key = api_token_create(user=bob.user)

    response = client.post(
        "/api/agent/status", {"status": "available"}, HTTP_AUTHORIZATION=f"Token {key}"
    )

    assert response.status_code == 200


# The desktop's view of its work: who is calling, and the agent's own leg


def ada_calls(billing_queue) -> Task:
    customer = Customer.objects.create(name="Ada Lovelace", is_vip=True, account_value="1200.00")
    conversation = ConversationFactory(customer=customer, from_address="447700900123")
    return task_enqueue(conversation=conversation, queue=billing_queue)


def test_an_offer_shows_who_is_calling_and_since_when(bob_client, bob, billing_queue):
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    task = ada_calls(billing_queue)

    [offer] = bob_client.get("/api/agent/").json()["offers"]

    assert offer["customer"] == {
        "number": "447700900123",
        "name": "Ada Lovelace",
        "is_vip": True,
        "account_value": "1200.00",
    }
    assert offer["waiting_since"] is not None
    assert offer["is_callback"] is False
    assert Task.objects.get(pk=task.pk).state == Task.State.OFFERED


def bob_accepts_ada(bob_client, bob, billing_queue) -> tuple[Task, Member]:
    """Bob accepts Ada's call: a leg is placed to his softphone (the fake Vonage takes it)."""
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    task = ada_calls(billing_queue)
    offer = Offer.objects.get(task=task)
    assert bob_client.post(f"/api/agent/offers/{offer.pk}/accept").status_code == 200
    return task, Member.objects.get(conversation=task.conversation, kind="agent")


def leg_answers(vonage, leg: Member, agent: Agent) -> None:
    """The event Vonage sends when the agent's softphone answers."""
    answered = {
        "uuid": leg.leg_uuid,
        "conversation_uuid": "CON-agent-room",
        "status": "answered",
        "direction": "outbound",
        "from": "447700900000",
        "to": agent.vonage_user,
        "timestamp": "2026-12-01T10:00:05.000Z",
    }
    assert vonage.post("/webhooks/event", answered).status_code in (200, 204)


def test_an_accepted_call_shows_the_agents_leg_from_ringing_to_connected(
    bob_client, bob, billing_queue, vonage_api, vonage
):
    task, leg = bob_accepts_ada(bob_client, bob, billing_queue)
    [ringing] = bob_client.get("/api/agent/").json()["tasks"]
    leg_answers(vonage, leg, bob)
    me = bob_client.get("/api/agent/").json()

    assert ringing["id"] == task.pk
    assert ringing["customer"]["name"] == "Ada Lovelace"
    assert ringing["leg"] == {
        "leg_uuid": leg.leg_uuid,
        "call_status": "",
        "joined_at": None,
        "left_at": None,
        "is_muted": False,
    }
    [connected] = me["tasks"]
    assert connected["leg"]["call_status"] == "answered"
    assert connected["leg"]["joined_at"] == "2026-12-01T10:00:05Z"
    assert me["offers"] == []


def calls_to_vonage(vonage_api, leg: Member) -> list:
    return [r.body for r in vonage_api.received if r.path == f"/v1/calls/{leg.leg_uuid}"]


def test_mute_and_unmute_the_agents_leg(bob_client, bob, billing_queue, vonage_api, vonage):
    task, leg = bob_accepts_ada(bob_client, bob, billing_queue)
    leg_answers(vonage, leg, bob)

    muted = bob_client.post(f"/api/agent/tasks/{task.pk}/mute", {"muted": True})
    shown = bob_client.get("/api/agent/").json()["tasks"][0]["leg"]["is_muted"]
    unmuted = bob_client.post(f"/api/agent/tasks/{task.pk}/mute", {"muted": False})

    assert muted.status_code == 200 and muted.json()["is_muted"] is True
    assert shown is True
    assert unmuted.json()["is_muted"] is False
    assert calls_to_vonage(vonage_api, leg) == [{"action": "mute"}, {"action": "unmute"}]


def test_hang_up_ends_the_agents_leg_through_vonage(
    bob_client, bob, billing_queue, vonage_api, vonage
):
    task, leg = bob_accepts_ada(bob_client, bob, billing_queue)
    leg_answers(vonage, leg, bob)

    response = bob_client.post(f"/api/agent/tasks/{task.pk}/hang-up")

    assert response.status_code == 202
    assert calls_to_vonage(vonage_api, leg) == [{"action": "hangup"}]
    # The task ends with the leg's `completed` event, not with the request.
    assert Task.objects.get(pk=task.pk).state == Task.State.ASSIGNED


def test_call_controls_before_the_leg_answers_are_a_409_and_call_nobody(
    bob_client, bob, billing_queue, vonage_api
):
    task, leg = bob_accepts_ada(bob_client, bob, billing_queue)

    muted = bob_client.post(f"/api/agent/tasks/{task.pk}/mute", {"muted": True})
    hung_up = bob_client.post(f"/api/agent/tasks/{task.pk}/hang-up")

    assert (muted.status_code, muted.json()) == (
        409,
        {"detail": "You are not connected to this call."},
    )
    assert hung_up.status_code == 409
    assert calls_to_vonage(vonage_api, leg) == []


def test_call_controls_on_someone_elses_or_a_missing_contact_are_a_404(
    bob_client, bob, billing_queue, vonage_api, vonage
):
    task, leg = bob_accepts_ada(bob_client, bob, billing_queue)
    leg_answers(vonage, leg, bob)
    carol_client = Client()
    carol_client.force_login(available_agent("Carol", skills={}, status="away").user)

    theirs = carol_client.post(f"/api/agent/tasks/{task.pk}/hang-up")
    missing = bob_client.post("/api/agent/tasks/999999/mute", {"muted": True})
    bad = bob_client.post(f"/api/agent/tasks/{task.pk}/mute", {"muted": "loud"})

    assert (theirs.status_code, theirs.json()) == (404, {"detail": "You hold no such contact."})
    assert missing.status_code == 404
    assert (bad.status_code, bad.json()) == (400, {"muted": ["Must be a valid boolean."]})
    assert calls_to_vonage(vonage_api, leg) == []
    assert Member.objects.get(pk=leg.pk).is_muted is False


def test_when_vonage_refuses_a_control_the_agent_sees_why_and_nothing_changes(
    bob_client, bob, billing_queue, vonage_api, vonage
):
    task, leg = bob_accepts_ada(bob_client, bob, billing_queue)
    leg_answers(vonage, leg, bob)
    vonage_api.answers[("PUT", f"/v1/calls/{leg.leg_uuid}")] = (404, NOT_FOUND)

    response = bob_client.post(f"/api/agent/tasks/{task.pk}/mute", {"muted": True})

    assert response.status_code == 502
    assert response.json()["detail"].startswith("Vonage did not take it: 404")
    assert Member.objects.get(pk=leg.pk).is_muted is False


@pytest.fixture
def broker_down(monkeypatch):
    """Celery publishes to a broker nothing listens on (fresh connection pools, so the
    ones earlier tests opened are not reused)."""
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


def test_accepting_with_the_broker_down_still_rings_the_agent(
    bob_client, bob, billing_queue, vonage_api, broker_down, django_capture_on_commit_callbacks
):
    """Issue 11.20: the task was assigned but no call placed (a 500) when Redis was down."""
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    task = task_enqueue(conversation=ConversationFactory(), queue=billing_queue)
    offer = Offer.objects.get(task=task)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = bob_client.post(f"/api/agent/offers/{offer.pk}/accept")

    assert accepted.status_code == 200
    [leg] = Member.objects.filter(conversation=task.conversation, kind="agent")
    creates = [r for r in vonage_api.received if r.method == "POST" and r.path == "/v1/calls"]
    assert [create.body["to"] for create in creates] == [[{"type": "app", "user": "agent-bob"}]]
    assert leg.leg_uuid is not None
