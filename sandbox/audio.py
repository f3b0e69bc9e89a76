"""Audio the sandbox needs: how long a stream plays, and recordings made of real sound.

A recording is the caller's words spoken by espeak-ng when it is installed, otherwise a
synthesised tone as long as the recording (capped), both 16-bit mono WAV. A split recording
(`split: conversation`) has a channel per side: the leg's own words, then what it heard
(silence on a side where nothing was said), as Vonage's stereo split recordings have.
"""

import asyncio
import io
import math
import shutil
import struct
import tempfile
import wave
from pathlib import Path

WORDS_PER_MINUTE = 150
TONE_RATE = 8000
MAX_TONE_SECONDS = 30.0
# MPEG-1 Layer III bitrates (kbit/s) by the header's index.
MP3_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


def speaking_seconds(text: str) -> float:
    """How long text-to-speech takes to say `text` (~150 words a minute, at least 1 s)."""
    words = len(text.split())
    return max(1.0, words * 60.0 / WORDS_PER_MINUTE)


def audio_seconds(data: bytes) -> float | None:
    """The length of a WAV or MP3 file, or None when it is neither."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _wav_seconds(data)
    return _mp3_seconds(data)


def _wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            return reader.getnframes() / float(reader.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def _mp3_seconds(data: bytes) -> float | None:
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = data[6:10]
        start = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
    for offset in range(start, min(len(data) - 4, start + 4096)):
        if data[offset] == 0xFF and data[offset + 1] & 0xE0 == 0xE0:
            index = data[offset + 2] >> 4
            if 0 < index < len(MP3_BITRATES):
                return (len(data) - offset) * 8 / (MP3_BITRATES[index] * 1000)
    return None


def tone_wav(seconds: float, *, frequency: float = 440.0) -> bytes:
    """A soft sine tone, so a recording without speech is still real, playable audio."""
    frames = int(TONE_RATE * min(max(seconds, 0.5), MAX_TONE_SECONDS))
    samples = (int(6000 * math.sin(2 * math.pi * frequency * n / TONE_RATE)) for n in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(TONE_RATE)
        writer.writeframes(struct.pack(f"<{frames}h", *samples))
    return buffer.getvalue()


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


async def speech_wav(text: str) -> bytes | None:
    """`text` spoken by espeak-ng, or None when espeak-ng is missing or fails."""
    if not text.strip() or not espeak_available():
        return None
    with tempfile.TemporaryDirectory(prefix="sandbox-tts-") as directory:
        target = Path(directory) / "speech.wav"
        process = await asyncio.create_subprocess_exec(
            "espeak-ng",
            "-w",
            str(target),
            "--",
            text,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            return None
        if process.returncode != 0 or not target.exists():
            return None
        return target.read_bytes()


async def recording_audio(*, spoken: list[str], seconds: float) -> bytes:
    return await speech_wav(" ".join(spoken)) or tone_wav(seconds)


def _wav_frames(data: bytes) -> tuple[int, bytes]:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getframerate(), reader.readframes(reader.getnframes())


def _resample(frames: bytes, rate: int, target: int) -> bytes:
    """Nearest-sample resampling of 16-bit mono frames (good enough for test audio)."""
    if rate == target:
        return frames
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    count = int(len(samples) * target / rate)
    picked = (samples[min(int(n * rate / target), len(samples) - 1)] for n in range(count))
    return struct.pack(f"<{count}h", *picked)


async def split_recording_audio(*, channels: list[list[str]], count: int, seconds: float) -> bytes:
    """A `count`-channel 16-bit WAV: channel n speaks channels[n]'s words (espeak-ng, else a
    tone of its own pitch), silent where a side said nothing; the rest are silent."""
    sides: list[tuple[int, bytes]] = []
    for index, words in enumerate(channels[:count]):
        speech = await speech_wav(" ".join(words)) if words else None
        if speech is None and words:
            speech = tone_wav(seconds, frequency=440.0 * (index + 1))
        sides.append(_wav_frames(speech) if speech is not None else (TONE_RATE, b""))
    rate = (
        max(side_rate for side_rate, frames in sides if frames)
        if any(frames for _, frames in sides)
        else TONE_RATE
    )
    tracks = [_resample(frames, side_rate, rate) for side_rate, frames in sides]
    tracks += [b""] * (count - len(tracks))
    # At least half a second (16-bit samples: 2 bytes each), as Vonage never sends an empty file.
    length = max(max((len(track) for track in tracks), default=0), rate)
    tracks = [track.ljust(length, b"\0") for track in tracks]
    interleaved = bytearray()
    for offset in range(0, length, 2):
        for track in tracks:
            interleaved += track[offset : offset + 2]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(count)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(bytes(interleaved))
    return buffer.getvalue()
