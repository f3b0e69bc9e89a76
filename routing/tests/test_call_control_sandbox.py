"""Call control end to end: the agent API on a live server drives the Voice API of the Vonage
sandbox, whose signed webhooks come back to the project. What the customer hears is read
from the sandbox's phone feed; what the centre recorded from the call's steps and its CDR.

The story: Ada calls Billing and reaches Bob. Bob puts her on hold (she hears the music and
not Bob), takes her back, keys a reference into the call, and then hands her on: to the
Support queue where Carol takes her (cold), or to Carol after a word with her while Ada
holds (warm), or to a phone number; he also conferences a colleague's number in and drops it.
"""

import time

import pytest

from callcentre.tests.helpers import agent_client, wait_until
from conversations.models import CallStep, Conversation, Member
from reports.models import CallDetailRecord
from routing.models import Offer, Task
from routing.tests.factories import QueueFactory, QueueSkillFactory, SkillFactory, available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20.0
COLLEAGUE = "447700900555"


@pytest.fixture
def sandbox(project_sandbox):
    return project_sandbox(speed=5, app_answer_delay=0.5, callee_answer_delay=0.5)


@pytest.fixture
def support():
    skill = SkillFactory(name="support")
    queue = QueueFactory(name="Support", wrap_up_seconds=30)
    QueueSkillFactory(queue=queue, skill=skill, min_proficiency=1)
    return queue, skill


def connected_call(sandbox, agent) -> tuple[dict, Task]:
    """Ada dials, presses 2 for Billing, the agent accepts and their leg joins."""
    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    offer = wait_until(
        lambda: Offer.objects.filter(agent=agent, state=Offer.State.PENDING).first(),
        timeout=TIMEOUT,
    )
    assert agent_client(agent).post(f"/api/agent/offers/{offer.pk}/accept").status_code == 200
    wait_until(
        lambda: Member.objects.filter(agent=agent, joined_at__isnull=False).exists(),
        timeout=TIMEOUT,
    )
    return call, Task.objects.get(pk=offer.task_id)


def agent_leg(agent, task: Task) -> str:
    return str(
        Member.objects.filter(conversation=task.conversation_id, agent=agent).latest("pk").leg_uuid
    )


def heard(sandbox, uuid: str) -> list[str]:
    return [item["text"] for item in sandbox.control.call(uuid)["feed"] if item["kind"] == "heard"]


def customer_feed_has(sandbox, call: dict, text: str) -> bool:
    return any(text in line for line in feed_texts(sandbox, call["uuid"]))


def cdr_of(task: Task) -> CallDetailRecord:
    return wait_until(
        lambda: CallDetailRecord.objects.filter(conversation=task.conversation_id).first(),
        timeout=TIMEOUT,
    )


