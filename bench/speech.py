#!/usr/bin/env python
"""Speech-to-text benchmark: the offline engine (PocketSphinx) on espeak-ng's voice.

Usage: .venv/bin/python bench/speech.py [--engine pocketsphinx] [--seconds 15]
       [--streams 1,2,4,6,8,10] [--phrases bench/data/speech_phrases.txt]

Each phrase of --phrases (what callers say to the demo's intents) is spoken by espeak-ng as
the sandbox speaks it (sandbox.sound: 16 kHz 16-bit mono), with 0.3 s of silence before and
0.8 s after, and goes through speech.streams in Vonage's 20 ms frames, as /ws/media/ feeds it:

  1. accuracy and speed of one stream: the words heard against the words said (word error
     rate: substitutions, deletions and insertions over the words said), and the real-time
     factor (CPU seconds of transcription per second of audio; wall seconds too). Opening a
     stream is timed apart (the first loads the model; later ones reuse a pooled decoder).
  2. streams one core carries: N processes pinned to one CPU each receive their audio at
     real-time pace (open loop: a frame is due every 20 ms whatever the engine does) for
     --seconds; a count is carried when every stream keeps up, its lag at the end under 1 s
     (the lag is how late the last frame was transcribed after it arrived). The CPU seconds
     a stream used per second of audio also say what a core to itself would carry.

The machine is shared: the load average and the CPU other processes took are printed with
each phase. A measurement, not a test: exits 0 whatever the figures, 2 when espeak-ng is
missing. docs/benchmarks.md ("Speech-to-text") explains the figures.
"""

import argparse
import asyncio
import multiprocessing
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

from sandbox.sound import spoken_pcm  # noqa: E402
from speech import engines  # noqa: E402
from speech.streams import BYTES_PER_SECOND, MediaStream  # noqa: E402

FRAME = BYTES_PER_SECOND // 50  # 20 ms
KEEPS_UP_SECONDS = 1.0


def words(text: str) -> list[str]:
    return [w.strip(".,!?").lower().replace("'", "") for w in text.split() if w.strip(".,!?")]


def edit_distance(said: list[str], heard: list[str]) -> int:
    row = list(range(len(heard) + 1))
    for i, word in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def machine() -> str:
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def cpu_of_others(start: tuple[float, float], own: float) -> str:
    """The share of the machine's CPU time other processes used since `start`."""
    wall = time.monotonic() - start[0]
    busy = _busy_seconds() - start[1]
    others = max(0.0, busy - own)
    return f"others used {others / (wall * (os.cpu_count() or 1)):.0%} of the machine"


