"""The routing engine end to end: real signed webhooks from the Vonage sandbox to the project
on a live server, and the project's Voice API calls back to the sandbox.

The seeds' story: a caller presses 2 for billing and reaches the longest-idle billing agent
who is free (Bob), not the one on a call (Carol) nor the one in wrap-up (Dave). And a caller
on hold hears their place and wait, presses 1, hangs up, and is called back.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.presence import Actor
from callcentre.tests.helpers import agent_client, wait_until
from conversations.models import Conversation
from routing import waiting
from routing.models import Offer, Task
from routing.presence import agent_presence_set
from routing.tests.factories import (
    available_agent,
)
from sandbox.tests.helpers import CALLER, CallerInBackground, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(project_sandbox):
    return project_sandbox()


def talk_texts(items: list[dict]) -> list[str]:
    return [item["text"] for item in items if item["kind"] == "talk"]


def connected_texts(items: list[dict]) -> list[str]:
    return [item["text"] for item in items if item["kind"] == "connected"]


def test_a_billing_caller_reaches_the_longest_idle_free_billing_agent(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8}, idle_minutes=5)
    carol = available_agent("Carol", skills={billing_skill: 9}, idle_minutes=30, voice_load=1)
    dave = available_agent(
        "Dave",
        skills={billing_skill: 6},
        idle_minutes=40,
        wrap_up_until=timezone.now() + timedelta(minutes=5),
    )

    caller = CallerInBackground(sandbox, "billing_reaches_an_agent.yaml")
    offer = wait_until(lambda: Offer.objects.filter(state=Offer.State.PENDING).first(), timeout=20)
    assert offer.agent == bob
    response = agent_client(bob).post(f"/api/agent/offers/{offer.pk}/accept")
    assert response.status_code == 200, response.content
    record = caller.finish()

    task = Task.objects.get(pk=offer.task_id)
    assert task.queue == billing
    assert task.conversation.vonage_uuid == record.conversation_uuid
    assert [(o.agent, o.state) for o in task.offers.all()] == [(bob, Offer.State.ACCEPTED)]
    heard = talk_texts(record.items)
    assert "For billing and payments, press 2." in heard[0]
    assert "Thank you. Connecting you to Billing. Please hold." in heard
    assert connected_texts(record.items) == ["Connected with agent-bob (app)"]
    # The caller hung up after talking: the call is complete and Bob wraps up.
    task = wait_until(
        lambda: Task.objects.filter(pk=task.pk, state=Task.State.COMPLETED).first(), timeout=20
    )
    assert task.agent == bob
    bob.refresh_from_db()
    assert bob.voice_load == 0
    assert bob.wrap_up_until > timezone.now()
    # Bob's softphone leg ended with the caller's: he is not left in an empty conversation.
    agent_leg = wait_until(
        lambda: task.conversation.members.filter(kind="agent", call_status="completed").first(),
        timeout=20,
    )
    assert (agent_leg.agent, agent_leg.joined_at is not None) == (bob, True)
    assert sandbox.control.call(agent_leg.leg_uuid)["ended"]
    assert Conversation.objects.count() == 1  # the agent's leg is part of the caller's call
    for other in (carol, dave):
        other.refresh_from_db()
        assert not other.offers.exists()
    assert (carol.voice_load, dave.voice_load) == (1, 0)


def test_a_caller_on_hold_hears_their_place_presses_1_and_is_called_back(
    sandbox, billing, billing_menu, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8}, status="away")

    caller = CallerInBackground(sandbox, "billing_callback_while_waiting.yaml")
    task = wait_until(lambda: Task.objects.filter(queue=billing).first(), timeout=20)
    # Wait until the caller sits in the waiting room, then run the announcer as beat would.
    wait_until(
        lambda: any(
            item["kind"] == "hold" for item in sandbox.control.call(caller_leg(sandbox))["feed"]
        ),
        timeout=20,
    )
    assert waiting.tasks_announce(now=timezone.now() + timedelta(seconds=61)) == 1
    record = caller.finish()

    heard = talk_texts(record.items)
    # Bob, the only billing agent, is away: no wait is promised.
    assert (
        "You are next in the queue. To keep your place and have us call you back, press 1." in heard
    )
    assert heard[-1] == (
        "We'll keep your place in the queue and call you back when it's your turn. Goodbye."
    )
    task = wait_until(
        lambda: Task.objects.filter(
            pk=task.pk, conversation__state="ended", is_callback=True
        ).first(),
        timeout=20,
    )
    assert (task.state, task.callback_number) == (Task.State.QUEUED, CALLER)

    # Bob comes back: he is offered the callback, accepts, and the centre calls the caller.
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    offer = Offer.objects.get(task=task, state=Offer.State.PENDING)
    assert agent_client(bob).post(f"/api/agent/offers/{offer.pk}/accept").status_code == 200

    callback_leg = wait_until(
        lambda: next(
            (
                leg
                for leg in sandbox.control.calls()
                if leg["direction"] == "outbound" and leg.get("to") == CALLER
            ),
            None,
        ),
        timeout=20,
    )
    feed = wait_until(
        lambda: (
            feed
            if connected_texts(feed := sandbox.control.call(callback_leg["uuid"])["feed"])
            else None
        ),
        timeout=20,
    )
    assert talk_texts(feed)[0].endswith("returning your call. Connecting you to an agent now.")
    assert connected_texts(feed) == ["Connected with agent-bob (app)"]
    # Bob's phone was called first; the customer only once he had answered.
    placed = [leg["to"] for leg in sandbox.control.calls() if leg["direction"] == "outbound"]
    assert placed.index("agent-bob") < placed.index(CALLER)

    # The callback is a call like any other: Bob holds the customer, who hears the music.
    bob_client = agent_client(bob)
    held = bob_client.post(
        f"/api/agent/tasks/{task.pk}/hold", {"held": True}, content_type="application/json"
    )
    assert held.status_code == 200, held.content
    wait_until(
        lambda: "♪ Playing hold.wav" in feed_texts(sandbox, callback_leg["uuid"]),
        timeout=20,
    )
    # The customer hangs up: Bob's contact is done and he wraps it up.
    sandbox.control.hangup(callback_leg["uuid"])
    wait_until(
        lambda: Task.objects.filter(pk=task.pk, state=Task.State.COMPLETED).exists(), timeout=20
    )


def caller_leg(running) -> str:
    return next(leg["uuid"] for leg in running.control.calls() if leg["direction"] == "inbound")
