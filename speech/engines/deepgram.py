"""The cloud engine: Deepgram's streaming API (wss://api.deepgram.com/v1/listen) through the
official `deepgram-sdk`.

The stream is opened with the audio's format (linear16, 16 kHz, one channel); audio goes up as
binary messages; Deepgram answers with `Results` messages, of which the final ones
(`is_final`) become utterances. `CloseStream` at the end makes it send what it still holds.
DEEPGRAM_URL points the SDK elsewhere (a regional or self-hosted endpoint, or the tests'
local fake server speaking the same protocol).
"""

import contextlib
import logging
import queue
import threading
from typing import Any

from django.conf import settings

from speech.engines import SAMPLE_RATE, EngineUnavailable, Utterance

logger = logging.getLogger(__name__)

# How long finish() waits for Deepgram's last results after CloseStream.
CLOSE_WAIT_SECONDS = 10.0


class DeepgramRecogniser:
    def __init__(self) -> None:
        from deepgram import DeepgramClient
        from deepgram.environment import DeepgramClientEnvironment

        if not settings.DEEPGRAM_API_KEY:
            raise EngineUnavailable("SPEECH_ENGINE is deepgram but DEEPGRAM_API_KEY is not set")
        base = settings.DEEPGRAM_URL
        client = DeepgramClient(
            api_key=settings.DEEPGRAM_API_KEY,
            environment=DeepgramClientEnvironment(
                base=base.replace("ws", "http", 1),
                production=base,
                agent=base,
                agent_rest=base.replace("ws", "http", 1),
            ),
        )
        self.exits = contextlib.ExitStack()
        try:
            self.socket = self.exits.enter_context(
                client.listen.v1.connect(
                    model=settings.DEEPGRAM_MODEL,
                    encoding="linear16",
                    sample_rate=str(SAMPLE_RATE),
                    channels="1",
                    interim_results="false",
                    punctuate="true",
                )
            )
        except Exception as error:  # the SDK raises its own and the websockets library's
            self.exits.close()
            raise EngineUnavailable(f"could not open a Deepgram stream: {error}") from error
        self.results: queue.Queue[Any] = queue.Queue()
        self.reader = threading.Thread(target=self._read, name="deepgram-reader", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        try:
            for message in self.socket:
                self.results.put(message)
        except Exception as error:
            logger.warning("the Deepgram stream failed: %s", error)

    def accept(self, audio: bytes) -> list[Utterance]:
        try:
            self.socket.send_media(audio)
        except Exception as error:
            raise EngineUnavailable(f"the Deepgram stream is closed: {error}") from error
        return self._drain()

    def finish(self) -> list[Utterance]:
        with contextlib.suppress(Exception):
            self.socket.send_close_stream()
        self.reader.join(CLOSE_WAIT_SECONDS)
        self.exits.close()
        return self._drain()

    def _drain(self) -> list[Utterance]:
        utterances: list[Utterance] = []
        while True:
            try:
                message = self.results.get_nowait()
            except queue.Empty:
                return utterances
            utterance = _utterance(message)
            if utterance is not None:
                utterances.append(utterance)


def _utterance(message: Any) -> Utterance | None:
    """A final `Results` message as an utterance; None for anything else."""
    if getattr(message, "type", None) != "Results" or not message.is_final:
        return None
    alternatives = message.channel.alternatives
    if not alternatives or not alternatives[0].transcript.strip():
        return None
    best = alternatives[0]
    return Utterance(
        started_at=round(message.start, 2),
        ended_at=round(message.start + message.duration, 2),
        text=best.transcript.strip(),
        confidence=best.confidence,
    )


def open_stream() -> DeepgramRecogniser:
    return DeepgramRecogniser()
