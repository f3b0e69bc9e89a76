"""The telephone network as Vonage runs it: legs are created, ring, answer and end, and each
leg's events reach its event URL in order (CONTRACT §2, §3, §5).

One Platform lives on the sandbox's event loop; the REST API, the control API and the NCCO
executor all act on calls through it.
"""

import asyncio
import logging
import random
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx

from sandbox import callees, payloads
from sandbox.callees import CalleeScript
from sandbox.config import SandboxConfig
from sandbox.executor import Executor
from sandbox.media import Media
from sandbox.recordings import RecordingStore
from sandbox.rooms import Rooms
from sandbox.state import Leg, Party, Registry, Room, new_conversation_uuid, new_uuid
from sandbox.webhooks import NccoAnswer, Outbox, WebhookSender

if TYPE_CHECKING:
    from sandbox.softphones import Softphones

logger = logging.getLogger("sandbox.platform")

PARTIES: dict[str, Party] = {"app": "agent", "websocket": "websocket"}


class CallNotLive(Exception):
    """A REST operation on a leg that has ended (or has not been answered)."""


class Platform:
    def __init__(
        self,
        *,
        config: SandboxConfig,
        sender: WebhookSender,
        recordings: RecordingStore,
        http: httpx.AsyncClient,
    ) -> None:
        self.config = config
        self.sender = sender
        self.recordings = recordings
        self.http = http
        self.registry = Registry()
        self.rooms = Rooms(self)
        self.executor = Executor(self)
        self.media = Media(self)
        self.callees: dict[str, CalleeScript] = {}
        # Agents' browsers logged in as app users (set by the server; None in bare tests).
        self.softphones: Softphones | None = None
        self._outboxes: dict[str, Outbox] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # Housekeeping -------------------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> "asyncio.Task[Any]":
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: "asyncio.Task[Any]") -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sandbox task failed", exc_info=task.exception())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for outbox in self._outboxes.values():
            outbox.close()

    def webhooks_pending(self) -> int:
        return sum(outbox.pending for outbox in self._outboxes.values())

    def now_for(self, room: Room) -> datetime:
        for membership in room.members.values():
            return membership.leg.clock.now()
        return datetime.now(UTC)

    # Legs and their events ----------------------------------------------------------------

    def new_leg(self, **fields: Any) -> Leg:
        leg = Leg(uuid=new_uuid(), **fields)
        leg.created_at = leg.clock.now()
        self.registry.add_leg(leg)
        self._outboxes[leg.uuid] = Outbox()
        self.send_event(leg, self.status_payload(leg, "started"))
        return leg

    def status_payload(self, leg: Leg, status: str, **extra: Any) -> dict[str, Any]:
        return payloads.status_event(leg, status, leg.clock.now(), **extra)

    def set_status(self, leg: Leg, status: str, *, detail: str | None = None) -> None:
        leg.status = status
        leg.detail = detail
        extra = {"detail": detail} if detail else {}
        self.send_event(leg, self.status_payload(leg, status, **extra))
        leg.feed.touch()

    def send_event(
        self,
        leg: Leg,
        payload: dict[str, Any],
        *,
        url: str | None = None,
        method: str | None = None,
    ) -> "asyncio.Future[Any]":
        """A notification to the leg's event URL (or `url`), after the leg's earlier ones."""
        target, verb = url or leg.event_url, method or leg.event_method
        return self._outboxes[leg.uuid].send(
            lambda: self.sender.notify(url=target, method=verb, payload=payload, leg_uuid=leg.uuid)
        )

    async def ask(
        self,
        leg: Leg,
        payload: dict[str, Any],
        *,
        url: str | None = None,
        method: str | None = None,
        kind: Literal["answer", "event"] = "event",
    ) -> NccoAnswer:
        """A webhook that may answer with an NCCO (answer, input, notify, synchronous connect),
        in turn with the leg's other webhooks."""
        target, verb = url or leg.event_url, method or leg.event_method
        return await self._outboxes[leg.uuid].send(
            lambda: self.sender.request_ncco(
                url=target, method=verb, payload=payload, leg_uuid=leg.uuid, kind=kind
            )
        )

    def send_error(self, leg: Leg, reason: str, *, url: str | None = None) -> None:
        leg.note("error", reason)
        payload = payloads.error_event(leg.conversation_uuid, leg.clock.now(), reason)
        self.send_event(leg, payload, url=url)

    def mark_answered(self, leg: Leg) -> None:
        leg.answered_at = leg.clock.now()
        leg.answered.set()
        self.set_status(leg, "answered")
        leg.note("status", "Answered")

    async def hangup(self, leg: Leg, *, by: str) -> None:
        if not leg.is_alive:
            return
        if leg.ringing_decision is not None and not leg.ringing_decision.done():
            leg.ringing_decision.set_result("cancelled")  # whoever rings it ends it
            return
        leg.disconnected_by = by
        leg.ended_at = leg.clock.now()
        task = leg.ncco_task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
        self.rooms.leave(leg)
        leg.listening = False
        leg.status = "completed"
        leg.ended.set()
        who = "you hung up" if by == "user" and leg.party == "caller" else f"by the {by}"
        leg.note("status", f"Call ended ({who})", ended=True)
        self.send_event(leg, self.status_payload(leg, "completed"))

    def finish_unanswered(
        self, leg: Leg, status: str, detail: str | None, *, already_sent: bool = False
    ) -> None:
        """An outbound leg that never answered: its status, then the completed summary."""
        leg.ended_at = leg.clock.now()
        leg.disconnected_by = "platform"
        if not already_sent:
            self.set_status(leg, status, detail=detail)
        leg.status, leg.detail = status, detail
        leg.ended.set()
        leg.note(
            "status", f"Not answered: {status}" + (f" ({detail})" if detail else ""), ended=True
        )
        self.send_event(leg, self.status_payload(leg, "completed"))

    # Calls --------------------------------------------------------------------------------

    def dial(self, *, from_number: str, to_number: str, speed: float | None = None) -> Leg:
        """A caller dials one of the pool's numbers: an inbound call to the application."""
        to_number, from_number = to_number.removeprefix("+"), from_number.removeprefix("+")
        if to_number not in self.config.numbers:
            raise LookupError(f"{to_number} is not one of the sandbox's numbers")
        if not from_number.isdigit() or not 7 <= len(from_number) <= 15:
            raise ValueError(f"the caller's number must be E.164 digits, got {from_number!r}")
        leg = self.new_leg(
            conversation_uuid=new_conversation_uuid(),
            direction="inbound",
            endpoint={"type": "phone", "number": to_number},
            from_endpoint={"type": "phone", "number": from_number},
            party="caller",
            clock=self.config.new_clock(speed),
            event_url=self.config.event_url,
            event_method=self.config.event_method,
            answer_url=self.config.answer_url,
            answer_method=self.config.answer_method,
        )
        leg.note("status", f"Calling +{to_number}…")
        leg.ncco_task = self.spawn(self._inbound(leg))
        return leg

    async def _inbound(self, leg: Leg) -> None:
        self.set_status(leg, "ringing")
        answer = await self.ask(
            leg,
            payloads.answer_params(leg),
            url=leg.answer_url or self.config.answer_url,
            method=leg.answer_method,
            kind="answer",
        )
        await self.run_answer(leg, answer, answering=True)

    async def run_answer(self, leg: Leg, answer: NccoAnswer, *, answering: bool) -> None:
        if not answer.delivered:
            leg.note("error", "The answer URL and its fallback failed: the call is terminated")
            await self.hangup(leg, by="platform")
            return
        if answer.invalid_reason:
            self.send_error(leg, answer.invalid_reason)
            await self.hangup(leg, by="platform")
            return
        if answering:
            self.mark_answered(leg)
        await self.executor.run(leg, answer.ncco or [])

    def create_call(
        self,
        *,
        to: dict[str, Any],
        from_endpoint: dict[str, Any],
        ncco: list | None,
        answer_url: str | None,
        answer_method: str,
        event_url: str | None,
        event_method: str,
        ringing_timer: int,
        length_timer: int,
        machine: dict[str, Any] | None,
    ) -> Leg:
        """POST /v1/calls: an outbound leg that rings, then runs its NCCO or answer URL."""
        leg = self.new_leg(
            conversation_uuid=new_conversation_uuid(),
            direction="outbound",
            endpoint=to,
            from_endpoint=from_endpoint,
            party=PARTIES.get(to["type"], "callee"),
            clock=self.config.new_clock(),
            event_url=event_url or self.config.event_url,
            event_method=event_method,
            answer_url=answer_url,
            answer_method=answer_method,
        )
        leg.ncco_task = self.spawn(self._outbound(leg, ncco, ringing_timer, length_timer, machine))
        return leg

    async def _outbound(
        self,
        leg: Leg,
        ncco: list | None,
        ringing_timer: int,
        length_timer: int,
        machine: dict[str, Any] | None,
    ) -> None:
        status, detail = await callees.ring(self, leg, timeout=ringing_timer)
        if status != "answered":
            self.finish_unanswered(leg, status, detail)
            return
        self.mark_answered(leg)
        self.spawn(self._length_limit(leg, length_timer))
        if machine and not await self.detect_machine(leg, machine):
            return
        if ncco is not None:
            await self.executor.run(leg, ncco)
            return
        answer = await self.ask(
            leg,
            payloads.answer_params(leg),
            url=leg.answer_url or "",
            method=leg.answer_method,
            kind="answer",
        )
        await self.run_answer(leg, answer, answering=False)

    async def _length_limit(self, leg: Leg, seconds: float) -> None:
        await leg.clock.sleep(seconds)
        if leg.is_alive:
            leg.note("status", "The call reached its length limit")
            await self.hangup(leg, by="platform")

    async def detect_machine(self, leg: Leg, settings: dict[str, Any]) -> bool:
        """Send human/machine (with call_uuid); False when a machine made the call hang up."""
        is_machine = self.callee_script(leg).machine
        extra: dict[str, Any] = {}
        if settings.get("mode") == "detect_beep" or settings.get("mode") == "default":
            extra["sub_state"] = "beep_start" if is_machine else None
        extra = {key: value for key, value in extra.items() if value is not None}
        status = "machine" if is_machine else "human"
        self.send_event(leg, self.status_payload(leg, status, **extra))
        leg.note("status", f"Machine detection: {status}")
        if is_machine and settings.get("behavior") == "hangup":
            await self.hangup(leg, by="platform")
            return False
        return True

    def callee_script(self, leg: Leg) -> CalleeScript:
        scripted = self.callees.get(leg.address)
        if scripted is not None:
            return scripted
        if leg.party == "agent":
            if self.softphones is not None and self.softphones.has_session(leg.address):
                return CalleeScript(outcome="manual")  # the agent answers in the browser
            delay = self.config.app_answer_delay
            if delay is None:
                return CalleeScript(outcome="manual")
            return CalleeScript(outcome="answer", after=delay)
        return CalleeScript(outcome="answer", after=self.config.callee_answer_delay)

    def random_number(self) -> str:
        return random.choice(self.config.numbers)

    # What the person on a leg does --------------------------------------------------------

    def press(self, leg: Leg, digits: str) -> None:
        leg.note("you", f"You pressed {digits}")
        if leg.dtmf_listener is not None:
            url, method = leg.dtmf_listener
            for digit in digits:
                event = payloads.input_event(
                    leg, leg.clock.now(), digits=digit, dtmf_timed_out=False, speech=None
                )
                self.send_event(leg, event, url=url, method=method)
        if leg.listening:
            for digit in digits:
                leg.inputs.put("dtmf", digit)
        elif leg.dtmf_listener is None:
            leg.note("ignored", "(nothing is listening for keys right now)")

    def say(self, leg: Leg, text: str) -> None:
        leg.note("you", f"You said “{text}”")
        for words in leg.recorders:
            words.append(text)
        self.rooms.speak(leg, text)
        if leg.listening:
            leg.inputs.put("speech", text)
        elif leg.room is None and not leg.recorders:
            leg.note("ignored", "(nothing is listening for speech right now)")

    def decide_ringing(self, leg: Leg, *, answer: bool) -> bool:
        if leg.ringing_decision is None or leg.ringing_decision.done():
            return False
        leg.ringing_decision.set_result("answered" if answer else "reject")
        return True

    # REST controls (PUT /v1/calls/...) ----------------------------------------------------

    def live_leg(self, leg: Leg) -> Leg:
        if not leg.is_alive or leg.answered_at is None:
            raise CallNotLive(f"call {leg.uuid} is {leg.status}")
        return leg

    def transfer(self, leg: Leg, ncco: list[dict[str, Any]]) -> None:
        self.live_leg(leg)
        moment = leg.clock.now()
        payload = payloads.transfer_event(leg, moment, to_conversation=leg.conversation_uuid)
        self.send_event(leg, payload)
        leg.ncco_task = self.spawn(self._replace_ncco(leg, leg.ncco_task, ncco))

    async def _replace_ncco(self, leg: Leg, old: "asyncio.Task[Any] | None", ncco: list) -> None:
        if old is not None and not old.done():
            old.cancel()
            await asyncio.wait([old])
        self.rooms.leave(leg)
        leg.listening = leg.barged_in = False
        leg.inputs.clear()
        leg.note("status", "Transferred to a new call flow")
        await self.executor.run(leg, ncco)

    async def transfer_to_url(self, leg: Leg, url: str) -> None:
        answer = await self.ask(
            leg,
            payloads.answer_params(leg),
            url=url,
            method=self.config.answer_method,
            kind="answer",
        )
        if answer.invalid_reason or not answer.delivered:
            self.send_error(leg, answer.invalid_reason or f"Transfer failed: no NCCO from {url}")
        elif leg.is_alive:
            self.transfer(leg, answer.ncco or [])

    def set_audio(self, leg: Leg, action: str) -> None:
        self.live_leg(leg)
        if action in ("mute", "unmute"):
            leg.muted = action == "mute"
        else:
            leg.earmuffed = action == "earmuff"
        texts = {
            "mute": "You are muted",
            "unmute": "You are unmuted",
            "earmuff": "You are earmuffed: you hear nothing",
            "unearmuff": "Earmuff off: you hear the call again",
        }
        leg.note("audio", texts[action])
