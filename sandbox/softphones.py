"""Agents' softphones: a browser logged in as an application user over a websocket, as the
Vonage Client SDK logs in to Vonage, so the desktop's phone rings, answers and hangs up
through the sandbox the way it does through Vonage (docs/softphone.md, "The sandbox
transport").

`ws://<control host>/v1/client/session?token=<user JWT>` on the control port (loopback only).
The token is the one the project mints for the Client SDK: RS256 with the application's key,
`application_id`, `iat`, `jti`, `exp`, `sub` (a user of the Users API, sandbox/users.py) and
an `acl` that grants `/*/sessions/**`. A refused token or unknown user closes the socket with
4401 and the reason; an expired session (no `refresh` in time) closes it with 4401 too.

Frames are JSON objects with a `type`, named after the Client SDK's events:

From the sandbox:
- `session:success` `{session_id, user, expires_at}`: logged in;
- `session:refreshed` `{expires_at}`: a `refresh` was accepted;
- `callInvite` `{call_id, from, channel_type}`: an app leg to this user rings;
- `callInviteCancel` `{call_id, reason}`: it stopped ringing unanswered (RemoteCancel,
  RemoteTimeout, RejectedElsewhere, AnsweredElsewhere);
- `legStatusUpdate` `{call_id, leg_id, status}`: the leg's status moved (ringing, answered,
  completed, ...);
- `mute` `{call_id, muted}`: the leg was muted or unmuted;
- `callHangup` `{call_id, reason}`: the answered leg ended (LOCAL_HANGUP: this browser hung
  up; REMOTE_HANGUP: anyone else);
- `error` `{reason}`: a frame the sandbox could not act on.

From the browser: `answer`, `reject`, `hangup` `{call_id}`, `mute` `{call_id, muted}`,
`refresh` `{token}`.

While a user has a session, the sandbox leaves their app legs ringing until the page answers
or rejects them (no `app_answer_delay` timer); without one it answers them as before.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from sandbox.appjwt import Authenticator, Unauthorized
from sandbox.state import Leg
from sandbox.users import UserStore

if TYPE_CHECKING:
    from sandbox.platform import Platform

logger = logging.getLogger("sandbox.softphones")

SESSION_PATH = "/v1/client/session"
SESSIONS_PATH = "/*/sessions/**"
REFUSED = 4401
FOLLOW_POLL_SECONDS = 5.0


@dataclass(eq=False)
class Session:
    user: str
    expires_at: float
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    outbox: "asyncio.Queue[dict[str, Any] | None]" = field(default_factory=asyncio.Queue)
    hung_up: set[str] = field(default_factory=set)  # call ids this browser hung up

    def send(self, frame: dict[str, Any]) -> None:
        self.outbox.put_nowait(frame)


class Softphones:
    def __init__(
        self, *, platform: "Platform", users: UserStore, authenticator: Authenticator
    ) -> None:
        self.platform = platform
        self.users = users
        self.auth = authenticator
        self.sessions: dict[str, set[Session]] = {}

    def has_session(self, user: str) -> bool:
        return bool(self.sessions.get(user))

    def _broadcast(self, user: str, frame: dict[str, Any]) -> None:
        for session in self.sessions.get(user, ()):
            session.send(frame)

    # The calls ------------------------------------------------------------------------------

    def ringing(self, leg: Leg) -> None:
        """An app leg to a user rings: invite their browsers and follow the leg until it ends."""
        if not self.has_session(leg.address):
            return
        caller = leg.from_address or leg.from_user or ""
        self._broadcast(
            leg.address,
            {
                "type": "callInvite",
                "call_id": leg.uuid,
                "from": caller,
                "channel_type": "phone" if leg.from_address else "app",
            },
        )
        self.platform.spawn(self._follow(leg))

    async def _follow(self, leg: Leg) -> None:
        user, last_status, last_muted = leg.address, None, leg.muted
        while True:
            if leg.status != last_status:
                last_status = leg.status
                self._broadcast(
                    user,
                    {
                        "type": "legStatusUpdate",
                        "call_id": leg.uuid,
                        "leg_id": leg.uuid,
                        "status": leg.status,
                    },
                )
            if leg.muted != last_muted:
                last_muted = leg.muted
                self._broadcast(user, {"type": "mute", "call_id": leg.uuid, "muted": leg.muted})
            if not leg.is_alive:
                self._ended(user, leg)
                return
            await leg.feed.wait(after=len(leg.feed.items), timeout=FOLLOW_POLL_SECONDS)

    def _ended(self, user: str, leg: Leg) -> None:
        if leg.answered_at is None:
            reasons = {"timeout": "RemoteTimeout", "rejected": "RejectedElsewhere"}
            reason = reasons.get(leg.status, "RemoteCancel")
            self._broadcast(
                user, {"type": "callInviteCancel", "call_id": leg.uuid, "reason": reason}
            )
            return
        for session in self.sessions.get(user, ()):
            local = leg.uuid in session.hung_up
            reason = "LOCAL_HANGUP" if local else "REMOTE_HANGUP"
            session.send({"type": "callHangup", "call_id": leg.uuid, "reason": reason})

    def _users_leg(self, session: Session, call_id: Any) -> Leg:
        leg = self.platform.registry.legs.get(str(call_id))
        if leg is None or leg.party != "agent" or leg.address != session.user:
            raise ValueError(f"no call {call_id} for {session.user}")
        return leg

    async def _act(self, session: Session, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "refresh":
            claims = self._claims(frame.get("token"))
            if claims["sub"] != session.user:
                raise ValueError("the new token is for another user")
            session.expires_at = float(claims["exp"])
            session.send({"type": "session:refreshed", "expires_at": session.expires_at})
            return
        leg = self._users_leg(session, frame.get("call_id"))
        if kind in ("answer", "reject"):
            if not self.platform.decide_ringing(leg, answer=kind == "answer"):
                raise ValueError(f"call {leg.uuid} is not ringing")
            if kind == "answer":
                leg.note("you", "Answered in the agent's browser")
                for other in self.sessions.get(session.user, ()):
                    if other is not session:
                        other.send(
                            {
                                "type": "callInviteCancel",
                                "call_id": leg.uuid,
                                "reason": "AnsweredElsewhere",
                            }
                        )
        elif kind == "hangup":
            session.hung_up.add(leg.uuid)
            await self.platform.hangup(leg, by="user")
        elif kind == "mute":
            self.platform.set_audio(leg, "mute" if frame.get("muted") else "unmute")
            leg.feed.touch()
        else:
            raise ValueError(f"unknown frame type {kind!r}")

    # The websocket ----------------------------------------------------------------------------

    def _claims(self, token: Any) -> dict[str, Any]:
        if not isinstance(token, str) or not token:
            raise Unauthorized("no token")
        claims = self.auth.check_jwt(f"Bearer {token}")
        user = claims.get("sub")
        if not isinstance(user, str) or not user:
            raise Unauthorized("the token names no user (sub)")
        if not self.users.exists(user):
            raise Unauthorized(f"user {user!r} does not exist (create it with the Users API)")
        paths = (
            (claims.get("acl") or {}).get("paths") if isinstance(claims.get("acl"), dict) else None
        )
        if not isinstance(paths, dict) or SESSIONS_PATH not in paths:
            raise Unauthorized(f"the token's acl does not grant {SESSIONS_PATH}")
        if not isinstance(claims.get("exp"), int | float):
            raise Unauthorized("the token has no exp")
        return claims

    async def serve(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """One browser's session (an ASGI websocket)."""
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        try:
            claims = self._claims(query.get("token"))
        except Unauthorized as error:
            logger.info("softphone session refused: %s", error)
            await send({"type": "websocket.close", "code": REFUSED, "reason": str(error)[:120]})
            return
        session = Session(user=claims["sub"], expires_at=float(claims["exp"]))
        self.sessions.setdefault(session.user, set()).add(session)
        session.send(
            {
                "type": "session:success",
                "session_id": session.id,
                "user": session.user,
                "expires_at": session.expires_at,
            }
        )
        writer = asyncio.create_task(self._write(session, send))
        expiry = asyncio.create_task(self._expire(session))
        try:
            await self._read(session, receive)
        finally:
            self.sessions.get(session.user, set()).discard(session)
            expiry.cancel()
            session.outbox.put_nowait(None)
            with contextlib.suppress(Exception):
                await writer

    async def _read(self, session: Session, receive: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                frame = json.loads(message.get("text") or message.get("bytes") or b"null")
                if not isinstance(frame, dict):
                    raise ValueError("send a JSON object")
                await self._act(session, frame)
            except (ValueError, Unauthorized) as error:
                session.send({"type": "error", "reason": str(error)})

    async def _write(self, session: Session, send: Any) -> None:
        while True:
            frame = await session.outbox.get()
            if frame is None:
                return
            if frame.get("type") == "close":
                await send({"type": "websocket.close", "code": REFUSED, "reason": frame["reason"]})
                return
            await send({"type": "websocket.send", "text": json.dumps(frame)})

    async def _expire(self, session: Session) -> None:
        while True:
            left = session.expires_at - time.time()
            if left <= 0:
                session.send({"type": "close", "reason": "the session's token expired"})
                return
            await asyncio.sleep(min(left, 30.0))
