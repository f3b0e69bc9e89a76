"""What a websocket leg hears, as sound: the sandbox speaks and mixes like a conference bridge.

Words said on the call (a caller's or an agent's typed phrases, REST `talk` into a leg) are
spoken by espeak-ng, resampled to the leg's rate and mixed, with music on hold while the leg
waits for its conversation, into the 20 ms frames of 16-bit linear PCM Vonage streams to a
websocket endpoint (CONTRACT §4). Without espeak-ng the words are silent (the feed still
shows them).
"""

import array
import io
import logging
import wave
from typing import TYPE_CHECKING

import httpx

from sandbox import audio
from sandbox.state import Leg

if TYPE_CHECKING:
    from sandbox.platform import Platform

logger = logging.getLogger("sandbox.sound")

MIXER_KEY = "mixer"
CACHE_SIZE = 64
_spoken: dict[tuple[str, int], bytes] = {}
_music: dict[tuple[str, int], bytes] = {}


class Mixer:
    """Sums what a leg hears into fixed frames: one-shot sounds, and a loop (music on hold)."""

    def __init__(self, *, frame_bytes: int, sample_rate: int) -> None:
        self.frame_bytes = frame_bytes
        self.sample_rate = sample_rate
        self.sounds: list[tuple[bytes, int]] = []  # (pcm, bytes already played)
        self.loop: bytes | None = None
        self.loop_at = 0

    def add(self, pcm: bytes) -> None:
        if pcm:
            self.sounds.append((pcm, 0))

    def set_loop(self, pcm: bytes | None) -> None:
        self.loop, self.loop_at = (pcm or None), 0

    @property
    def is_silent(self) -> bool:
        return not self.sounds and self.loop is None

    def next_frame(self) -> bytes:
        if self.is_silent:
            return bytes(self.frame_bytes)
        parts: list[bytes] = []
        playing: list[tuple[bytes, int]] = []
        for pcm, at in self.sounds:
            parts.append(pcm[at : at + self.frame_bytes])
            if at + self.frame_bytes < len(pcm):
                playing.append((pcm, at + self.frame_bytes))
        self.sounds = playing
        if self.loop is not None:
            part = self.loop[self.loop_at : self.loop_at + self.frame_bytes]
            self.loop_at += self.frame_bytes
            if self.loop_at >= len(self.loop):
                self.loop_at = 0
            parts.append(part)
        return mix(parts, self.frame_bytes)


def mix(parts: list[bytes], frame_bytes: int) -> bytes:
    """Sum 16-bit little-endian frames sample by sample, clipped; short parts end in silence."""
    total = array.array("h", bytes(frame_bytes))
    for part in parts:
        samples = array.array("h", part[: frame_bytes - frame_bytes % 2])
        for index, sample in enumerate(samples):
            total[index] = max(-32768, min(32767, total[index] + sample))
    return total.tobytes()


def pcm_from_wav(data: bytes, *, sample_rate: int) -> bytes | None:
    """A 16-bit WAV file as mono PCM at `sample_rate` (linear interpolation); None otherwise."""
    try:
        with wave.open(io.BytesIO(data)) as reader:
            if reader.getsampwidth() != 2:
                return None
            channels, source_rate = reader.getnchannels(), reader.getframerate()
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError):
        return None
    samples = array.array("h", frames)
    if channels > 1:
        samples = array.array(
            "h",
            (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels)),
        )
    return resample(samples, source_rate, sample_rate).tobytes()


def resample(samples: array.array, source_rate: int, target_rate: int) -> array.array:
    if source_rate == target_rate or not samples:
        return samples
    count = int(len(samples) * target_rate / source_rate)
    step = source_rate / target_rate
    last = len(samples) - 1
    out = array.array("h", bytes(2 * count))
    for index in range(count):
        position = index * step
        left = int(position)
        right = min(left + 1, last)
        out[index] = int(samples[left] + (samples[right] - samples[left]) * (position - left))
    return out


async def spoken_pcm(text: str, *, sample_rate: int) -> bytes | None:
    """`text` spoken by espeak-ng as PCM at `sample_rate`; None without espeak-ng."""
    key = (text, sample_rate)
    if key not in _spoken:
        wav = await audio.speech_wav(text)
        pcm = pcm_from_wav(wav, sample_rate=sample_rate) if wav else None
        if pcm is None:
            return None
        if len(_spoken) >= CACHE_SIZE:
            _spoken.pop(next(iter(_spoken)))
        _spoken[key] = pcm
    return _spoken[key]


def mixer_of(leg: Leg) -> Mixer | None:
    mixer = leg.custom.get(MIXER_KEY)
    return mixer if isinstance(mixer, Mixer) else None


def hear(platform: "Platform", leg: Leg, text: str) -> None:
    """A websocket leg hears `text` said on its call: spoken into its mix."""
    mixer = mixer_of(leg)
    if mixer is not None and text.strip():
        platform.spawn(_speak_into(mixer, text))


async def _speak_into(mixer: Mixer, text: str) -> None:
    pcm = await spoken_pcm(text, sample_rate=mixer.sample_rate)
    if pcm is not None:
        mixer.add(pcm)


def hold_music(platform: "Platform", leg: Leg, url: str | None) -> None:
    """A websocket leg waiting in a conversation hears its music on hold (None: stops it)."""
    mixer = mixer_of(leg)
    if mixer is None:
        return
    if url is None:
        mixer.set_loop(None)
        return
    platform.spawn(_hold_into(platform, leg, mixer, url))


async def _hold_into(platform: "Platform", leg: Leg, mixer: Mixer, url: str) -> None:
    key = (url, mixer.sample_rate)
    if key not in _music:
        try:
            response = await platform.http.get(url, timeout=5.0, follow_redirects=True)
        except httpx.HTTPError as error:
            logger.info("music on hold %s could not be fetched: %s", url, error)
            return
        pcm = pcm_from_wav(response.content, sample_rate=mixer.sample_rate)
        if not response.is_success or pcm is None:
            logger.info("music on hold %s is not a 16-bit WAV file: silence instead", url)
            return
        _music[key] = pcm
    if not leg.connected:  # the conversation may have started while the file came
        mixer.set_loop(_music[key])
