"""Live transcription of a call: placing Vonage's websocket legs, keeping what they hear.

When an agent's leg is answered on a call whose queue transcribes (`Queue.transcribe_calls`),
two websocket legs join the call's conversation through the Voice API, each hearing one
party only (`canHear` with that party's leg, `canSpeak` empty so nobody hears them): the
customer's words and the agent's words arrive as separate streams at /ws/media/
(speech.consumers), so every segment has its speaker. Vonage authenticates the websocket with
the signed-webhook JWT and sends the headers we give the leg in its first text message.
"""

import logging
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from ai.services import utterance_observed
from callcentre.celery import enqueue
from callcentre.realtime import agent_group, publish
from callcentre.vonage import ncco
from callcentre.vonage.client import get_client
from conversations.models import Conversation, Member, TranscriptSegment
from conversations.selectors import customer_leg_uuid
from routing import recording
from routing.models import Queue, Task
from routing.rooms import waiting_room_name
from speech import engines

logger = logging.getLogger(__name__)

CONTENT_TYPE: Final = "audio/l16;rate=16000"
SPEAKERS = ("customer", "agent", "supervisor")
# A call is transcribed once, whoever else joins it later (the key outlives any call).
STARTED_KEY_SECONDS = 24 * 3600


class MediaStreamRefused(Exception):
    """A media stream names no call we transcribe; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class MediaStreamTarget:
    conversation_id: int
    speaker: str


def media_event_url() -> str:
    return f"{settings.PUBLIC_URL}/webhooks/media-event"


def transcription_start_later(*, conversation_id: int, agent_id: int) -> None:
    """After commit, queue the start of this call's transcription (the agent just answered)."""
    if not engines.is_enabled():
        return
    transaction.on_commit(lambda: enqueue("speech.transcription_start", conversation_id, agent_id))


def transcription_wanted(*, task: Task | None) -> bool:
    """Whether the agent's call is transcribed: the engine is on, the queue asks for it, and
    the caller did not refuse recording (routing.recording: a queue that asks for consent
    needs a yes; silence after the notice is one)."""
    if task is None or not engines.is_enabled() or not task.queue.transcribe_calls:
        return False
    consent = task.conversation.attributes.get(recording.CONSENT_KEY)
    if consent is False:
        return False
    return task.queue.recording != Queue.Recording.CONSENT or consent is True


def transcription_start(*, conversation_id: int, agent_id: int) -> list[str]:
    """Join the websocket legs that transcribe the call; returns their leg uuids (none when
    the call is not transcribed, was already, or has no customer on the line)."""
    task = (
        Task.objects.select_related("queue", "conversation")
        .filter(conversation_id=conversation_id, agent_id=agent_id, channel="voice")
        .order_by("-pk")
        .first()
    )
    if task is None or not transcription_wanted(task=task):
        return []
    conversation = task.conversation
    customer_leg = customer_leg_uuid(conversation=conversation)
    agent_leg = (
        Member.objects.filter(conversation=conversation, agent_id=agent_id, kind=Member.Kind.AGENT)
        .exclude(leg_uuid=None)
        .order_by("-pk")
        .values_list("leg_uuid", flat=True)
        .first()
    )
    if customer_leg is None or agent_leg is None:
        return []
    if not cache.add(f"speech:started:{conversation.vonage_uuid}", agent_id, STARTED_KEY_SECONDS):
        return []
    room = waiting_room_name(conversation)
    legs = []
    for speaker, heard_leg in (("customer", customer_leg), ("agent", agent_leg)):
        created = get_client().create_call(
            to=media_endpoint(conversation=conversation, speaker=speaker),
            ncco=ncco.ncco_to_json(
                [
                    ncco.Conversation(
                        name=room, start_on_enter=False, can_hear=[heard_leg], can_speak=[]
                    )
                ]
            ),
            event_url=media_event_url(),
            random_from_number=True,
        )
        legs.append(created.uuid)
        logger.info(
            "transcribing the %s of conversation %s on leg %s",
            speaker,
            conversation.pk,
            created.uuid,
        )
    return legs


def media_endpoint(*, conversation: Conversation, speaker: str) -> dict:
    """The websocket endpoint Vonage connects: our /ws/media/, told whose words it carries."""
    return ncco.WebsocketEndpoint(
        uri=settings.MEDIA_STREAM_URL,
        content_type=CONTENT_TYPE,
        headers={"conversation_id": conversation.pk, "speaker": speaker},
        authorization=ncco.WebsocketAuthorization(type="vonage"),
    ).to_dict()


def media_stream_target(*, first_message: dict) -> MediaStreamTarget:
    """Read Vonage's first text message of a media stream (CONTRACT §4: the content type and
    the headers we set); MediaStreamRefused when it names no call or another format."""
    if first_message.get("event") != "websocket:connected":
        raise MediaStreamRefused("the first message is not websocket:connected")
    if str(first_message.get("content-type", "")).replace(" ", "") != CONTENT_TYPE:
        raise MediaStreamRefused(f"content-type must be {CONTENT_TYPE}")
    speaker = first_message.get("speaker")
    if speaker not in SPEAKERS:
        raise MediaStreamRefused(f"speaker must be one of {', '.join(SPEAKERS)}")
    try:
        conversation_id = int(first_message.get("conversation_id", ""))
    except (TypeError, ValueError):
        raise MediaStreamRefused("conversation_id is not a number") from None
    if not Conversation.objects.filter(pk=conversation_id).exists():
        raise MediaStreamRefused(f"no conversation {conversation_id}")
    return MediaStreamTarget(conversation_id=conversation_id, speaker=speaker)


def segment_record(*, target: MediaStreamTarget, utterance: engines.Utterance) -> TranscriptSegment:
    """Keep a final segment with its sentiment (ai.services.utterance_observed scores it,
    moves the call's running sentiment and makes the agent-assist suggestions it triggers)
    and push it, after commit, to the agents on the call."""
    with transaction.atomic():
        score = utterance_observed(
            conversation_id=target.conversation_id,
            text=utterance.text,
            speaker=target.speaker,
            source="transcript",
        )
        segment = TranscriptSegment.objects.create(
            conversation_id=target.conversation_id,
            speaker=target.speaker,
            started_at=utterance.started_at,
            ended_at=utterance.ended_at,
            text=utterance.text,
            confidence=utterance.confidence,
            sentiment=score,
        )
        agent_ids = set(
            Member.objects.filter(
                conversation_id=target.conversation_id,
                kind=Member.Kind.AGENT,
                left_at__isnull=True,
            )
            .filter(agent__isnull=False)
            .values_list("agent_id", flat=True)
        )
        payload = segment_payload(segment)
        transaction.on_commit(lambda: _push(agent_ids, payload))
    return segment


def segment_payload(segment: TranscriptSegment) -> dict:
    return {
        "id": segment.pk,
        "conversation_id": segment.conversation_id,
        "speaker": segment.speaker,
        "started_at": segment.started_at,
        "ended_at": segment.ended_at,
        "text": segment.text,
        "confidence": segment.confidence,
        "sentiment": segment.sentiment,
    }


def _push(agent_ids: set[int], payload: dict) -> None:
    for agent_id in sorted(agent_ids):
        publish(agent_group(agent_id), "transcript.segment", payload)


def media_leg_event(*, payload: dict) -> None:
    """An event of a transcription leg: logged (the stream itself says when it ends)."""
    status = payload.get("status")
    if status in ("failed", "rejected", "unanswered", "timeout"):
        logger.warning("transcription leg %s: %s", payload.get("uuid"), status)
