"""Running a caller script against a running sandbox through its control API.

`within` is call time: at speed 10, `within: 20` waits 2 real seconds, plus a real-time grace
for the project's webhook round trips, which no speed factor makes faster.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.caller_scripts import CallerScript, Step
from sandbox.control_client import ControlClient, ControlError

GRACE_SECONDS = 1.5
POLL_SECONDS = 2.0
HEARD_KINDS = frozenset(
    {
        "talk",
        "stream",
        "hold",
        "heard",
        "dtmf",
        "beep",
        "ringback",
        "connected",
        "conversation",
        "connect",
        "record",
        "wait",
    }
)
SHOWN_ITEMS = 20


class ScriptFailed(AssertionError):
    """A step's expectation was not met; the message names the step and what was heard."""

    def __init__(self, step: Step, problem: str, heard: list[dict[str, Any]]) -> None:
        lines = [f"step {step.number} ({step.describe()}) failed: {problem}"]
        lines.append("heard and seen so far:" if heard else "nothing was heard.")
        for item in heard[-SHOWN_ITEMS:]:
            lines.append(f"  [{item['at']:7.1f}s] {item['kind']}: {item['text']}")
        super().__init__("\n".join(lines))
        self.step = step
        self.problem = problem


@dataclass
class CallRecord:
    """What a script's call produced: its leg, and everything its feed showed."""

    uuid: str = ""
    conversation_uuid: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    snapshot: dict[str, Any] = field(default_factory=dict)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("“", '"').replace("”", '"')).strip().lower()


class ScriptRunner:
    def __init__(
        self,
        control: ControlClient,
        *,
        speed: float | None = None,
        on_item: Callable[[dict[str, Any]], None] | None = None,
        on_step: Callable[[Step], None] | None = None,
    ) -> None:
        self.control = control
        self.speed_override = speed
        self.on_item = on_item or (lambda item: None)
        self.on_step = on_step or (lambda step: None)

    def run(self, script: CallerScript) -> CallRecord:
        record = CallRecord()
        try:
            hung_up = self._run_steps(script, record)
        except BaseException:
            # A failed expectation, a lost control connection or Ctrl-C: the caller leaves,
            # or the call would stay live (waiting in a queue) until the sandbox restarts.
            self._end_call(record)
            raise
        if record.uuid and not hung_up and not record.snapshot.get("ended"):
            self.control.hangup(record.uuid)
        self._refresh(record, wait=0)
        return record

    def _run_steps(self, script: CallerScript, record: CallRecord) -> bool:
        """Plays the steps; True when the script hung up itself."""
        speed = self.speed_override or script.speed
        cursor = 0
        hung_up = False
        for step in script.steps:
            self.on_step(step)
            if step.kind == "dial":
                leg = self.control.dial(
                    from_number=step.value["from"], to_number=step.value["to"], speed=speed
                )
                record.uuid, record.conversation_uuid = leg["uuid"], leg["conversation_uuid"]
                record.snapshot = leg
                speed = leg["speed"]
            elif step.kind == "expect":
                cursor = self._expect(record, step, speed, cursor)
            elif step.kind in ("expect_connected", "expect_ended"):
                flag = "connected" if step.kind == "expect_connected" else "ended"
                self._await_flag(record, step, speed, flag)
            elif step.kind == "press":
                self._live(record, step)
                cursor = len(record.items)  # what is heard after the keys
                self.control.press(record.uuid, step.value)
            elif step.kind == "say":
                self._live(record, step)
                cursor = len(record.items)
                self.control.say(record.uuid, step.value)
            elif step.kind == "talk":
                self._stay(record, step, speed)
            elif step.kind == "hangup":
                self._live(record, step)
                self.control.hangup(record.uuid)
                hung_up = True
                self._await_flag(record, step, speed, "ended")
        return hung_up

    def _end_call(self, record: CallRecord) -> None:
        """Hangs up the script's call if it may still be live; best effort, so the error that
        stopped the script is the one reported."""
        if not record.uuid or record.snapshot.get("ended"):
            return
        try:
            self.control.hangup(record.uuid)
        except ControlError:
            pass  # the sandbox is gone or the call has ended meanwhile: nothing left to end

    def _refresh(self, record: CallRecord, *, wait: float) -> None:
        answer = self.control.call(record.uuid, after=len(record.items), wait=wait)
        for item in answer.pop("feed"):
            record.items.append(item)
            self.on_item(item)
        record.snapshot = answer

    def _deadline(self, step: Step, speed: float) -> float:
        return time.monotonic() + step.within / speed + GRACE_SECONDS

    def _expect(self, record: CallRecord, step: Step, speed: float, cursor: int) -> int:
        key, wanted = step.value
        deadline = self._deadline(step, speed)
        while True:
            if key == "status":
                if record.snapshot.get("status") == wanted:
                    return cursor
            else:
                for index in range(cursor, len(record.items)):
                    item = record.items[index]
                    kinds_match = (
                        item["kind"] == "talk" if key == "say" else (item["kind"] in HEARD_KINDS)
                    )
                    if kinds_match and _normal(wanted) in _normal(item["text"]):
                        return index  # the next expect may match more of the same prompt
            if record.snapshot.get("ended") and not self._has_more(record):
                raise ScriptFailed(step, "the call ended first", record.items)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ScriptFailed(step, f"did not {key} {wanted!r} in time", record.items)
            self._refresh(record, wait=min(remaining, POLL_SECONDS))

    def _has_more(self, record: CallRecord) -> bool:
        before = len(record.items)
        self._refresh(record, wait=0)
        return len(record.items) > before

    def _await_flag(self, record: CallRecord, step: Step, speed: float, flag: str) -> None:
        deadline = self._deadline(step, speed)
        while not record.snapshot.get(flag):
            if flag != "ended" and record.snapshot.get("ended"):
                raise ScriptFailed(step, "the call ended first", record.items)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                what = "connected" if flag == "connected" else "ended"
                raise ScriptFailed(step, f"the call was not {what} in time", record.items)
            self._refresh(record, wait=min(remaining, POLL_SECONDS))

    def _live(self, record: CallRecord, step: Step) -> None:
        self._refresh(record, wait=0)
        if record.snapshot.get("ended"):
            raise ScriptFailed(step, "the call has already ended", record.items)

    def _stay(self, record: CallRecord, step: Step, speed: float) -> None:
        until = time.monotonic() + step.value / speed
        while (remaining := until - time.monotonic()) > 0:
            self._refresh(record, wait=min(remaining, POLL_SECONDS))
            if record.snapshot.get("ended"):
                raise ScriptFailed(step, "the call ended while talking", record.items)
