"""One media stream's audio on its way to the engine, in batches the engine can keep up with.

Vonage sends 20 ms frames; handing the engine every frame would cost a thread hop each, so
the stream gathers BATCH_SECONDS of audio first. The consumer (speech.consumers) and the
benchmark (bench/speech.py) both drive this.
"""

from speech import engines

BYTES_PER_SECOND = engines.SAMPLE_RATE * 2  # 16-bit mono
BATCH_SECONDS = 0.2


class MediaStream:
    def __init__(self, recogniser: engines.Recogniser) -> None:
        self.recogniser = recogniser
        self.buffer = bytearray()
        self.batch_bytes = int(BYTES_PER_SECOND * BATCH_SECONDS)
        self.received_bytes = 0

    def has_batch(self) -> bool:
        return len(self.buffer) >= self.batch_bytes

    def add(self, audio: bytes) -> None:
        self.buffer += audio
        self.received_bytes += len(audio)

    def transcribe_batch(self) -> list[engines.Utterance]:
        """Give the engine what has gathered; the utterances it finished."""
        batch, self.buffer = bytes(self.buffer), bytearray()
        return self.recogniser.accept(batch) if batch else []

    def finish(self) -> list[engines.Utterance]:
        utterances = self.transcribe_batch()
        return utterances + self.recogniser.finish()

    @property
    def seconds(self) -> float:
        return self.received_bytes / BYTES_PER_SECOND


def transcribe(audio: bytes, *, engine: str | None = None) -> list[engines.Utterance]:
    """A whole recording through a stream, as if it arrived live (tests, benchmarks)."""
    stream = MediaStream(engines.open_stream(engine=engine))
    utterances: list[engines.Utterance] = []
    frame = BYTES_PER_SECOND // 50  # 20 ms, as Vonage sends it
    for start in range(0, len(audio), frame):
        stream.add(audio[start : start + frame])
        if stream.has_batch():
            utterances += stream.transcribe_batch()
    return utterances + stream.finish()
