"""/ws/media/, the websocket Vonage streams a call's audio to: refused without Vonage's
signed JWT; with it, the first message says which call and speaker, and the audio becomes
transcript segments."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings

from callcentre.asgi import application
from callcentre.vonage.signing import sign_webhook
from conversations.models import TranscriptSegment
from routing.tests.factories import ConversationFactory
from speech.tests.helpers import needs_espeak, silence, spoken, words

pytestmark = pytest.mark.django_db(transaction=True)


def vonage_authorization(secret: str | None = None) -> tuple[bytes, bytes]:
    token = sign_webhook(
        body=b"",
        secret=secret or settings.VONAGE_SIGNATURE_SECRET,
        api_key=settings.VONAGE_API_KEY,
    )
    return (b"authorization", f"Bearer {token}".encode())


def media_socket(*headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/media/", headers=list(headers))


@async_to_sync
async def handshake(communicator: WebsocketCommunicator) -> bool:
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


def test_a_connection_without_vonages_token_is_refused_at_the_handshake():
    assert handshake(media_socket()) is False


def test_a_token_signed_with_another_secret_is_refused():
    other = vonage_authorization(secret="another-secret-of-at-least-32-bytes-long")
    assert handshake(media_socket(other)) is False


def test_vonages_token_is_accepted():
    assert handshake(media_socket(vonage_authorization())) is True


@async_to_sync
async def first_message_closes_with(first: str) -> int | None:
    communicator = media_socket(vonage_authorization())
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=first)
    output = await communicator.receive_output(timeout=5)
    await communicator.disconnect()
    return output.get("code") if output["type"] == "websocket.close" else None


def test_a_stream_naming_no_call_is_closed():
    first = {"event": "websocket:connected", "content-type": "audio/l16;rate=16000"}
    assert (
        first_message_closes_with(
            json.dumps({**first, "conversation_id": "999999", "speaker": "customer"})
        )
        == 4400
    )
    assert first_message_closes_with("not json") == 4400


def test_another_audio_format_is_closed():
    conversation = ConversationFactory()
    first = {
        "event": "websocket:connected",
        "content-type": "audio/l16;rate=8000",
        "conversation_id": str(conversation.pk),
        "speaker": "customer",
    }
    assert first_message_closes_with(json.dumps(first)) == 4400


@needs_espeak
def test_the_streamed_words_become_a_segment_of_the_speaker():
    conversation = ConversationFactory()
    audio = silence(0.4) + spoken("I have a problem with my bill") + silence(1.0)

    @async_to_sync
    async def stream() -> None:
        communicator = media_socket(vonage_authorization())
        assert (await communicator.connect())[0]
        first = {
            "event": "websocket:connected",
            "content-type": "audio/l16;rate=16000",
            "conversation_id": str(conversation.pk),
            "speaker": "customer",
        }
        await communicator.send_to(text_data=json.dumps(first))
        for start in range(0, len(audio), 640):
            await communicator.send_to(bytes_data=audio[start : start + 640])
        await communicator.disconnect(timeout=30)  # the consumer works through its queue

    stream()

    segment = TranscriptSegment.objects.get(conversation=conversation)
    assert segment.speaker == "customer"
    assert "problem" in words(segment.text)
    assert 0.1 < segment.started_at < segment.ended_at
