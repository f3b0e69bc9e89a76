"""GET /api/agent/transcript: the transcript so far of the agent's own calls, audited."""

import pytest
from django.utils import timezone

from agents.tests.factories import UserFactory
from compliance.models import AuditEntry
from conversations.models import Conversation, Member, TranscriptSegment
from routing.tests.factories import ConversationFactory, available_agent

pytestmark = pytest.mark.django_db

URL = "/api/agent/transcript"


def on_call(agent, *, left: bool = False) -> Conversation:
    conversation = ConversationFactory()
    Member.objects.create(
        conversation=conversation,
        kind=Member.Kind.AGENT,
        agent=agent,
        channel="voice",
        leg_uuid=f"leg-{conversation.pk}",
        left_at=timezone.now() if left else None,
    )
    return conversation


def segment(conversation: Conversation, speaker: str, started_at: float, text: str):
    return TranscriptSegment.objects.create(
        conversation=conversation,
        speaker=speaker,
        started_at=started_at,
        ended_at=started_at + 1.5,
        text=text,
        confidence=0.8,
    )


def test_the_agent_reads_the_transcript_of_their_call_in_order_and_it_is_audited(client):
    bob = available_agent("Bob", skills={})
    call = on_call(bob)
    segment(call, "agent", 3.0, "how can i help")
    segment(call, "customer", 1.0, "i have a problem with my bill")
    segment(on_call(available_agent("Alice", skills={})), "customer", 1.0, "not bob's call")
    segment(on_call(bob, left=True), "customer", 1.0, "a call bob left")
    client.force_login(bob.user)

    answer = client.get(URL)

    assert answer.status_code == 200
    [conversation] = answer.json()["conversations"]
    assert conversation["conversation_id"] == call.pk
    assert [(s["speaker"], s["text"]) for s in conversation["segments"]] == [
        ("customer", "i have a problem with my bill"),
        ("agent", "how can i help"),
    ]
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.object_id, entry.user) == ("transcript", str(call.pk), bob.user)


def test_someone_who_is_not_an_agent_is_refused_and_nothing_is_audited(client):
    client.force_login(UserFactory(username="sam"))
    answer = client.get(URL)
    assert answer.status_code == 403
    assert answer.json() == {"detail": "You are not set up as an agent."}
    assert not AuditEntry.objects.exists()


def test_without_a_login_it_is_refused(client):
    assert client.get(URL).status_code == 403
