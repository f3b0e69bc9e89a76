"""Caller scripts: a small YAML format that dials the centre, listens and answers like a person.

    name: Billing caller waits on hold
    speed: 10                        # optional: call time runs 10x faster
    steps:
      - dial: {from: "447700900123", to: "447700900000"}
      - expect: {say: "press 2", within: 20}   # text-to-speech heard within 20 call seconds
      - press: "2"                              # DTMF keys
      - say: "billing"                          # a phrase, as speech
      - expect: {hear: "music on hold"}         # anything heard (talk, music, the other party)
      - expect_connected: {within: 30}          # joined a started conversation / connect answered
      - talk: 10                                # stay on the line 10 call seconds
      - hangup

Other steps: `expect: {status: answered}`, `expect_ended: {within: 5}` (the platform ended the
call). `within` defaults to 10 call seconds. Runs with `manage.py sandbox_call FILE` or
`ScriptRunner(ControlClient(url)).run(load_script(path))`.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SIMPLE_STEPS = frozenset({"hangup"})
STEP_KINDS = frozenset(
    {"dial", "expect", "expect_connected", "expect_ended", "press", "say", "talk", "wait", "hangup"}
)
EXPECT_KEYS = frozenset({"say", "hear", "status"})
DEFAULT_WITHIN = 10.0


class ScriptError(ValueError):
    """The script itself is wrong (not the call)."""


@dataclass(frozen=True)
class Step:
    number: int
    kind: str
    value: Any = None
    within: float = DEFAULT_WITHIN

    def describe(self) -> str:
        if self.kind == "expect":
            key, text = self.value
            return f"expect {key} {text!r} within {self.within:g}s"
        if self.kind in ("expect_connected", "expect_ended"):
            return f"{self.kind} within {self.within:g}s"
        if self.kind == "dial":
            return f"dial +{self.value['to']} from +{self.value['from']}"
        if self.value is None:
            return self.kind
        return f"{self.kind} {self.value!r}"


@dataclass(frozen=True)
class CallerScript:
    name: str
    steps: list[Step] = field(default_factory=list)
    speed: float | None = None


def load_script(path: str | Path) -> CallerScript:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ScriptError(f"{path}: {error}") from None
    return parse_script(data, name=path.stem)


def parse_script(data: Any, *, name: str = "script") -> CallerScript:
    speed = None
    if isinstance(data, dict):
        name = str(data.get("name", name))
        speed = data.get("speed")
        if speed is not None and (not isinstance(speed, int | float) or speed <= 0):
            raise ScriptError(f"speed must be a positive number, got {speed!r}")
        data = data.get("steps")
    if not isinstance(data, list) or not data:
        raise ScriptError("a script is a list of steps (or a mapping with `steps:`)")
    steps = [_parse_step(number, raw) for number, raw in enumerate(data, start=1)]
    if steps[0].kind != "dial":
        raise ScriptError("the first step must be `dial`")
    if any(step.kind == "dial" for step in steps[1:]):
        raise ScriptError("a script makes one call: only the first step dials")
    return CallerScript(name=name, steps=steps, speed=speed)


def _parse_step(number: int, raw: Any) -> Step:
    if isinstance(raw, str) and raw in SIMPLE_STEPS:
        return Step(number, raw)
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ScriptError(f"step {number}: expected one `kind: value`, got {raw!r}")
    kind, value = next(iter(raw.items()))
    if kind not in STEP_KINDS:
        raise ScriptError(f"step {number}: unknown step {kind!r} ({', '.join(sorted(STEP_KINDS))})")
    if kind == "dial":
        value = value or {}
        if not isinstance(value, dict):
            raise ScriptError(f"step {number}: dial takes {{from, to}}")
        return Step(
            number,
            kind,
            {
                "from": str(value.get("from", "447700900123")).lstrip("+"),
                "to": str(value.get("to", "447700900000")).lstrip("+"),
            },
        )
    if kind == "expect":
        if not isinstance(value, dict):
            raise ScriptError(f"step {number}: expect takes {{say|hear|status: text, within}}")
        keys = EXPECT_KEYS & value.keys()
        if len(keys) != 1:
            raise ScriptError(f"step {number}: expect one of say, hear or status")
        key = keys.pop()
        return Step(number, kind, (key, str(value[key])), _within(number, value))
    if kind in ("expect_connected", "expect_ended"):
        return Step(number, kind, None, _within(number, value or {}))
    if kind in ("press", "say"):
        if value is None or str(value) == "":
            raise ScriptError(f"step {number}: {kind} needs what to {kind}")
        text = str(value)
        if kind == "press" and set(text) - set("0123456789*#"):
            raise ScriptError(f"step {number}: press takes keys 0-9, * and #")
        return Step(number, kind, text)
    if kind in ("talk", "wait"):
        if not isinstance(value, int | float) or value < 0:
            raise ScriptError(f"step {number}: {kind} takes seconds")
        return Step(number, "talk", float(value))
    return Step(number, kind)


def _within(number: int, value: dict[str, Any]) -> float:
    within = value.get("within", DEFAULT_WITHIN)
    if not isinstance(within, int | float) or within <= 0:
        raise ScriptError(f"step {number}: within takes seconds")
    return float(within)