def test_hold_plays_music_to_the_customer_and_resume_brings_them_back(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, task = connected_call(sandbox, bob)
    bob_client = agent_client(bob)

    response = bob_client.post(
        f"/api/agent/tasks/{task.pk}/hold", {"held": True}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "hold" and response.json()["ended_at"] is None
    wait_until(lambda: customer_feed_has(sandbox, call, "♪ Playing hold.wav"), timeout=TIMEOUT)
    customer = sandbox.control.call(call["uuid"])
    assert (customer["muted"], customer["earmuffed"]) == (True, True)
    # Bob speaks: Ada, on hold, does not hear him; what she says does not reach Bob.
    sandbox.control.say(agent_leg(bob, task), "Let me check your invoice.")
    sandbox.control.say(call["uuid"], "Hello? Anyone there?")
    assert heard(sandbox, call["uuid"]) == []
    assert heard(sandbox, agent_leg(bob, task)) == []
    state = bob_client.get("/api/agent/").json()["tasks"][0]["control"]
    assert state["on_hold_since"] is not None and state["consult"] is None
    # A second hold is refused and changes nothing.
    again = bob_client.post(
        f"/api/agent/tasks/{task.pk}/hold", {"held": True}, content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json() == {"detail": "The customer is already on hold."}
    assert CallStep.objects.filter(kind="hold").count() == 1
    time.sleep(1.1)

    response = bob_client.post(
        f"/api/agent/tasks/{task.pk}/hold", {"held": False}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "resumed" and response.json()["seconds"] >= 1
    customer = sandbox.control.call(call["uuid"])
    assert (customer["muted"], customer["earmuffed"]) == (False, False)
    assert customer_feed_has(sandbox, call, "(stream stopped)")
    sandbox.control.say(agent_leg(bob, task), "Thanks for waiting.")
    wait_until(lambda: heard(sandbox, call["uuid"]) == ["agent-bob (app): “Thanks for waiting.”"])
    state = bob_client.get("/api/agent/").json()["tasks"][0]["control"]
    assert state["on_hold_since"] is None and state["hold_seconds"] >= 1

    # Keys go to the customer's leg; the record keeps how many, never which.
    response = bob_client.post(
        f"/api/agent/tasks/{task.pk}/dtmf", {"digits": "4929#"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    wait_until(lambda: customer_feed_has(sandbox, call, "DTMF tones played into the call: 4929#"))
    assert CallStep.objects.get(kind="dtmf").detail == "5 keys to the customer"
    bad = bob_client.post(
        f"/api/agent/tasks/{task.pk}/dtmf", {"digits": "12a"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "digits" in bad.json()
    assert CallStep.objects.filter(kind="dtmf").count() == 1

    # Ada hangs up: the CDR keeps the hold time.
    sandbox.control.hangup(call["uuid"])
    cdr = cdr_of(task)
    assert cdr.hold_seconds >= 1
    assert (cdr.consult_seconds, cdr.transfers, cdr.agent) == (0, 0, bob)


def test_a_cold_transfer_to_a_queue_reaches_its_next_agent(
    sandbox, billing, billing_menu, billing_skill, support
):
    support_queue, support_skill = support
    bob = available_agent("Bob", skills={billing_skill: 8})
    carol = available_agent("Carol", skills={support_skill: 5})
    call, task = connected_call(sandbox, bob)

    response = agent_client(bob).post(
        f"/api/agent/tasks/{task.pk}/transfer",
        {"queue_id": support_queue.pk},
        content_type="application/json",
    )

    assert response.status_code == 202, response.content
    wait_until(lambda: customer_feed_has(sandbox, call, "transfer you to Support"))
    # Bob's leg ends and his task completes; Ada waits in the Support queue, on music.
    wait_until(lambda: Task.objects.get(pk=task.pk).state == "completed", timeout=TIMEOUT)
    new_task = Task.objects.get(pk=response.json()["task_id"])
    assert (new_task.queue, new_task.attributes) == (support_queue, {"transferred_from": task.pk})
    step = CallStep.objects.get(kind="transfer")
    assert (step.agent, step.target_kind, step.target) == (bob, "queue", "Support")
    offer = wait_until(
        lambda: Offer.objects.filter(agent=carol, state="pending").first(), timeout=TIMEOUT
    )
    assert agent_client(carol).post(f"/api/agent/offers/{offer.pk}/accept").status_code == 200
    wait_until(lambda: customer_feed_has(sandbox, call, "Connected with agent-carol (app)"))
    sandbox.control.say(agent_leg(carol, new_task), "Support, Carol speaking.")
    wait_until(
        lambda: "agent-carol (app): “Support, Carol speaking.”" in heard(sandbox, call["uuid"])
    )
    assert not sandbox.control.call(call["uuid"])["ended"]

    sandbox.control.hangup(call["uuid"])
    wait_until(lambda: Task.objects.get(pk=new_task.pk).state == "completed", timeout=TIMEOUT)
    cdr = cdr_of(task)
    assert (cdr.transfers, cdr.agent, cdr.queue) == (1, carol, support_queue)


def test_a_warm_transfer_consults_carol_while_ada_holds_then_completes(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    carol = available_agent("Carol", skills={billing_skill: 8})
    call, task = connected_call(sandbox, bob)
    bob_client, carol_client = agent_client(bob), agent_client(carol)

    response = bob_client.post(
        f"/api/agent/tasks/{task.pk}/consult",
        {"agent_id": carol.pk},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["target"]) == ("consult", "Carol")
    wait_until(lambda: customer_feed_has(sandbox, call, "♪ Playing hold.wav"), timeout=TIMEOUT)
    carol_leg = wait_until(
        lambda: Member.objects.filter(agent=carol, joined_at__isnull=False).first(),
        timeout=TIMEOUT,
    )
    carols_task = Task.objects.get(agent=carol)
    assert (carols_task.state, carols_task.attributes) == ("assigned", {"consult_of": task.pk})
    carol.refresh_from_db()
    assert carol.voice_load == 1
    # Bob and Carol talk; Ada, on hold, hears neither.
    sandbox.control.say(agent_leg(bob, task), "I have Ada on the line about an invoice.")
    wait_until(lambda: heard(sandbox, str(carol_leg.leg_uuid)) != [])
    assert heard(sandbox, call["uuid"]) == []
    bob_state = bob_client.get("/api/agent/").json()["tasks"][0]["control"]
    assert bob_state["consult"]["status"] == "connected" and bob_state["consult"]["is_mine"]
    carol_state = carol_client.get("/api/agent/").json()["tasks"][0]["control"]
    assert carol_state["consulted_by"] == "Bob"
    # Only Bob completes it.
    refused = carol_client.post(f"/api/agent/tasks/{carols_task.pk}/consult/complete")
    assert refused.status_code == 409
    time.sleep(1.1)

    response = bob_client.post(f"/api/agent/tasks/{task.pk}/consult/complete")

    assert response.status_code == 200, response.content
    wait_until(lambda: Task.objects.get(pk=task.pk).state == "completed", timeout=TIMEOUT)
    customer = sandbox.control.call(call["uuid"])
    assert (customer["muted"], customer["earmuffed"], customer["ended"]) == (False, False, False)
    sandbox.control.say(str(carol_leg.leg_uuid), "Hello Ada, Carol here.")
    wait_until(
        lambda: "agent-carol (app): “Hello Ada, Carol here.”" in heard(sandbox, call["uuid"])
    )
    bob.refresh_from_db()
    assert bob.voice_load == 0 and bob.wrap_up_until is not None

    sandbox.control.hangup(call["uuid"])
    wait_until(lambda: Task.objects.get(pk=carols_task.pk).state == "completed", timeout=TIMEOUT)
    cdr = cdr_of(task)
    assert (cdr.transfers, cdr.agent) == (1, carol)
    assert cdr.hold_seconds >= 1 and cdr.consult_seconds >= 1
    consult = CallStep.objects.get(kind="consult")
    assert (consult.outcome, consult.party.agent, consult.party_task) == (
        "completed",
        carol,
        carols_task,
    )


def test_a_cancelled_consult_goes_back_to_the_customer(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, task = connected_call(sandbox, bob)
    bob_client = agent_client(bob)
    response = bob_client.post(
        f"/api/agent/tasks/{task.pk}/consult",
        {"number": "+44 7700 900555"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    colleague = wait_until(
        lambda: Member.objects.filter(kind="external", joined_at__isnull=False).first(),
        timeout=TIMEOUT,
    )
    assert colleague.to_address == COLLEAGUE

    response = bob_client.post(f"/api/agent/tasks/{task.pk}/consult/cancel")

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "cancelled"
    wait_until(lambda: sandbox.control.call(str(colleague.leg_uuid))["ended"], timeout=TIMEOUT)
    customer = sandbox.control.call(call["uuid"])
    assert (customer["muted"], customer["earmuffed"], customer["ended"]) == (False, False, False)
    assert Task.objects.get(pk=task.pk).state == "assigned"  # Bob keeps Ada
    sandbox.control.say(agent_leg(bob, task), "Sorry, I'm back.")
    wait_until(lambda: "agent-bob (app): “Sorry, I'm back.”" in heard(sandbox, call["uuid"]))
    sandbox.control.hangup(call["uuid"])
    cdr = cdr_of(task)
    assert (cdr.transfers, cdr.agent) == (0, bob)


def test_a_conference_brings_a_number_in_and_drops_it(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, task = connected_call(sandbox, bob)
    bob_client = agent_client(bob)

    response = bob_client.post(
        f"/api/agent/tasks/{task.pk}/conference",
        {"number": COLLEAGUE},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    step_id = response.json()["id"]
    colleague = wait_until(
        lambda: Member.objects.filter(kind="external", joined_at__isnull=False).first(),
        timeout=TIMEOUT,
    )
    # Not on hold: everyone hears everyone, once the customer is in the room with them.
    wait_until(lambda: customer_feed_has(sandbox, call, f"+{COLLEAGUE}"), timeout=TIMEOUT)
    sandbox.control.say(str(colleague.leg_uuid), "Hi both.")
    wait_until(lambda: any("Hi both." in line for line in heard(sandbox, call["uuid"])))
    wait_until(lambda: any("Hi both." in line for line in heard(sandbox, agent_leg(bob, task))))
    parties = bob_client.get("/api/agent/").json()["tasks"][0]["control"]["parties"]
    assert [(p["target"], p["status"]) for p in parties] == [(f"+{COLLEAGUE}", "connected")]

    response = bob_client.post(f"/api/agent/tasks/{task.pk}/conference/{step_id}/drop")

    assert response.status_code == 200, response.content
    wait_until(lambda: sandbox.control.call(str(colleague.leg_uuid))["ended"], timeout=TIMEOUT)
    assert not sandbox.control.call(call["uuid"])["ended"]
    assert CallStep.objects.get(pk=step_id).outcome == "dropped"
    assert bob_client.get("/api/agent/").json()["tasks"][0]["control"]["parties"] == []


def test_a_cold_transfer_to_a_number_connects_the_customer_to_it(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, task = connected_call(sandbox, bob)

    response = agent_client(bob).post(
        f"/api/agent/tasks/{task.pk}/transfer",
        {"number": COLLEAGUE},
        content_type="application/json",
    )

    assert response.status_code == 202, response.content
    wait_until(
        lambda: customer_feed_has(sandbox, call, f"Connected with +{COLLEAGUE}"), timeout=TIMEOUT
    )
    wait_until(lambda: Task.objects.get(pk=task.pk).state == "completed", timeout=TIMEOUT)
    time.sleep(1.5)  # the follow-up of Bob's leg: Ada is not hung up, she was handed on
    assert not sandbox.control.call(call["uuid"])["ended"]
    external = Member.objects.get(kind="external")
    assert external.conversation == task.conversation
    assert Conversation.objects.count() == 1
    sandbox.control.hangup(call["uuid"])
    assert cdr_of(task).transfers == 1


def test_transfers_refuse_what_cannot_be_done_and_change_nothing(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    away = available_agent("Dave", skills={billing_skill: 8}, status="away")
    call, task = connected_call(sandbox, bob)
    bob_client = agent_client(bob)

    def post(path: str, body: dict):
        return bob_client.post(
            f"/api/agent/tasks/{task.pk}/{path}", body, content_type="application/json"
        )

    assert post("consult", {"agent_id": away.pk}).json() == {"detail": "Dave is not available."}
    assert post("consult", {"agent_id": bob.pk}).status_code == 409
    assert post("transfer", {"number": "not a number"}).status_code == 409
    assert post("transfer", {"queue_id": 999999}).json() == {"detail": "No such queue."}
    assert post("transfer", {"queue_id": billing.pk, "number": COLLEAGUE}).status_code == 400
    assert post("consult/complete", {}).json() == {"detail": "There is no consult under way."}
    assert agent_client(away).post(f"/api/agent/tasks/{task.pk}/hold").status_code == 404
    # Nothing was recorded or handed on, and Ada is not on hold.
    assert not CallStep.objects.exists()
    assert not sandbox.control.call(call["uuid"])["muted"]
    assert Task.objects.count() == 1 and not sandbox.control.call(call["uuid"])["ended"]
