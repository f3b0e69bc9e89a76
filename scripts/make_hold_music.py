"""Writes static/audio/hold.wav: a soft, looping two-note chime used as music on hold.

Generated rather than downloaded so the repository carries no third-party audio.
Run: python scripts/make_hold_music.py
"""

import math
import struct
import wave
from pathlib import Path

RATE = 16000
SECONDS = 6
NOTES = [(523.25, 659.25), (587.33, 739.99), (493.88, 622.25)]  # gentle major chords


def sample(index: int) -> int:
    t = index / RATE
    chord = NOTES[int(t // 2) % len(NOTES)]
    position = (t % 2) / 2
    envelope = math.sin(math.pi * position) ** 2
    value = sum(math.sin(2 * math.pi * frequency * t) for frequency in chord) / len(chord)
    return int(value * envelope * 0.25 * 32767)


def main() -> None:
    target = Path(__file__).resolve().parent.parent / "static" / "audio" / "hold.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(target), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(RATE)
        output.writeframes(b"".join(struct.pack("<h", sample(i)) for i in range(RATE * SECONDS)))


if __name__ == "__main__":
    main()
