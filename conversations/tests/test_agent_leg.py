"""The leg the centre places to an agent belongs to the caller's conversation, even when
Vonage reports it before the create-call answer arrives."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.tests.factories import AgentFactory
from conversations import selectors
from conversations.models import Conversation, Event, Member
from conversations.services.calls import member_add_agent_leg
from conversations.tests import payloads
from routing.models import Offer, Task
from routing.offers import offer_accept
from routing.queueing import task_enqueue
from routing.tests.factories import available_agent

pytestmark = pytest.mark.django_db


def test_an_agent_leg_reported_first_is_moved_into_the_callers_conversation(vonage):
    caller = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(caller))
    conversation = Conversation.objects.get(vonage_uuid=caller["conversation_uuid"])
    agent = AgentFactory(vonage_user="agent-bob")
    agent_leg = payloads.new_call()  # Vonage gives the agent's call its own conversation
    started = payloads.status(agent_leg, "started", to="agent-bob", direction="outbound")
    assert vonage.post("/webhooks/event", started).status_code == 204

    member = member_add_agent_leg(
        conversation=conversation, agent_id=agent.pk, leg_uuid=agent_leg["uuid"]
    )

    assert (member.conversation, member.kind, member.agent) == (conversation, "agent", agent)
    assert Event.objects.get(leg_uuid=agent_leg["uuid"]).conversation == conversation
    assert list(Conversation.objects.all()) == [conversation]
    # Its later events land in the caller's conversation.
    answered = payloads.status(agent_leg, "answered", at=3, to="agent-bob", direction="outbound")
    vonage.post("/webhooks/event", answered)
    member = Member.objects.get(leg_uuid=agent_leg["uuid"])
    assert (member.conversation, member.call_status) == (conversation, "answered")
    assert conversation.members.get(kind="customer").leg_uuid == caller["uuid"]


def test_registering_an_agent_leg_twice_changes_nothing(vonage):
    conversation = Conversation.objects.create(
        vonage_uuid="CON-1", channel="voice", started_at=payloads.BASE_TIME
    )
    agent = AgentFactory()

    first = member_add_agent_leg(conversation=conversation, agent_id=agent.pk, leg_uuid="leg-1")
    again = member_add_agent_leg(conversation=conversation, agent_id=agent.pk, leg_uuid="leg-1")

    assert first == again
    assert Member.objects.count() == 1


def test_an_agent_leg_registered_while_its_first_event_is_stored_keeps_one_conversation(
    vonage, monkeypatch
):
    caller = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(caller))
    conversation = Conversation.objects.get(vonage_uuid=caller["conversation_uuid"])
    agent = AgentFactory(vonage_user="agent-bob")
    agent_leg = payloads.new_call()
    real_member_of_leg = selectors.member_of_leg
    reads = []

    def registered_meanwhile(*, leg_uuid: str, lock: bool = False) -> Member | None:
        # The event's first read misses the leg; the create-call answer registers it
        # before the event's insert (two processes at once, in production).
        reads.append(leg_uuid)
        if len(reads) == 1:
            member_add_agent_leg(conversation=conversation, agent_id=agent.pk, leg_uuid=leg_uuid)
            return None
        return real_member_of_leg(leg_uuid=leg_uuid, lock=lock)

    monkeypatch.setattr(selectors, "member_of_leg", registered_meanwhile)
    started = payloads.status(agent_leg, "started", to="agent-bob", direction="outbound")

    assert vonage.post("/webhooks/event", started).status_code == 204

    assert list(Conversation.objects.all()) == [conversation]
    assert Event.objects.get(leg_uuid=agent_leg["uuid"]).conversation == conversation
    member = Member.objects.get(leg_uuid=agent_leg["uuid"])
    assert (member.conversation, member.agent, member.call_status) == (
        conversation,
        agent,
        "started",
    )


# Who ends whose call (routing.voice): the legs of a call end together.


def moment(seconds: float = 0) -> str:
    """A Vonage timestamp `seconds` from now: the agent's leg answers after the accept."""
    at = timezone.now() + timedelta(seconds=seconds)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def agent_connected(vonage, vonage_api, queue, agent) -> tuple[dict, dict, list[dict]]:
    """A caller waits in the queue, the agent accepts and their softphone answers. Returns
    the caller's call, the agent's leg as a call, and the NCCO the agent's leg was given."""
    call = payloads.new_call()
    vonage.get("/webhooks/answer", payloads.answer(call))
    conversation = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    task_enqueue(conversation=conversation, queue=queue)
    offer = Offer.objects.get(task__conversation=conversation, state=Offer.State.PENDING)
    offer_accept(offer_id=offer.pk, agent=agent)
    leg = Member.objects.get(conversation=conversation, kind="agent")
    agent_call = {"uuid": leg.leg_uuid, "conversation_uuid": "CON-agent-room"}
    vonage.post("/webhooks/event", payloads.status(agent_call, "answered", timestamp=moment(1)))
    [create] = [r for r in vonage_api.received if r.method == "POST" and r.path == "/v1/calls"]
    return call, agent_call, create.body["ncco"]