def _busy_seconds() -> float:
    with open("/proc/stat") as stat:
        fields = [float(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def transcribe_timed(audio: bytes, engine: str) -> tuple[str, float, float, float]:
    """(words heard, seconds to open the stream, CPU seconds, wall seconds) of one stream."""
    opened = time.perf_counter()
    stream = MediaStream(engines.open_stream(engine=engine))
    open_seconds = time.perf_counter() - opened
    cpu, wall = time.thread_time(), time.perf_counter()
    utterances = []
    for start in range(0, len(audio), FRAME):
        stream.add(audio[start : start + FRAME])
        if stream.has_batch():
            utterances += stream.transcribe_batch()
    utterances += stream.finish()
    return (
        " ".join(u.text for u in utterances),
        open_seconds,
        time.thread_time() - cpu,
        time.perf_counter() - wall,
    )


def accuracy(phrases: list[str], clips: list[bytes], engine: str) -> None:
    print(f"1. one stream, {len(phrases)} phrases ({machine()})")
    errors = said_total = 0
    cpu_total = wall_total = audio_total = 0.0
    opens = []
    start = (time.monotonic(), _busy_seconds())
    own = time.process_time()
    for phrase, clip in zip(phrases, clips, strict=True):
        heard, open_seconds, cpu, wall = transcribe_timed(clip, engine)
        said = words(phrase)
        distance = edit_distance(said, words(heard))
        errors += distance
        said_total += len(said)
        cpu_total += cpu
        wall_total += wall
        audio_total += len(clip) / BYTES_PER_SECOND
        opens.append(open_seconds)
        print(f"   {distance}/{len(said)} wrong  said: {phrase!r}  heard: {heard!r}")
    print(
        f"   word error rate {errors / said_total:.1%} ({errors} errors in {said_total} words)\n"
        f"   real-time factor {cpu_total / audio_total:.3f} CPU, {wall_total / audio_total:.3f}"
        f" wall ({audio_total:.1f} s of audio)\n"
        f"   opening a stream: first {opens[0] * 1000:.0f} ms (loads the model), then median "
        f"{statistics.median(opens[1:]) * 1000:.1f} ms (pooled decoder)\n"
        f"   {cpu_of_others(start, time.process_time() - own)}; {machine()}"
    )


def _stream_in_real_time(args: tuple[bytes, float, str, int]) -> tuple[float, float, float]:
    """One stream pinned to `cpu`, audio arriving at real-time pace: (lag at the end, CPU
    seconds, audio seconds)."""
    audio, seconds, engine, cpu = args
    os.sched_setaffinity(0, {cpu})
    stream = MediaStream(engines.open_stream(engine=engine))
    frames = int(seconds * 50)
    began = time.monotonic()
    cpu_start = time.process_time()
    offset = 0
    for index in range(frames):
        due = began + index * 0.02
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        stream.add(audio[offset : offset + FRAME])
        offset = (offset + FRAME) % len(audio)
        if stream.has_batch():
            stream.transcribe_batch()
    stream.finish()
    lag = time.monotonic() - (began + frames * 0.02)
    return lag, time.process_time() - cpu_start, frames * 0.02


def capacity(clips: list[bytes], counts: list[int], seconds: float, engine: str) -> None:
    cpu = sorted(os.sched_getaffinity(0))[0]
    audio = b"".join(clips)
    audio = audio[: len(audio) - len(audio) % FRAME]  # whole frames, so the loop stays aligned
    print(f"2. streams on one core (CPU {cpu}), {seconds:.0f} s of audio each ({machine()})")
    carried = 0
    cpu_per_second: list[float] = []
    context = multiprocessing.get_context("fork")
    for count in counts:
        start = (time.monotonic(), _busy_seconds())
        with context.Pool(count) as pool:
            results = pool.map(_stream_in_real_time, [(audio, seconds, engine, cpu)] * count)
        lags = [lag for lag, _, _ in results]
        own = sum(cpu_seconds for _, cpu_seconds, _ in results)
        cpu_per_second.append(own / (count * seconds))
        keeps_up = max(lags) < KEEPS_UP_SECONDS
        carried = count if keeps_up else carried
        print(
            f"   {count:2d} streams: worst lag {max(lags):.2f} s, "
            f"median {statistics.median(lags):.2f} s, "
            f"CPU {own / (count * seconds):.3f} s per audio second  "
            f"{'keeps up' if keeps_up else 'falls behind'}; {cpu_of_others(start, own)}; "
            f"{machine()}"
        )
        if not keeps_up:
            break
    print(f"   one core carries {carried} simultaneous transcriptions (open loop, measured)")
    # What the CPU a stream used says a core of its own would carry (the measured count is
    # lower when other processes take the core).
    print(
        f"   CPU per audio second {min(cpu_per_second):.3f}: a core to itself would carry "
        f"{int(1 / min(cpu_per_second))} streams"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--streams", default="1,2,4,6,8,10")
    parser.add_argument("--phrases", type=Path, default=BENCH_DIR / "data" / "speech_phrases.txt")
    options = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr)
        return 2
    phrases = [
        line.strip()
        for line in options.phrases.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    silence_before, silence_after = (
        bytes(int(0.3 * BYTES_PER_SECOND)),
        bytes(int(0.8 * BYTES_PER_SECOND)),
    )
    clips = []
    for phrase in phrases:
        pcm = asyncio.run(spoken_pcm(phrase, sample_rate=engines.SAMPLE_RATE))
        if pcm is None:
            print(f"espeak-ng could not speak {phrase!r}", file=sys.stderr)
            return 2
        clips.append(silence_before + pcm + silence_after)
    print(f"engine {options.engine}; espeak-ng's default voice resampled to 16 kHz")
    accuracy(phrases, clips, options.engine)
    capacity(clips, [int(n) for n in options.streams.split(",")], options.seconds, options.engine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
