"""Listening to the person on a leg: the `input` action's DTMF and speech, and a `record`
that stops on a key or on silence (CONTRACT §3, §4).

Keys arrive one by one; a phrase takes as long to say as its words (about 150 a minute),
then `endOnSilence`. Timeouts produce `timed_out` / `start_timeout` results as Vonage does.
"""

from typing import Any

from sandbox import payloads
from sandbox.audio import speaking_seconds
from sandbox.state import Leg

DTMF_TIMEOUT = 3
MAX_DIGITS = 4
END_ON_SILENCE = 2.0
START_TIMEOUT = 10
MAX_DURATION = 60
RECORD_TIMEOUT = 7200
CONFIDENCE = "0.92"


async def collect_input(leg: Leg, action: dict[str, Any]) -> dict[str, Any]:
    """Listen as the input action says, then return the input event's payload."""
    kinds = action["type"]
    dtmf = action.get("dtmf") or {}
    speech_settings = action.get("speech") or {}
    time_out = dtmf.get("timeOut", DTMF_TIMEOUT)
    max_digits = dtmf.get("maxDigits", MAX_DIGITS)
    start_timeout = speech_settings.get("startTimeout", START_TIMEOUT)
    waits = [time_out if "dtmf" in kinds else 0, start_timeout if "speech" in kinds else 0]
    leg.note("listen", _listening_text(kinds, max_digits), types=kinds)
    leg.listening = True
    digits = ""
    timed_out = False
    speech: dict[str, Any] | None = None
    try:
        while True:
            wait = time_out if digits else max(waits)
            if not await leg.inputs.wait(leg.clock.real_seconds(wait)):
                timed_out = "dtmf" in kinds
                if not digits and "speech" in kinds:
                    speech = {"timeout_reason": "start_timeout", "results": []}
                break
            kind, value = leg.inputs.pop()
            if kind == "dtmf" and "dtmf" in kinds:
                if value == "#" and dtmf.get("submitOnHash"):
                    break
                digits += value
                if len(digits) >= max_digits:
                    break
            elif kind == "speech" and "speech" in kinds and not digits:
                speech = await _hear(leg, value, speech_settings)
                break
            else:
                leg.note("ignored", f"(this input does not listen for {kind})")
    finally:
        leg.listening = False
        leg.barged_in = False
        leg.inputs.clear()
    leg.note("input", _result_text(digits, speech, timed_out))
    return payloads.input_event(
        leg, leg.clock.now(), digits=digits or None, dtmf_timed_out=timed_out, speech=speech
    )


async def _hear(leg: Leg, phrase: str, settings: dict[str, Any]) -> dict[str, Any]:
    spoken = speaking_seconds(phrase)
    max_duration = settings.get("maxDuration", MAX_DURATION)
    if spoken > max_duration:
        await leg.clock.sleep(max_duration)
        reason = "max_duration"
    else:
        await leg.clock.sleep(spoken + settings.get("endOnSilence", END_ON_SILENCE))
        reason = "end_on_silence_timeout"
    return {"timeout_reason": reason, "results": [{"text": phrase, "confidence": CONFIDENCE}]}


def _listening_text(kinds: list[str], max_digits: int) -> str:
    wanted = []
    if "dtmf" in kinds:
        wanted.append(f"keys (up to {max_digits})")
    if "speech" in kinds:
        wanted.append("speech")
    return f"Listening for {' or '.join(wanted)}…"


def _result_text(digits: str, speech: dict[str, Any] | None, timed_out: bool) -> str:
    if digits:
        return f"Input sent: keys {digits}" + (" (timed out)" if timed_out else "")
    if speech and speech["results"]:
        return f"Input sent: speech “{speech['results'][0]['text']}”"
    return "Input sent: nothing heard (timed out)"


async def record_until_done(leg: Leg, action: dict[str, Any]) -> None:
    """A synchronous record: until its key, `endOnSilence` of quiet, or `timeOut`."""
    time_out = action.get("timeOut", RECORD_TIMEOUT)
    silence = action.get("endOnSilence")
    end_key = action.get("endOnKey")
    begin = leg.clock.elapsed()
    last_sound = begin
    leg.listening = True
    try:
        while True:
            now = leg.clock.elapsed()
            remaining = begin + time_out - now
            if silence is not None:
                remaining = min(remaining, last_sound + silence - now)
            if remaining <= 0:
                leg.note("record", "Recording stopped (silence or time limit)")
                return
            if not await leg.inputs.wait(leg.clock.real_seconds(remaining)):
                continue
            kind, value = leg.inputs.pop()
            if kind == "dtmf" and value == end_key:
                leg.note("record", f"Recording stopped by {end_key}")
                return
            if kind == "speech":
                last_sound = leg.clock.elapsed() + speaking_seconds(value)
    finally:
        leg.listening = False
        leg.inputs.clear()
