"""Running an NCCO on a leg, action by action, as Vonage does (CONTRACT §4).

Every duration is call time (the leg's clock): talk lasts as long as its words take at about
150 words a minute, stream as long as its audio file. An NCCO returned by an event that takes
one (input, notify, synchronous connect) replaces the rest of the NCCO. When the last action
finishes the call ends.
"""

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from sandbox import callees, payloads, sound
from sandbox.audio import speaking_seconds
from sandbox.inputs import collect_input, record_until_done
from sandbox.ncco import SSML_TAG, wait_seconds
from sandbox.rooms import describe, file_name
from sandbox.state import Leg, Membership
from sandbox.webhooks import NccoAnswer

if TYPE_CHECKING:
    from sandbox.platform import Platform

Ncco = list[dict[str, Any]]


class Executor:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    async def run(self, leg: Leg, ncco: Ncco) -> None:
        """Run the NCCO; the call ends when it is done (unless the leg was moved on)."""
        await self.perform(leg, ncco)
        if leg.is_alive:
            leg.note("status", "The call flow has ended")
            await self.platform.hangup(leg, by="platform")

    async def perform(self, leg: Leg, ncco: Ncco) -> None:
        queue = list(ncco)
        while queue and leg.is_alive:
            action = queue.pop(0)
            if leg.barged_in and action["action"] in ("talk", "stream"):
                continue  # barge-in stays on until the input (CONTRACT §4)
            replacement = await getattr(self, f"_{action['action']}")(leg, action)
            if replacement is not None:
                queue = list(replacement)

    def _replacement(self, leg: Leg, answer: NccoAnswer, what: str) -> Ncco | None:
        if not answer.delivered:
            leg.note("error", f"The {what} webhook failed; the call flow carries on")
            return None
        if answer.invalid_reason:
            self.platform.send_error(leg, answer.invalid_reason)
            return None
        return answer.ncco

    # Audio out ----------------------------------------------------------------------------

    async def _talk(self, leg: Leg, action: dict[str, Any]) -> None:
        text = SSML_TAG.sub("", action["text"]).strip()
        barge_in = action.get("bargeIn", False)
        leg.note("talk", text, language=action.get("language", "en-US"), barge_in=barge_in)
        sound.hear(self.platform, leg, text)  # a websocket leg hears it as sound
        await self._play(
            leg, seconds=speaking_seconds(text), loop=action.get("loop", 1), barge_in=barge_in
        )

    async def _stream(self, leg: Leg, action: dict[str, Any]) -> None:
        url = action["streamUrl"][0]
        seconds = await self.platform.media.stream_seconds(url)
        if seconds is None:
            leg.note("error", f"Could not fetch or read the audio at {url}; skipped")
            return
        barge_in = action.get("bargeIn", False)
        leg.note(
            "stream", f"♪ Playing {file_name(url)} ({seconds:.0f} s)", url=url, barge_in=barge_in
        )
        await self._play(leg, seconds=seconds, loop=action.get("loop", 1), barge_in=barge_in)

    async def _play(self, leg: Leg, *, seconds: float, loop: int, barge_in: bool) -> None:
        if barge_in:
            leg.listening = True
        played = 0
        while loop == 0 or played < loop:
            if barge_in:
                if await leg.inputs.wait(leg.clock.real_seconds(seconds)):
                    leg.barged_in = True
                    leg.note("talk", "(interrupted: the input takes over)")
                    return
            else:
                await leg.clock.sleep(seconds)
            played += 1

    # Input and recording ------------------------------------------------------------------

    async def _input(self, leg: Leg, action: dict[str, Any]) -> Ncco | None:
        url = (action.get("eventUrl") or [leg.event_url])[0]
        method = action.get("eventMethod", "POST")
        if action.get("mode") == "asynchronous":
            leg.dtmf_listener = (url, method)
            leg.note("listen", "Keys are sent to the application one at a time")
            return None
        payload = await collect_input(leg, action)
        answer = await self.platform.ask(leg, payload, url=url, method=method)
        return self._replacement(leg, answer, "input")

    async def _record(self, leg: Leg, action: dict[str, Any]) -> None:
        url = (action.get("eventUrl") or [leg.event_url])[0]
        method = action.get("eventMethod", "POST")
        words: list[str] = []
        leg.recorders.append(words)
        # Split: the leg's own words on the first channel, what it hears on the second.
        heard: list[str] | None = [] if action.get("split") == "conversation" else None
        if heard is not None:
            leg.hearing.append(heard)
        started = leg.clock.now()
        if action.get("beepStart"):
            leg.note("beep", "Beep")
        leg.note("record", "Recording…")
        synchronous = action.get("endOnKey") is not None or action.get("endOnSilence") is not None
        finish = self._finish_record(
            leg, action, words=words, heard=heard, started=started, url=url, method=method
        )
        if not synchronous:
            self.platform.spawn(self._record_in_background(leg, action, finish))
            return
        try:
            await record_until_done(leg, action)
        finally:
            self.platform.spawn(finish)

    async def _record_in_background(self, leg: Leg, action: dict[str, Any], finish: Any) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                leg.ended.wait(), leg.clock.real_seconds(action.get("timeOut", 7200))
            )
        await finish

    async def _finish_record(
        self,
        leg: Leg,
        action: dict[str, Any],
        *,
        words: list[str],
        heard: list[str] | None,
        started: Any,
        url: str,
        method: str,
    ) -> None:
        if words in leg.recorders:
            leg.recorders.remove(words)
        if heard is not None and any(h is heard for h in leg.hearing):
            leg.hearing.remove(heard)
        await self.platform.media.finish_recording(
            leg=leg,
            started=started,
            words=words,
            heard=heard,
            channels=action.get("channels") or (2 if heard is not None else 1),
            url=url,
            method=method,
            transcription=action.get("transcription"),
        )

    # Conversations and connections ------------------------------------------------------

    async def _conversation(self, leg: Leg, action: dict[str, Any]) -> None:
        room = self.platform.registry.room_for_name(action["name"], created=leg.clock.now())
        membership = Membership(
            leg=leg,
            start_on_enter=action.get("startOnEnter", True),
            end_on_exit=action.get("endOnExit", False),
            can_hear=action.get("canHear"),
            can_speak=action.get("canSpeak"),
            mute=action.get("mute", False),
            music_on_hold=(action.get("musicOnHoldUrl") or [None])[0],
        )
        if action.get("record"):
            room.record = True
            url = (action.get("eventUrl") or [leg.event_url])[0]
            room.record_event = (url, action.get("eventMethod", "POST"))
        self.platform.rooms.join(leg, room, membership)
        try:
            await membership.left.wait()
        finally:
            if leg.room is room:
                self.platform.rooms.leave(leg)

    async def _connect(self, leg: Leg, action: dict[str, Any]) -> Ncco | None:
        platform = self.platform
        endpoint = dict(action["endpoint"][0])
        event_url = (action.get("eventUrl") or [platform.config.event_url])[0]
        method = action.get("eventMethod", "POST")
        callee = platform.new_leg(
            conversation_uuid=leg.conversation_uuid,
            direction="outbound",
            endpoint=endpoint,
            from_endpoint=self._connect_from(leg, action),
            party={"app": "agent", "websocket": "websocket"}.get(endpoint["type"], "callee"),
            clock=leg.clock,
            event_url=event_url,
            event_method=method,
            parent_uuid=leg.uuid,
        )
        leg.note("connect", f"Connecting you to {describe(callee)}…", leg=callee.uuid)
        tone = action.get("ringbackTone")
        if isinstance(tone, list):
            leg.note("error", "ringbackTone must be a URL string (CONTRACT §12.2): ignored")
        elif tone:
            leg.note("ringback", f"♪ Ringback tone ({file_name(tone)})", url=tone)
        try:
            status, detail = await callees.ring(platform, callee, timeout=action.get("timeout", 60))
        except asyncio.CancelledError:
            platform.finish_unanswered(callee, "cancelled", None)
            raise
        if status != "answered":
            return await self._not_connected(leg, callee, action, status, detail)
        platform.mark_answered(callee)
        detection = action.get("advancedMachineDetection") or (
            {"behavior": action["machineDetection"]} if action.get("machineDetection") else None
        )
        if detection and not await platform.detect_machine(callee, detection):
            return None
        await self._on_answer(callee, endpoint)
        return await self._bridge(leg, callee, limit=action.get("limit", 7200))

    def _connect_from(self, leg: Leg, action: dict[str, Any]) -> dict[str, Any]:
        if action.get("from"):
            return {"type": "phone", "number": action["from"]}
        if action.get("randomFromNumber"):
            return {"type": "phone", "number": self.platform.random_number()}
        if leg.from_address and leg.direction == "inbound":
            return {"type": "phone", "number": leg.from_address}
        return dict(leg.from_endpoint)

    async def _not_connected(
        self, leg: Leg, callee: Leg, action: dict[str, Any], status: str, detail: str | None
    ) -> Ncco | None:
        leg.note("connect", f"{describe(callee)} did not answer ({status})")
        if action.get("eventType") != "synchronous":
            self.platform.finish_unanswered(callee, status, detail)
            return None
        extra = {"detail": detail} if detail else {}
        payload = self.platform.status_payload(callee, status, **extra)
        answer = await self.platform.ask(callee, payload)
        self.platform.finish_unanswered(callee, status, detail, already_sent=True)
        return self._replacement(leg, answer, "connect")

    async def _on_answer(self, callee: Leg, endpoint: dict[str, Any]) -> None:
        if endpoint.get("dtmfAnswer"):
            callee.note("dtmf", f"DTMF sent on answer: {endpoint['dtmfAnswer']}")
        on_answer = endpoint.get("onAnswer")
        if not on_answer:
            return
        answer = await self.platform.ask(
            callee,
            payloads.answer_params(callee),
            url=on_answer["url"],
            method="GET",
            kind="answer",
        )
        ncco = self._replacement(callee, answer, "onAnswer")
        if ncco:
            await self.perform(callee, ncco)

    async def _bridge(self, leg: Leg, callee: Leg, *, limit: float) -> None:
        platform = self.platform
        room = platform.registry.room_for_call(leg.conversation_uuid, created=leg.clock.now())
        caller_side, callee_side = Membership(leg=leg), Membership(leg=callee)
        platform.rooms.bridge(room, [caller_side, callee_side])
        waiters = [asyncio.ensure_future(side.left.wait()) for side in (caller_side, callee_side)]
        try:
            done, _ = await asyncio.wait(
                waiters,
                timeout=leg.clock.real_seconds(limit),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:
                leg.note("connect", "The connection reached its time limit")
        finally:
            for waiter in waiters:
                waiter.cancel()
            if leg.room is room:
                platform.rooms.leave(leg)
            # A callee moved on by a transfer runs its own NCCO; otherwise it goes too.
            moved_on = callee.ncco_task is not None and not callee.ncco_task.done()
            if callee.is_alive and not moved_on:
                await platform.hangup(callee, by="platform")

    # Control flow -------------------------------------------------------------------------

    async def _notify(self, leg: Leg, action: dict[str, Any]) -> Ncco | None:
        payload = payloads.notify_event(leg, leg.clock.now(), action["payload"])
        leg.note("notify", "Notified the application")
        answer = await self.platform.ask(
            leg, payload, url=action["eventUrl"][0], method=action.get("eventMethod", "POST")
        )
        return self._replacement(leg, answer, "notify")

    async def _wait(self, leg: Leg, action: dict[str, Any]) -> None:
        seconds = wait_seconds(action)
        leg.note("wait", f"(silence for {seconds:g} s)")
        await leg.clock.sleep(seconds)

    async def _transfer(self, leg: Leg, action: dict[str, Any]) -> None:
        platform = self.platform
        room = platform.registry.rooms_by_id.get(action["conversationId"])
        if room is None:
            platform.send_error(leg, f"Conversation {action['conversationId']} not found")
            return
        mine = None
        for member in platform.registry.legs_of_conversation(leg.conversation_uuid):
            if not member.is_alive or member.room is room:
                continue
            moment = member.clock.now()
            platform.send_event(
                member, payloads.transfer_event(member, moment, to_conversation=room.id)
            )
            if member is not leg and member.ncco_task is not None:
                member.ncco_task.cancel()
                member.ncco_task = None
            membership = Membership(
                leg=member,
                can_hear=action.get("canHear"),
                can_speak=action.get("canSpeak"),
                mute=action.get("mute", False),
            )
            platform.rooms.join(member, room, membership)
            if member is leg:
                mine = membership
        if mine is not None:
            await mine.left.wait()
