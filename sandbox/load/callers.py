"""A simulated caller: dials the centre through the sandbox, presses the queue's key, holds
until an agent is connected or their patience runs out, talks, and hangs up.

Times are recorded on the wall clock (`time.time()`, the clock the project's timestamps use);
the run turns them into call seconds.
"""

import threading
import time
from dataclasses import dataclass

from sandbox.control_client import ControlClient, ControlError
from sandbox.load.plan import Arrival, LoadPlan

MENU_CALL_SECONDS = 60.0  # the menu must offer the queue's key within this
GRACE_SECONDS = 5.0  # real seconds for the project's webhook round trips
POLL_SECONDS = 2.0
# While talking, only the call ending early matters, and a look returns as soon as the leg's
# feed changes: the longer wait spares the sandbox a request every 2 s from every caller on
# the line (90 a second at 180 Erlangs).
TALKING_POLL_SECONDS = 20.0


@dataclass
class CallerRecord:
    arrival: Arrival
    uuid: str = ""
    conversation_uuid: str = ""
    dialed_at: float | None = None
    queued_at: float | None = None  # pressed the queue's key
    connected_at: float | None = None
    hung_up_at: float | None = None
    # answered, abandoned (patience ran out), waiting (still holding when the run ended),
    # failed (never reached the queue, or the call ended under them)
    outcome: str = "pending"
    problem: str = ""


class SimulatedCaller:
    def __init__(
        self,
        *,
        control: ControlClient,
        plan: LoadPlan,
        arrival: Arrival,
        centre_number: str,
        digit: str,
        cut_off_at: float,
    ) -> None:
        self.control = control
        self.plan = plan
        self.record = CallerRecord(arrival)
        self.centre_number = centre_number
        self.digit = digit
        self.cut_off_at = cut_off_at
        self.items = 0
        self.thread = threading.Thread(target=self.run, name=f"caller-{arrival.index}", daemon=True)

    def run(self) -> None:
        record = self.record
        try:
            self.call()
        except ControlError as error:
            record.outcome, record.problem = "failed", str(error)
        except Exception as error:  # one caller's bug must not stop the run: it is reported
            record.outcome, record.problem = "failed", repr(error)

    def call(self) -> None:
        record, plan = self.record, self.plan
        record.dialed_at = time.time()
        leg = self.control.dial(
            from_number=record.arrival.number, to_number=self.centre_number, speed=plan.speed
        )
        record.uuid, record.conversation_uuid = leg["uuid"], leg["conversation_uuid"]
        if not self.hear_the_key():
            return
        self.control.press(record.uuid, self.digit)
        record.queued_at = time.time()
        patience = record.arrival.patience
        gives_up_at = (
            record.queued_at + plan.real_seconds(patience) if patience is not None else None
        )
        snapshot = self.hold(until=min(gives_up_at or self.cut_off_at, self.cut_off_at))
        if snapshot.get("connected"):
            record.connected_at = time.time()
            talk_until = record.connected_at + plan.real_seconds(record.arrival.talk)
            self.stay(until=min(talk_until, self.cut_off_at))
            self.hang_up("answered")
        elif snapshot.get("ended"):
            record.outcome, record.problem = "failed", "the call ended while holding"
        elif gives_up_at is not None and time.time() >= gives_up_at:
            self.hang_up("abandoned")
        else:
            self.hang_up("waiting")

    def hear_the_key(self) -> bool:
        wanted = f"press {self.digit}"
        deadline = time.time() + self.plan.real_seconds(MENU_CALL_SECONDS) + GRACE_SECONDS
        while time.time() < deadline:
            answer = self.look(wait=min(POLL_SECONDS, max(0.0, deadline - time.time())))
            if any(wanted in item["text"].lower() for item in answer["feed"]):
                return True
            if answer["ended"]:
                break
        self.record.outcome = "failed"
        self.record.problem = f"did not hear {wanted!r} from the menu"
        self.control.hangup(self.record.uuid)
        return False

    def hold(self, *, until: float) -> dict:
        while True:
            answer = self.look(wait=min(POLL_SECONDS, max(0.0, until - time.time())))
            if answer["connected"] or answer["ended"] or time.time() >= until:
                return answer

    def stay(self, *, until: float) -> None:
        while (remaining := until - time.time()) > 0:
            if self.look(wait=min(TALKING_POLL_SECONDS, remaining))["ended"]:
                return

    def look(self, *, wait: float) -> dict:
        """The leg and what it heard since the last look; returns early when something new."""
        answer = self.control.call(self.record.uuid, after=self.items, wait=wait)
        self.items += len(answer["feed"])
        return answer

    def hang_up(self, outcome: str) -> None:
        self.control.hangup(self.record.uuid)
        self.record.hung_up_at = time.time()
        self.record.outcome = outcome
