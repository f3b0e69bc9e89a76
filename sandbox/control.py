"""The sandbox's control port (plain HTTP on loopback): the browser phone page and the JSON API
that the page, caller scripts and tests use to play the people on the calls.

It answers only to a loopback Host (no DNS rebinding) and takes only JSON bodies (a form on
another site cannot post here without a CORS preflight, which it never gets).
"""

import asyncio
import mimetypes
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from sandbox.callees import CalleeScript
from sandbox.http import (
    BadRequest,
    Request,
    Response,
    Router,
    empty,
    json_response,
    lifespan,
    read_request,
    send,
)
from sandbox.messages import InvalidMessage, MessageCentre
from sandbox.platform import Platform
from sandbox.rooms import describe
from sandbox.softphones import SESSION_PATH, Softphones
from sandbox.state import Leg

STATIC_DIR = Path(__file__).resolve().parent / "static" / "sandbox"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
DEMO_CALLERS = ("447700900123", "447700900456", "14155550100")
MAX_WAIT = 25.0
LEG = r"(?P<uuid>[0-9a-f-]{36})"


def leg_json(leg: Leg) -> dict[str, Any]:
    return {
        "uuid": leg.uuid,
        "conversation_uuid": leg.conversation_uuid,
        "direction": leg.direction,
        "party": leg.party,
        "endpoint_type": leg.endpoint_type,
        "from": leg.from_address or leg.from_user,
        "to": leg.address,
        "label": describe(leg),
        "status": leg.status,
        "detail": leg.detail,
        "ringing": leg.ringing_decision is not None and not leg.ringing_decision.done(),
        "connected": leg.connected,
        "listening": leg.listening,
        "muted": leg.muted,
        "earmuffed": leg.earmuffed,
        "conversation": leg.room.name or leg.room.id if leg.room else None,
        "ended": not leg.is_alive,
        "speed": leg.clock.speed,
        "seconds": round(leg.clock.elapsed(), 1),
    }


