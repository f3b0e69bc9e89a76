"""Starting a call's transcription: two websocket legs, one per party, only where the queue
asks for it, once per call."""

import uuid

import pytest
from django.utils import timezone

from ai.models import Utterance as AiUtterance
from conversations.models import Member
from routing.models import Task
from routing.tests.factories import ConversationFactory, QueueFactory, available_agent
from speech import services
from speech.engines import Utterance

pytestmark = pytest.mark.django_db


def answered_call(*, transcribe: bool, recording: str = "off", consent: bool | None = None):
    queue = QueueFactory(name="Billing", transcribe_calls=transcribe, recording=recording)
    bob = available_agent("Bob", skills={})
    conversation = ConversationFactory(vonage_uuid=f"CON-{uuid.uuid4()}")  # a new call
    if consent is not None:
        conversation.attributes = {"recording_consent": consent}
        conversation.save()
    Member.objects.create(
        conversation=conversation, kind="customer", channel="voice", leg_uuid="customer-leg"
    )
    Member.objects.create(
        conversation=conversation, kind="agent", agent=bob, channel="voice", leg_uuid="bob-leg"
    )
    Task.objects.create(
        conversation=conversation,
        queue=queue,
        channel="voice",
        agent=bob,
        state="assigned",
        queued_at=timezone.now(),
    )
    return conversation, bob


def created_calls(vonage_api) -> list[dict]:
    return [r.body for r in vonage_api.received if (r.method, r.path) == ("POST", "/v1/calls")]


def test_a_transcribed_queue_gets_a_listening_websocket_leg_per_party(vonage_api, settings):
    settings.MEDIA_STREAM_URL = "wss://centre.example.com/ws/media/"
    conversation, bob = answered_call(transcribe=True)

    legs = services.transcription_start(conversation_id=conversation.pk, agent_id=bob.pk)

    assert len(legs) == 2
    calls = created_calls(vonage_api)
    assert [call["to"] for call in calls] == [
        [
            {
                "type": "websocket",
                "uri": "wss://centre.example.com/ws/media/",
                "content-type": "audio/l16;rate=16000",
                "headers": {"conversation_id": conversation.pk, "speaker": speaker},
                "authorization": {"type": "vonage"},
            }
        ]
        for speaker in ("customer", "agent")
    ]
    assert [call["ncco"] for call in calls] == [
        [
            {
                "action": "conversation",
                "name": f"waiting-{conversation.vonage_uuid}",
                "startOnEnter": False,
                "canSpeak": [],
                "canHear": [leg],
            }
        ]
        for leg in ("customer-leg", "bob-leg")
    ]
    assert {call["event_url"][0] for call in calls} == {
        f"{settings.PUBLIC_URL}/webhooks/media-event"
    }
    # A second answered leg (a colleague joining) does not start it again.
    assert services.transcription_start(conversation_id=conversation.pk, agent_id=bob.pk) == []
    assert len(created_calls(vonage_api)) == 2


def test_a_queue_that_does_not_transcribe_places_no_leg(vonage_api):
    conversation, bob = answered_call(transcribe=False)
    assert services.transcription_start(conversation_id=conversation.pk, agent_id=bob.pk) == []
    assert created_calls(vonage_api) == []


def test_with_the_engine_off_no_leg_is_placed(vonage_api, settings):
    settings.SPEECH_ENGINE = "off"
    conversation, bob = answered_call(transcribe=True)
    assert services.transcription_start(conversation_id=conversation.pk, agent_id=bob.pk) == []
    assert created_calls(vonage_api) == []


@pytest.mark.parametrize(
    ("recording", "consent", "legs"),
    [
        ("consent", False, 0),  # the caller pressed 9: not recorded, not transcribed
        ("consent", None, 0),  # not answered yet: no consent yet
        ("consent", True, 2),
        ("always", None, 2),  # the caller heard the notice
        ("off", False, 0),  # refused on a way in that asked (a transfer from another queue)
    ],
)
def test_the_callers_recording_consent_is_honoured(vonage_api, recording, consent, legs):
    conversation, bob = answered_call(transcribe=True, recording=recording, consent=consent)
    placed = services.transcription_start(conversation_id=conversation.pk, agent_id=bob.pk)
    assert len(placed) == legs
    assert len(created_calls(vonage_api)) == legs


def test_a_segment_is_scored_and_moves_the_calls_sentiment_and_pushes_its_suggestions():
    conversation, bob = answered_call(transcribe=True)
    target = services.MediaStreamTarget(conversation_id=conversation.pk, speaker="customer")

    segment = services.segment_record(
        target=target,
        utterance=Utterance(
            started_at=1.0, ended_at=3.0, text="this is terrible I am very angry", confidence=0.7
        ),
    )

    conversation.refresh_from_db()
    assert segment.sentiment is not None and segment.sentiment < -0.5
    assert conversation.sentiment == pytest.approx(segment.sentiment)
    observed = AiUtterance.objects.get(conversation=conversation)
    assert (observed.source, observed.speaker, observed.text) == (
        "transcript",
        "customer",
        "this is terrible I am very angry",
    )
