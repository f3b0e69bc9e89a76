"""Agent assist: suggestions reach the agent's desktop live and are marked used or dismissed."""

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from ai import services
from ai.models import AssistRule, KnowledgeArticle, Suggestion
from callcentre.tests.websockets import screen_socket, session_cookie, sync
from conversations.models import Conversation, TranscriptSegment
from routing.models import Task
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
def router_rule():
    article = KnowledgeArticle.objects.create(
        title="Router lights explained", url="https://help.example.com/router"
    )
    return AssistRule.objects.create(
        name="Router lights",
        keywords="red light, router",
        text="Ask which lights are on; walk them through a restart",
        article=article,
    )


@pytest.fixture
def held_call():
    """Bob holds a support call: his leg is in it (he accepted and answered)."""
    technical = SkillFactory(name="technical")
    queue = QueueFactory(name="Support")
    QueueSkillFactory(queue=queue, skill=technical)
    bob = available_agent("Bob", skills={technical: 8})
    conversation = ConversationFactory()
    task_enqueue(conversation=conversation, queue=queue)
    Task.objects.filter(conversation=conversation).update(
        state="assigned", agent=bob, assigned_at=timezone.now()
    )
    conversation.members.create(
        kind="agent", channel="app", agent=bob, leg_uuid="leg-bob", joined_at=timezone.now()
    )
    return bob, conversation


def transcript_segment(conversation: Conversation, text: str, at: float) -> float | None:
    """What the transcription does with each final segment (speech app)."""
    segment = TranscriptSegment.objects.create(
        conversation=conversation, speaker="customer", started_at=at, ended_at=at + 2, text=text
    )
    score = services.utterance_observed(
        conversation_id=conversation.pk, text=text, speaker="customer", source="transcript"
    )
    TranscriptSegment.objects.filter(pk=segment.pk).update(sentiment=score)
    return score


def test_a_suggestion_appears_on_the_desktop_as_the_transcript_moves(held_call, router_rule):
    bob, conversation = held_call
    socket = screen_socket("/ws/agent/", session_cookie(bob.user))

    @async_to_sync
    async def run() -> list[dict]:
        assert (await socket.connect())[0]
        assert await socket.receive_json_from() == {"type": "hello"}
        await sync(transcript_segment)(conversation, "I'm calling about my broadband", 0.0)
        first = await socket.receive_json_from(timeout=5)
        await sync(transcript_segment)(conversation, "the router shows a red light", 4.0)
        event = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return [first, event]

    first, event = run()

    # The first words give the customer's sentiment (neutral) and no suggestion yet.
    assert (first["type"], first["sentiment"], first["suggestions"]) == (
        "assist.suggestions",
        0.0,
        [],
    )
    assert event["type"] == "assist.suggestions"
    assert [(item["text"], item["article_url"]) for item in event["suggestions"]] == [
        ("Ask which lights are on; walk them through a restart", "https://help.example.com/router")
    ]
    # The same rule suggests once per contact.
    transcript_segment(conversation, "the router is still red", 8.0)
    assert Suggestion.objects.filter(conversation=conversation).count() == 1


def test_the_agent_marks_a_suggestion_used_once(client, held_call, router_rule):
    bob, conversation = held_call
    transcript_segment(conversation, "my router is broken", 0.0)
    client.force_login(bob.user)
    [task] = client.get("/api/agent/").json()["tasks"]
    [shown] = task["assist"]["suggestions"]

    used = client.post(f"/api/agent/suggestions/{shown['id']}/used")
    again = client.post(f"/api/agent/suggestions/{shown['id']}/dismissed")

    assert (used.status_code, used.json()["state"]) == (200, "used")
    assert again.status_code == 409
    assert again.json()["detail"] == "This suggestion was already used."
    suggestion = Suggestion.objects.get()
    assert (suggestion.state, suggestion.agent) == ("used", bob)
    [task] = client.get("/api/agent/").json()["tasks"]
    assert task["assist"]["suggestions"][0]["state"] == "used"


def test_another_agent_cannot_answer_a_suggestion(client, held_call, router_rule):
    _, conversation = held_call
    transcript_segment(conversation, "my router is broken", 0.0)
    carol = available_agent("Carol", skills={})
    client.force_login(carol.user)

    response = client.post(f"/api/agent/suggestions/{Suggestion.objects.get().pk}/dismissed")

    assert response.status_code == 404
    assert Suggestion.objects.get().state == "shown"


def test_a_rule_with_several_conditions_needs_them_all(held_call):
    _, conversation = held_call
    AssistRule.objects.create(
        name="Angry about the router",
        keywords="router",
        sentiment_at_most=-0.3,
        text="Apologise first",
    )

    transcript_segment(conversation, "the router", 0.0)
    assert not Suggestion.objects.exists()
    transcript_segment(conversation, "this useless router is terrible", 2.0)

    conversation.refresh_from_db()
    assert conversation.sentiment < -0.3
    assert Suggestion.objects.get().text == "Apologise first"


def test_chat_messages_move_the_sentiment_and_agents_words_do_not(held_call):
    _, conversation = held_call

    services.utterance_observed(
        conversation_id=conversation.pk, text="This is awful", speaker="customer", source="chat"
    )
    services.utterance_observed(
        conversation_id=conversation.pk, text="Wonderful, great!", speaker="agent", source="chat"
    )

    conversation.refresh_from_db()
    assert conversation.sentiment == -0.4588
    assert conversation.utterances.count() == 2