class ControlApi:
    def __init__(
        self, *, platform: Platform, messages: MessageCentre, softphones: Softphones
    ) -> None:
        self.platform = platform
        self.messages = messages
        self.softphones = softphones
        self.router = Router()
        routes = [
            ("GET", "/", self.phone_page),
            ("GET", r"/static/(?P<name>[\w.-]+)", self.static),
            ("GET", "/control/state", self.state),
            ("POST", "/control/calls", self.dial),
            ("GET", "/control/calls", self.calls),
            ("GET", f"/control/calls/{LEG}", self.call),
            ("POST", f"/control/calls/{LEG}/dtmf", self.press),
            ("POST", f"/control/calls/{LEG}/speech", self.say),
            ("POST", f"/control/calls/{LEG}/hangup", self.hangup),
            ("POST", f"/control/calls/{LEG}/answer", self.answer),
            ("POST", f"/control/calls/{LEG}/reject", self.reject),
            ("PUT", r"/control/callees/(?P<address>[^/]+)", self.set_callee),
            ("DELETE", r"/control/callees/(?P<address>[^/]+)", self.forget_callee),
            ("GET", "/control/webhooks", self.webhooks),
            ("POST", "/control/messages", self.receive_message),
            ("GET", "/control/messages", self.thread),
        ]
        for method, pattern, handler in routes:
            self.router.add(method, pattern, handler)

    async def __call__(self, scope: dict, receive: Any, send_message: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send_message)
            return
        if scope["type"] == "websocket":
            await self.websocket(scope, receive, send_message)
            return
        if scope["type"] != "http":
            return
        try:
            request = await read_request(scope, receive)
            response = await self.handle(request)
        except BadRequest as error:
            response = json_response(400, {"error": str(error)})
        await send(send_message, response)

    async def handle(self, request: Request) -> Response:
        host = request.headers.get("host", "").rsplit(":", 1)[0]
        if host not in LOOPBACK_HOSTS:
            return json_response(403, {"error": "the sandbox answers to loopback hosts only"})
        if request.method in ("POST", "PUT") and not request.headers.get(
            "content-type", ""
        ).startswith("application/json"):
            return json_response(415, {"error": "send JSON (Content-Type: application/json)"})
        handler, params, path_known = self.router.match(request.method, request.path)
        if handler is None:
            status = 405 if path_known else 404
            return json_response(status, {"error": "no such control endpoint"})
        return await handler(request, **params)

    async def websocket(self, scope: dict, receive: Any, send_message: Any) -> None:
        """Agents' softphones (sandbox/softphones.py); nothing else is a websocket here."""
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        host = headers.get("host", "").rsplit(":", 1)[0]
        if scope["path"] != SESSION_PATH or host not in LOOPBACK_HOSTS:
            await receive()
            await send_message({"type": "websocket.close", "code": 4404})
            return
        await self.softphones.serve(scope, receive, send_message)

    def close(self) -> None:
        """Release the long-polling readers so the server can stop at once."""
        for leg in self.platform.registry.legs.values():
            leg.feed.touch()
        self.messages.touch()

    def _leg(self, uuid: str) -> Leg:
        leg = self.platform.registry.legs.get(uuid)
        if leg is None:
            raise BadRequest(f"no call leg {uuid}")
        return leg

    @staticmethod
    def _text(request: Request, name: str) -> str:
        body = request.json()
        value = body.get(name) if isinstance(body, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{name} is required")
        return value.strip()

    # Page ---------------------------------------------------------------------------------

    async def phone_page(self, request: Request) -> Response:
        config = self.platform.config
        html = render_to_string(
            "sandbox/phone.html",
            {
                "numbers": config.numbers,
                "callers": DEMO_CALLERS,
                "api_base": config.api_base,
                "answer_url": config.answer_url,
                "speed": config.speed,
                "app_answer_delay": config.app_answer_delay,
            },
        )
        return Response(
            status=200,
            body=html.encode(),
            content_type="text/html; charset=utf-8",
            headers=[("cache-control", "no-store")],
        )

    async def static(self, request: Request, name: str) -> Response:
        path = STATIC_DIR / name
        if not path.is_file():
            return json_response(404, {"error": "no such file"})
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        return Response(status=200, body=path.read_bytes(), content_type=content_type)

    # Calls --------------------------------------------------------------------------------

    async def state(self, request: Request) -> Response:
        config = self.platform.config
        legs = self.platform.registry.legs_in_order()
        return json_response(
            200,
            {
                "numbers": config.numbers,
                "callers": DEMO_CALLERS,
                "api_base": config.api_base,
                "answer_url": config.answer_url,
                "event_url": config.event_url,
                "speed": config.speed,
                "timestamps": config.timestamps,
                "app_answer_delay": config.app_answer_delay,
                "calls": [leg_json(leg) for leg in legs[-50:]],
                "live_calls": sum(1 for leg in legs if leg.is_alive),
                "webhooks_pending": self.platform.webhooks_pending(),
            },
        )

    async def dial(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise BadRequest("send {from, to}")
        speed = body.get("speed")
        if speed is not None and (not isinstance(speed, int | float) or speed <= 0):
            raise BadRequest("speed must be a positive number")
        try:
            leg = self.platform.dial(
                from_number=str(body.get("from") or DEMO_CALLERS[0]),
                to_number=str(body.get("to") or self.platform.config.numbers[0]),
                speed=speed,
            )
        except LookupError as error:
            return json_response(404, {"error": str(error)})
        except ValueError as error:
            raise BadRequest(str(error)) from None
        return json_response(201, leg_json(leg))

    async def calls(self, request: Request) -> Response:
        """Every leg, or those to one address (`to`), or only those still up (`live=1`)."""
        legs = self.platform.registry.legs_in_order()
        address = request.query.get("to", "").removeprefix("+")
        if address:
            legs = [leg for leg in legs if leg.address == address]
        if request.query.get("live") in ("1", "true"):
            legs = [leg for leg in legs if leg.is_alive]
        return json_response(200, {"calls": [leg_json(leg) for leg in legs]})

    async def call(self, request: Request, uuid: str) -> Response:
        """A leg and its feed after `after`; waits up to `wait` s for something new."""
        leg = self._leg(uuid)
        try:
            after = int(request.query.get("after", 0))
            wait = min(float(request.query.get("wait", 0)), MAX_WAIT)
        except ValueError:
            raise BadRequest("after and wait must be numbers") from None
        if wait > 0:
            await leg.feed.wait(after=after, timeout=wait)
        return json_response(
            200,
            {
                **leg_json(leg),
                "feed": [item.as_json() for item in leg.feed.after(after)],
            },
        )

    async def press(self, request: Request, uuid: str) -> Response:
        digits = self._text(request, "digits")
        if set(digits) - set("0123456789*#"):
            raise BadRequest("digits are 0-9, * and #")
        self.platform.press(self._live(uuid), digits)
        return empty()

    async def say(self, request: Request, uuid: str) -> Response:
        self.platform.say(self._live(uuid), self._text(request, "text"))
        return empty()

    async def hangup(self, request: Request, uuid: str) -> Response:
        await self.platform.hangup(self._leg(uuid), by="user")
        return empty()

    async def answer(self, request: Request, uuid: str) -> Response:
        if not self.platform.decide_ringing(self._leg(uuid), answer=True):
            return json_response(409, {"error": "that leg is not ringing"})
        return empty()

    async def reject(self, request: Request, uuid: str) -> Response:
        if not self.platform.decide_ringing(self._leg(uuid), answer=False):
            return json_response(409, {"error": "that leg is not ringing"})
        return empty()

    def _live(self, uuid: str) -> Leg:
        leg = self._leg(uuid)
        if not leg.is_alive:
            raise BadRequest("that call has ended")
        return leg

    async def set_callee(self, request: Request, address: str) -> Response:
        body = request.json()
        try:
            script = CalleeScript.from_json(body if isinstance(body, dict) else {})
        except (TypeError, ValueError) as error:
            raise BadRequest(str(error)) from None
        self.platform.callees[address.removeprefix("+")] = script
        return empty()

    async def forget_callee(self, request: Request, address: str) -> Response:
        self.platform.callees.pop(address.removeprefix("+"), None)
        return empty()

    async def webhooks(self, request: Request) -> Response:
        leg_uuid = request.query.get("leg")
        after = int(request.query.get("after", 0) or 0)
        deliveries = [
            delivery.as_json()
            for delivery in self.platform.sender.deliveries
            if delivery.id > after and (leg_uuid is None or delivery.leg_uuid == leg_uuid)
        ]
        return json_response(200, {"deliveries": deliveries})

    # Messages -----------------------------------------------------------------------------

    async def receive_message(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise BadRequest("send {channel, from, to, text}")
        try:
            message = await self.messages.receive(
                channel=str(body.get("channel", "sms")),
                sender=str(body.get("from") or DEMO_CALLERS[0]),
                recipient=str(body.get("to") or self.platform.config.numbers[0]),
                text=self._text(request, "text"),
            )
        except InvalidMessage as error:
            raise BadRequest(str(error)) from None
        return json_response(201, message.as_json())

    async def thread(self, request: Request) -> Response:
        number = request.query.get("number", "")
        wait = min(float(request.query.get("wait", 0) or 0), MAX_WAIT)
        known = int(request.query.get("known", 0) or 0)
        messages = self.messages.thread(number) if number else self.messages.messages
        if wait > 0 and len(messages) <= known:
            changed = self.messages.changed
            try:
                await asyncio.wait_for(changed.wait(), wait)
            except TimeoutError:
                pass
            messages = self.messages.thread(number) if number else self.messages.messages
        return json_response(200, {"messages": [message.as_json() for message in messages]})