def leg_ends(vonage, call: dict, *, at: float) -> None:
    completed = payloads.status(
        call, "completed", timestamp=moment(at), start_time=moment(0), end_time=moment(at)
    )
    vonage.post("/webhooks/event", completed)


def voice_api_calls(vonage_api, leg: dict) -> list[object]:
    """What the centre asked Vonage to do to one leg (hang up, transfer)."""
    return [
        r.body for r in vonage_api.received if r.method == "PUT" and r.path.endswith(leg["uuid"])
    ]


@pytest.mark.django_db(transaction=True)
def test_the_agents_leg_is_hung_up_when_the_caller_hangs_up(
    vonage, vonage_api, billing, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, agent_call, agent_ncco = agent_connected(vonage, vonage_api, billing, bob)

    leg_ends(vonage, call, at=60)

    # Vonage's own way first (the caller's waiting room has endOnExit; the agent's leg has
    # not, so that an agent can hand a call on), then the Voice API for a leg still up.
    assert [action["endOnExit"] for action in agent_ncco] == [False]
    assert voice_api_calls(vonage_api, agent_call) == [{"action": "hangup"}]
    assert voice_api_calls(vonage_api, call) == []
    assert Task.objects.get().state == Task.State.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_the_callers_call_ends_when_the_last_agent_hangs_up(
    vonage, vonage_api, billing, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, agent_call, _ = agent_connected(vonage, vonage_api, billing, bob)

    leg_ends(vonage, agent_call, at=60)

    # The queue ends the customer's call with the agent's (the default): through the Voice
    # API, since the agent's leg no longer ends the conversation by itself.
    assert voice_api_calls(vonage_api, call) == [{"action": "hangup"}]
    assert Task.objects.get().state == Task.State.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_an_agent_leg_that_already_ended_is_not_hung_up_again(
    vonage, vonage_api, billing, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, agent_call, _ = agent_connected(vonage, vonage_api, billing, bob)
    leg_ends(vonage, agent_call, at=59)

    leg_ends(vonage, call, at=60)

    assert voice_api_calls(vonage_api, agent_call) == []
    # The default: the agent's hang-up ended the caller's call (through the Voice API).
    assert voice_api_calls(vonage_api, call) == [{"action": "hangup"}]


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_keeps_the_caller_on_the_line_says_goodbye_when_the_agent_leaves(
    vonage, vonage_api, billing, billing_skill
):
    billing.end_call_when_agent_hangs_up = False
    billing.save()
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, agent_call, agent_ncco = agent_connected(vonage, vonage_api, billing, bob)

    leg_ends(vonage, agent_call, at=60)

    assert [action.get("endOnExit") for action in agent_ncco] == [False]
    [transfer] = voice_api_calls(vonage_api, call)
    assert transfer["destination"]["ncco"] == [
        {"action": "talk", "text": "Thank you for calling. Goodbye.", "language": "en-US"}
    ]
    assert Task.objects.get().state == Task.State.COMPLETED
