"""/ws/media/: the websocket Vonage connects to stream a call's audio (CONTRACT §4).

Vonage opens it with `Authorization: Bearer <signed-webhook JWT>`; a connection without a
valid one is refused at the handshake. The first text message carries the content type and
the headers we gave the leg (the conversation and the speaker); binary messages follow, 20 ms
of 16-bit 16 kHz audio each. Final utterances become transcript segments as they are heard.
"""

import json
import logging

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from callcentre.vonage.signing import SignatureError, verify_webhook
from speech import engines, services
from speech.streams import MediaStream

logger = logging.getLogger(__name__)

CLOSE_BAD_START = 4400
CLOSE_ENGINE_DOWN = 4503


class MediaStreamConsumer(AsyncWebsocketConsumer):
    target: services.MediaStreamTarget | None = None
    stream: MediaStream | None = None

    async def connect(self) -> None:
        headers = dict(self.scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1") or None
        if settings.VONAGE_VERIFY_SIGNATURES:
            try:
                await database_sync_to_async(verify_webhook)(
                    authorization=authorization, body=b"", method="GET"
                )
            except SignatureError as error:
                logger.warning("refused a media stream: %s", error.reason)
                await self.close()  # before accept: the handshake is refused (HTTP 403)
                return
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.stream is None:
            if self.target is None:
                await self._start(text_data)
            return
        if bytes_data:
            self.stream.add(bytes_data)
            if self.stream.has_batch():
                utterances = await sync_to_async(
                    self.stream.transcribe_batch, thread_sensitive=False
                )()
                await self._record(utterances)

    async def _start(self, text_data: str | None) -> None:
        try:
            first = json.loads(text_data or "")
            if not isinstance(first, dict):
                raise services.MediaStreamRefused("the first message is not a JSON object")
            target = await database_sync_to_async(services.media_stream_target)(first_message=first)
        except (ValueError, services.MediaStreamRefused) as error:
            reason = getattr(error, "reason", "the first message is not JSON")
            logger.warning("media stream refused: %s", reason)
            await self.close(code=CLOSE_BAD_START)
            return
        self.target = target
        try:
            recogniser = await sync_to_async(engines.open_stream, thread_sensitive=False)()
        except engines.EngineUnavailable as error:
            logger.error("no transcription for conversation %s: %s", target.conversation_id, error)
            await self.close(code=CLOSE_ENGINE_DOWN)
            return
        self.stream = MediaStream(recogniser)

    async def disconnect(self, code: int) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            utterances = await sync_to_async(stream.finish, thread_sensitive=False)()
            await self._record(utterances)

    async def _record(self, utterances: list[engines.Utterance]) -> None:
        target = self.target
        if target is None:
            return
        for utterance in utterances:
            await database_sync_to_async(services.segment_record)(
                target=target, utterance=utterance
            )
