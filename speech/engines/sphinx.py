"""The offline engine: PocketSphinx with the US English model inside its wheel.

A voice-activity endpointer cuts the stream into utterances; each goes through a decoder.
Loading a decoder takes about half a second, so finished streams hand theirs back to a small
per-process pool for the next one.
"""

import logging
import threading

from pocketsphinx import Decoder, Endpointer

from speech.engines import SAMPLE_RATE, EngineUnavailable, Utterance

logger = logging.getLogger(__name__)

# An utterance longer than this is cut (a caller who never pauses still gets segments).
MAX_UTTERANCE_SECONDS = 15.0
_pool: list[Decoder] = []
_pool_lock = threading.Lock()


def _decoder() -> Decoder:
    with _pool_lock:
        if _pool:
            return _pool.pop()
    try:
        return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
    except (RuntimeError, ValueError) as error:
        raise EngineUnavailable(f"PocketSphinx could not load its model: {error}") from error


def _release(decoder: Decoder) -> None:
    with _pool_lock:
        _pool.append(decoder)


class SphinxRecogniser:
    def __init__(self) -> None:
        self.decoder: Decoder | None = _decoder()
        self.endpointer = Endpointer(sample_rate=SAMPLE_RATE)
        self.frame_bytes: int = self.endpointer.frame_bytes
        self.pending = b""
        self.in_utterance = False
        self.utterance_started = 0.0
        self.seconds_heard = 0.0

    def accept(self, audio: bytes) -> list[Utterance]:
        self.pending += audio
        finished: list[Utterance] = []
        while len(self.pending) >= self.frame_bytes:
            frame = self.pending[: self.frame_bytes]
            self.pending = self.pending[self.frame_bytes :]
            speech = self.endpointer.process(frame)
            self.seconds_heard += self.endpointer.frame_length
            if speech is None:
                continue
            if not self.in_utterance:
                self._start(self.endpointer.speech_start)
            self._decoder().process_raw(speech)
            if not self.endpointer.in_speech:
                finished.extend(self._end(self.endpointer.speech_end))
            elif self.seconds_heard - self.utterance_started > MAX_UTTERANCE_SECONDS:
                finished.extend(self._end(self.seconds_heard))
                self._start(self.seconds_heard)
        return finished

    def finish(self) -> list[Utterance]:
        finished: list[Utterance] = []
        if self.decoder is None:
            return finished
        if self.in_utterance:
            # A whole frame, the unheard rest padded with silence (it takes no empty one).
            last = self.pending[: self.frame_bytes].ljust(self.frame_bytes, b"\0")
            rest = self.endpointer.end_stream(last)
            if rest:
                self._decoder().process_raw(rest)
            finished.extend(self._end(self.seconds_heard))
        _release(self.decoder)
        self.decoder = None
        return finished

    def _decoder(self) -> Decoder:
        if self.decoder is None:
            raise RuntimeError("the stream is finished")
        return self.decoder

    def _start(self, at: float) -> None:
        self._decoder().start_utt()
        self.in_utterance = True
        self.utterance_started = at

    def _end(self, at: float) -> list[Utterance]:
        decoder = self._decoder()
        decoder.end_utt()
        self.in_utterance = False
        hypothesis = decoder.hyp()
        if hypothesis is None or not hypothesis.hypstr.strip():
            return []
        return [
            Utterance(
                started_at=round(self.utterance_started, 2),
                ended_at=round(at, 2),
                text=hypothesis.hypstr.strip(),
                # The posterior of the best path (1.0 when the decoder computed none).
                confidence=round(min(1.0, decoder.get_logmath().exp(hypothesis.prob)), 3),
            )
        ]


def open_stream() -> SphinxRecogniser:
    return SphinxRecogniser()
