"""Streaming speech-to-text behind one interface: open a stream, feed it 16-bit linear PCM,
take the finished utterances.

SPEECH_ENGINE picks the engine: "pocketsphinx" (the default; offline, on the acoustic and
language model that ship inside the pocketsphinx wheel) or "deepgram" (Deepgram's streaming
API through its official SDK). A new engine is a module here with an `open_stream` function
and a line in ENGINES.
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings

SAMPLE_RATE = 16000
ENGINES = {
    "pocketsphinx": "speech.engines.sphinx",
    "deepgram": "speech.engines.deepgram",
}


class EngineUnavailable(Exception):
    """The configured engine cannot transcribe (unknown, misconfigured or unreachable)."""


@dataclass(frozen=True, kw_only=True)
class Utterance:
    """One finished stretch of speech; times are seconds from the start of the stream."""

    started_at: float
    ended_at: float
    text: str
    confidence: float | None


class Recogniser(Protocol):
    """One audio stream being transcribed. Not thread-safe: one caller at a time."""

    def accept(self, audio: bytes) -> list[Utterance]:
        """Take more audio (16-bit little-endian mono PCM); return the utterances it ended."""
        ...

    def finish(self) -> list[Utterance]:
        """The stream is over: return what is left and release the engine's resources."""
        ...


def engine_name() -> str:
    return settings.SPEECH_ENGINE.strip().lower()


def is_enabled() -> bool:
    return engine_name() != "off"


def open_stream(*, sample_rate: int = SAMPLE_RATE, engine: str | None = None) -> Recogniser:
    """A recogniser on the configured engine (or `engine`); EngineUnavailable if it cannot."""
    name = engine or engine_name()
    if name not in ENGINES:
        raise EngineUnavailable(
            f"unknown SPEECH_ENGINE {name!r}: choose one of {', '.join(ENGINES)} or off"
        )
    if sample_rate != SAMPLE_RATE:
        raise EngineUnavailable(f"audio at {sample_rate} Hz: the engines take {SAMPLE_RATE} Hz")
    opener: Callable[[], Recogniser] = import_module(ENGINES[name]).open_stream
    return opener()
