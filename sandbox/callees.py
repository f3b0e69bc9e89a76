"""Who answers when the sandbox rings someone: scripted phones, agents' softphones, websockets.

Phone, SIP and VBC callees follow a script set through the control API (default: answer after
`callee_answer_delay`). App users (agents) are answered in the agent's browser when it has a
softphone session (sandbox/softphones.py), else from the phone page, or automatically after
`app_answer_delay`. A websocket endpoint is answered when its server accepts the
connection; the sandbox then sends Vonage's first text message and 20 ms frames of what the leg
hears (sandbox.sound: spoken words and music on hold, mixed; silence between).
"""

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from callcentre.vonage.signing import sign_webhook
from sandbox import sound
from sandbox.state import Leg

if TYPE_CHECKING:
    from sandbox.platform import Platform

logger = logging.getLogger("sandbox.callees")

Outcome = Literal["answer", "busy", "unanswered", "reject", "fail", "no-answer", "manual"]
# The status (and detail) each scripted outcome produces (CONTRACT §3).
FAILURES: dict[str, tuple[str, str | None]] = {
    "busy": ("busy", None),
    "unanswered": ("unanswered", "unavailable"),
    "reject": ("rejected", "declined"),
    "fail": ("failed", "cannot_route"),
}
FRAME_SECONDS = 0.02
FRAME_BYTES = {"audio/l16;rate=8000": 320, "audio/l16;rate=16000": 640, "audio/l16;rate=24000": 960}
SAMPLE_RATES = {
    "audio/l16;rate=8000": 8000,
    "audio/l16;rate=16000": 16000,
    "audio/l16;rate=24000": 24000,
}


@dataclass(frozen=True, kw_only=True)
class CalleeScript:
    outcome: Outcome = "answer"
    after: float = 2.0  # call seconds of ringing before the outcome
    hangup_after: float | None = None  # call seconds after answering; None: stay on
    machine: bool = False  # a voicemail machine answers (for machine detection)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CalleeScript":
        outcome = data.get("outcome", "answer")
        if outcome not in ("answer", "no-answer", "manual", *FAILURES):
            raise ValueError(f"unknown callee outcome {outcome!r}")
        return cls(
            outcome=outcome,
            after=float(data.get("after", 2.0)),
            hangup_after=None if data.get("hangup_after") is None else float(data["hangup_after"]),
            machine=bool(data.get("machine", False)),
        )


async def ring(platform: "Platform", leg: Leg, *, timeout: float) -> tuple[str, str | None]:
    """Ring the far end of an outbound leg: ("answered", None) or a failure status and detail."""
    if leg.endpoint_type == "websocket":
        return await _open_websocket(platform, leg)
    script = platform.callee_script(leg)
    loop = asyncio.get_running_loop()
    decision: asyncio.Future[str] = loop.create_future()
    leg.ringing_decision = decision
    platform.set_status(leg, "ringing")
    leg.note(
        "status",
        "Ringing… (answer or reject it here)" if script.outcome == "manual" else "Ringing…",
        ringing=True,
    )
    if leg.party == "agent" and platform.softphones is not None:
        platform.softphones.ringing(leg)  # the agent's browser rings, if it is logged in
    if script.outcome not in ("manual", "no-answer"):
        result = "answered" if script.outcome == "answer" else script.outcome
        handle = loop.call_later(leg.clock.real_seconds(script.after), _decide, decision, result)
    else:
        handle = None
    try:
        outcome = await asyncio.wait_for(asyncio.shield(decision), leg.clock.real_seconds(timeout))
    except TimeoutError:
        outcome = "timeout"
    finally:
        leg.ringing_decision = None
        if handle is not None:
            handle.cancel()
    if outcome == "answered":
        if script.hangup_after is not None:
            platform.spawn(_hang_up_later(platform, leg, script.hangup_after))
        return "answered", None
    if outcome in ("timeout", "cancelled"):
        return outcome, None
    return FAILURES.get(outcome, ("rejected", "declined"))


def _decide(decision: "asyncio.Future[str]", outcome: str) -> None:
    if not decision.done():
        decision.set_result(outcome)


async def _hang_up_later(platform: "Platform", leg: Leg, seconds: float) -> None:
    await leg.clock.sleep(seconds)
    if leg.is_alive:
        await platform.hangup(leg, by="user")


async def _open_websocket(platform: "Platform", leg: Leg) -> tuple[str, str | None]:
    endpoint = leg.endpoint
    headers: dict[str, str] = {}
    authorization = endpoint.get("authorization") or {}
    if authorization.get("type") == "custom":
        headers["Authorization"] = authorization["value"]
    elif authorization.get("type") == "vonage":
        token = sign_webhook(
            body=b"",
            secret=platform.config.signature_secret,
            api_key=platform.config.api_key,
            application_id=platform.config.application_id,
        )
        headers["Authorization"] = f"Bearer {token}"
    platform.set_status(leg, "ringing")
    try:
        socket = await asyncio.wait_for(
            connect(endpoint["uri"], additional_headers=headers, open_timeout=5), timeout=6
        )
    except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
        leg.note("error", f"The websocket did not answer: {error}")
        return "failed", "cannot_route"
    content_type = endpoint.get("content-type", "audio/l16;rate=16000")
    first = {"event": "websocket:connected", "content-type": content_type}
    first.update(endpoint.get("headers") or {})
    await socket.send(json.dumps(first))
    mixer = sound.Mixer(
        frame_bytes=FRAME_BYTES[content_type], sample_rate=SAMPLE_RATES[content_type]
    )
    leg.custom[sound.MIXER_KEY] = mixer
    platform.spawn(_pump(platform, leg, socket, mixer))
    return "answered", None


async def _pump(
    platform: "Platform", leg: Leg, socket: ClientConnection, mixer: sound.Mixer
) -> None:
    """What the leg hears, in 20 ms frames at real-time pace, until the call ends or the
    server closes the socket."""
    loop = asyncio.get_running_loop()
    due = loop.time()
    try:
        while leg.is_alive:
            await socket.send(mixer.next_frame())
            due += FRAME_SECONDS
            await asyncio.sleep(max(0.0, due - loop.time()))
    except ConnectionClosed:
        if leg.is_alive:
            leg.note("status", "The websocket server closed the connection")
            platform.send_event(leg, platform.status_payload(leg, "disconnected"))
            await platform.hangup(leg, by="user")
    finally:
        with contextlib.suppress(Exception):
            await socket.close()
