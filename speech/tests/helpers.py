"""Test support for speech/: espeak-ng audio, tones, and a local server speaking Deepgram's
streaming protocol (wss://api.deepgram.com/v1/listen)."""

import array
import asyncio
import json
import math
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Request, Response, ServerConnection, serve

from sandbox.sound import spoken_pcm

SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2

# CHECK_SPEECH_REQUIRED=1 (CI): fail instead of skipping.
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None and os.environ.get("CHECK_SPEECH_REQUIRED") != "1",
    reason="espeak-ng is not installed (apt-get install espeak-ng; .ci/run installs it)",
)


def spoken(text: str) -> bytes:
    """`text` spoken by espeak-ng, as 16 kHz 16-bit mono PCM (as the sandbox streams it)."""
    pcm = asyncio.run(spoken_pcm(text, sample_rate=SAMPLE_RATE))
    assert pcm is not None, "espeak-ng did not speak"
    return pcm


def silence(seconds: float) -> bytes:
    return bytes(int(BYTES_PER_SECOND * seconds))


def tone(seconds: float, frequency: float = 300.0) -> bytes:
    count = int(SAMPLE_RATE * seconds)
    return array.array(
        "h", (int(8000 * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE)) for n in range(count))
    ).tobytes()


def words(text: str) -> list[str]:
    return [word.strip(".,!?").lower() for word in text.split()]


@dataclass
class FakeDeepgram:
    """Deepgram's live transcription as its API documents it, offline: the client opens
    /v1/listen?encoding=linear16&sample_rate=16000&channels=1 with `Authorization: Token
    <key>`, sends binary audio, and gets a final `Results` message for each stretch of sound
    followed by silence (found by energy here), the next of `transcripts` as its words; on
    `CloseStream` it gets the rest, a `Metadata` message, and the close."""

    api_key: str
    transcripts: list[str]
    url: str = ""
    received_bytes: int = 0
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    refused: int = 0

    FRAME = 640  # 20 ms
    QUIET = 500  # mean absolute amplitude below which a frame is silence
    END_SILENCE_FRAMES = 15  # 300 ms of silence ends a stretch

    def check(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path)
        if path.path != "/v1/listen":
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found\n")
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            self.refused += 1
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Invalid credentials\n")
        query = parse_qs(path.query)
        if query.get("encoding") != ["linear16"] or query.get("sample_rate") != ["16000"]:
            return connection.respond(HTTPStatus.BAD_REQUEST, "Unsupported audio format\n")
        self.queries.append(query)
        return None

    def handle(self, connection: ServerConnection) -> None:
        pending = b""
        frame_index = 0
        start: int | None = None
        quiet_run = 0
        transcripts = iter(self.transcripts)

        def results(first: int, last: int) -> None:
            text = next(transcripts, "")
            message = {
                "type": "Results",
                "channel_index": [0, 1],
                "duration": round((last - first) * 0.02, 3),
                "start": round(first * 0.02, 3),
                "is_final": True,
                "speech_final": True,
                "channel": {
                    "alternatives": [
                        {
                            "transcript": text,
                            "confidence": 0.93,
                            "words": [
                                {"word": w, "start": 0.0, "end": 0.0, "confidence": 0.93}
                                for w in words(text)
                            ],
                        }
                    ]
                },
                "metadata": {
                    "request_id": str(uuid.uuid4()),
                    "model_info": {"name": "general-nova-3", "version": "fake", "arch": "nova-3"},
                    "model_uuid": str(uuid.uuid4()),
                },
                "from_finalize": False,
            }
            connection.send(json.dumps(message))

        try:
            for message in connection:
                if isinstance(message, str):
                    if json.loads(message).get("type") == "CloseStream":
                        break
                    continue
                self.received_bytes += len(message)
                pending += message
                while len(pending) >= self.FRAME:
                    frame, pending = pending[: self.FRAME], pending[self.FRAME :]
                    samples = array.array("h", frame)
                    loud = sum(abs(s) for s in samples) / len(samples) >= self.QUIET
                    if loud:
                        start = frame_index if start is None else start
                        quiet_run = 0
                    elif start is not None:
                        quiet_run += 1
                        if quiet_run >= self.END_SILENCE_FRAMES:
                            results(start, frame_index - quiet_run + 1)
                            start = None
                    frame_index += 1
            if start is not None:
                results(start, frame_index - quiet_run)
            connection.send(
                json.dumps(
                    {
                        "type": "Metadata",
                        "transaction_key": "deprecated",
                        "request_id": str(uuid.uuid4()),
                        "sha256": "0" * 64,
                        "created": "2026-12-06T05:00:00.000Z",
                        "duration": self.received_bytes / BYTES_PER_SECOND,
                        "channels": 1,
                    }
                )
            )
        except ConnectionClosed:
            return


@contextmanager
def fake_deepgram(*, api_key: str, transcripts: list[str]) -> Iterator[FakeDeepgram]:
    fake = FakeDeepgram(api_key=api_key, transcripts=transcripts)
    with serve(fake.handle, "127.0.0.1", 0, process_request=fake.check) as server:
        fake.url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield fake
        finally:
            server.shutdown()
            thread.join(5)
