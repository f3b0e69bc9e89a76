"""The leg the centre places to an agent belongs to the caller's conversation, even when
Vonage reports it before the create-call answer arrives."""

import pytest

from agents.tests.factories import AgentFactory
from conversations import selectors, services
from conversations.models import Conversation, Event, Member
from conversations.tests import payloads

pytestmark = pytest.mark.django_db


def test_an_agent_leg_reported_first_is_moved_into_the_callers_conversation(vonage):
    caller = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(caller))
    conversation = Conversation.objects.get(vonage_uuid=caller["conversation_uuid"])
    agent = AgentFactory(vonage_user="agent-bob")
    agent_leg = payloads.new_call()  # Vonage gives the agent's call its own conversation
    started = payloads.status(agent_leg, "started", to="agent-bob", direction="outbound")
    assert vonage.post("/webhooks/event", started).status_code == 204

    member = services.member_add_agent_leg(
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

    first = services.member_add_agent_leg(
        conversation=conversation, agent_id=agent.pk, leg_uuid="leg-1"
    )
    again = services.member_add_agent_leg(
        conversation=conversation, agent_id=agent.pk, leg_uuid="leg-1"
    )

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
            services.member_add_agent_leg(
                conversation=conversation, agent_id=agent.pk, leg_uuid=leg_uuid
            )
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
