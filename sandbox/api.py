"""Vonage's Voice, Messages and Users REST APIs over HTTPS (CONTRACT §1, §5, §7, §9), for the
official SDK (the Users API's handlers are in sandbox/users.py).

Status codes and bodies are Vonage's: 201 create call, 204 modify call, 200 talk/stream/DTMF,
202 send message; RFC 7807 bodies for 401 (bad or missing JWT), 404 (unknown call or path)
and 422 (invalid parameters, including an NCCO the sandbox would refuse).
"""

import logging
from typing import Any
from urllib.parse import urlencode

from sandbox import api_params as params
from sandbox import payloads, reports_api
from sandbox.appjwt import Authenticator, Unauthorized, error_body
from sandbox.audio import speaking_seconds
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
from sandbox.messages import InvalidMessage, MessageCentre, check_outbound
from sandbox.ncco import NccoInvalid, validate_ncco
from sandbox.platform import CallNotLive, Platform
from sandbox.recordings import RecordingStore
from sandbox.state import Leg
from sandbox.users import UsersApi

logger = logging.getLogger("sandbox.api")

LEG = r"(?P<uuid>[^/]+)"
CALL_ACTIONS = frozenset({"hangup", "mute", "unmute", "earmuff", "unearmuff", "transfer"})
LIST_STATUSES = frozenset(
    {
        "started",
        "ringing",
        "answered",
        "machine",
        "completed",
        "busy",
        "cancelled",
        "failed",
        "rejected",
        "timeout",
        "unanswered",
    }
)


def invalid(name: str, reason: str) -> Response:
    return json_response(
        422, error_body(422, invalid_parameters=[{"name": name, "reason": reason}])
    )


class VonageApi:
    def __init__(
        self,
        *,
        platform: Platform,
        messages: MessageCentre,
        recordings: RecordingStore,
        authenticator: Authenticator,
        users: UsersApi,
    ) -> None:
        self.platform = platform
        self.messages = messages
        self.recordings = recordings
        self.auth = authenticator
        self.router = Router()
        routes = [
            ("POST", "/v1/calls/?", self.create_call),
            ("GET", "/v1/calls/?", self.list_calls),
            ("GET", f"/v1/calls/{LEG}", self.get_call),
            ("PUT", f"/v1/calls/{LEG}", self.modify_call),
            ("PUT", f"/v1/calls/{LEG}/talk", self.start_talk),
            ("DELETE", f"/v1/calls/{LEG}/talk", self.stop_talk),
            ("PUT", f"/v1/calls/{LEG}/stream", self.start_stream),
            ("DELETE", f"/v1/calls/{LEG}/stream", self.stop_stream),
            ("PUT", f"/v1/calls/{LEG}/dtmf", self.send_dtmf),
            ("PUT", f"/v1/calls/{LEG}/input/dtmf", self.subscribe_dtmf),
            ("DELETE", f"/v1/calls/{LEG}/input/dtmf", self.unsubscribe_dtmf),
            ("GET", r"/v1/files/(?P<file_id>[^/]+)", self.download),
            ("POST", "/v1/messages/?", self.send_message),
            ("PATCH", r"/v1/messages/(?P<message_uuid>[^/]+)", self.update_message),
            ("GET", "/v2/reports/records/?", self.report_records),
        ]
        routes += users.routes()
        for method, pattern, handler in routes:
            self.router.add(method, pattern, handler)

    async def __call__(self, scope: dict, receive: Any, send_message: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send_message)
            return
        if scope["type"] != "http":
            return
        try:
            request = await read_request(scope, receive)
            response = await self.handle(request)
        except BadRequest as error:
            response = json_response(400, error_body(400, detail=str(error)))
        except Exception:
            logger.exception("the sandbox failed on %s %s", scope["method"], scope["path"])
            response = json_response(500, {"type": "about:blank", "title": "Internal Error"})
        await send(send_message, response)

    async def handle(self, request: Request) -> Response:
        handler, arguments, path_known = self.router.match(request.method, request.path)
        if handler is None:
            status = 405 if path_known else 404
            return json_response(status, error_body(status))
        try:
            if request.path.startswith("/v2/reports"):
                self.auth.check_basic(request.headers.get("authorization"))
            elif request.path.startswith("/v1/messages"):
                self.auth.check_jwt_or_basic(request.headers.get("authorization"))
            else:
                self.auth.check_jwt(request.headers.get("authorization"))
        except Unauthorized as error:
            logger.info("refused %s %s: %s", request.method, request.path, error)
            return json_response(401, error_body(401))
        try:
            return await handler(request, **arguments)
        except params.Invalid as error:
            return invalid(error.name, error.reason)
        except CallNotLive as error:
            return json_response(400, error_body(400, detail=str(error)))

    def _leg(self, uuid: str) -> Leg | None:
        return self.platform.registry.legs.get(uuid)

    @staticmethod
    def _not_found(uuid: str) -> Response:
        detail = f"Call with uuid {uuid} not found"
        return json_response(404, error_body(404, detail=detail))

    # Calls --------------------------------------------------------------------------------

    async def create_call(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise params.Invalid("body", "must be a JSON object")
        to = params.one_endpoint(body.get("to"))
        from_endpoint = self._from(body)
        ncco, answer_url = body.get("ncco"), body.get("answer_url")
        if (ncco is None) == (answer_url is None):
            raise params.Invalid("ncco", "exactly one of ncco and answer_url is required")
        if ncco is not None:
            try:
                ncco = validate_ncco(ncco)
            except NccoInvalid as error:
                raise params.Invalid("ncco", error.reason) from None
        leg = self.platform.create_call(
            to=to,
            from_endpoint=from_endpoint,
            ncco=ncco,
            answer_url=params.one_url(answer_url, "answer_url") if answer_url is not None else None,
            answer_method=params.method(body, "answer_method", "GET"),
            event_url=params.one_url(body["event_url"], "event_url")
            if body.get("event_url")
            else None,
            event_method=params.method(body, "event_method", "POST"),
            ringing_timer=params.integer(body, "ringing_timer", 60, 1, 120),
            length_timer=params.integer(body, "length_timer", 7200, 1, 86400),
            machine=params.machine_detection(body),
        )
        return json_response(
            201,
            {
                "uuid": leg.uuid,
                "status": "started",
                "direction": "outbound",
                "conversation_uuid": leg.conversation_uuid,
            },
        )

    def _from(self, body: dict[str, Any]) -> dict[str, Any]:
        sender, random_from = body.get("from"), body.get("random_from_number") is True
        if (sender is not None) == random_from:
            raise params.Invalid("from", "exactly one of from and random_from_number is required")
        if random_from:
            return {"type": "phone", "number": self.platform.random_number()}
        if not isinstance(sender, dict) or sender.get("type") != "phone":
            raise params.Invalid("from", "must be {type: phone, number}")
        if not isinstance(sender.get("number"), str) or not sender["number"]:
            raise params.Invalid("from.number", "is required")
        return {"type": "phone", "number": sender["number"]}

    async def list_calls(self, request: Request) -> Response:
        query = request.query
        status = query.get("status")
        if status is not None and status not in LIST_STATUSES:
            raise params.Invalid("status", f"unknown status {status!r}")
        page_size = params.query_int(query, "page_size", 10, 1, 100)
        record_index = params.query_int(query, "record_index", 0, 0, 10**9)
        order = query.get("order", "asc")
        if order not in ("asc", "desc"):
            raise params.Invalid("order", "must be asc or desc")
        legs = self.platform.registry.legs_in_order()
        if status:
            legs = [leg for leg in legs if leg.status == status]
        if query.get("conversation_uuid"):
            legs = [leg for leg in legs if leg.conversation_uuid == query["conversation_uuid"]]
        for name, keep in (("date_start", lambda a, b: a >= b), ("date_end", lambda a, b: a < b)):
            if query.get(name):
                moment = params.parse_time(query[name], name)
                legs = [leg for leg in legs if leg.created_at and keep(leg.created_at, moment)]
        if order == "desc":
            legs.reverse()
        page = legs[record_index : record_index + page_size]

        def link(index: int) -> dict[str, str]:
            query = {"page_size": page_size, "record_index": index, "order": order}
            return {"href": f"/v1/calls?{urlencode(query)}"}

        links: dict[str, Any] = {"self": link(record_index), "first": link(0)}
        last_index = max(0, (len(legs) - 1) // page_size * page_size)
        links["last"] = link(last_index)
        if record_index + page_size < len(legs):
            links["next"] = link(record_index + page_size)
        if record_index > 0:
            links["prev"] = link(max(0, record_index - page_size))
        return json_response(
            200,
            {
                "count": len(legs),
                "page_size": page_size,
                "record_index": record_index,
                "_links": links,
                "_embedded": {"calls": [payloads.call_resource(leg) for leg in page]},
            },
        )

    async def report_records(self, request: Request) -> Response:
        status, body = reports_api.records_answer(
            self.platform.registry.legs_in_order(), request.query, account_id=self.auth.api_key
        )
        return json_response(status, body)

    async def get_call(self, request: Request, uuid: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        return json_response(200, payloads.call_resource(leg))

    async def modify_call(self, request: Request, uuid: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        body = request.json()
        action = body.get("action") if isinstance(body, dict) else None
        if action not in CALL_ACTIONS:
            raise params.Invalid("action", f"must be one of {', '.join(sorted(CALL_ACTIONS))}")
        if action == "hangup":
            if not leg.is_alive:
                raise CallNotLive(f"call {uuid} is {leg.status}")
            await self.platform.hangup(leg, by="platform")
        elif action == "transfer":
            self._transfer(leg, body.get("destination"))
        else:
            self.platform.set_audio(leg, action)
        return empty(204)

    def _transfer(self, leg: Leg, destination: Any) -> None:
        if not isinstance(destination, dict) or destination.get("type") != "ncco":
            raise params.Invalid(
                "destination", "must be {type: ncco, ncco: [...]} or {type: ncco, url}"
            )
        self.platform.live_leg(leg)
        if destination.get("ncco") is not None:
            try:
                ncco = validate_ncco(destination["ncco"])
            except NccoInvalid as error:
                raise params.Invalid("destination.ncco", error.reason) from None
            self.platform.transfer(leg, ncco)
            return
        url = params.one_url(destination.get("url"), "destination.url")
        self.platform.spawn(self.platform.transfer_to_url(leg, url))

    async def start_talk(self, request: Request, uuid: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise params.Invalid("text", "is required")
        loop = params.integer(body, "loop", 1, 0, 10**6)
        self.platform.media.play(
            leg, kind="talk", text=body["text"], seconds=speaking_seconds(body["text"]), loop=loop
        )
        return json_response(200, {"message": "Talk started", "uuid": uuid})

    async def stop_talk(self, request: Request, uuid: str) -> Response:
        return self._stop(uuid, "talk", "Talk stopped")

    async def start_stream(self, request: Request, uuid: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        body = request.json()
        url = params.one_url(
            body.get("stream_url") if isinstance(body, dict) else None, "stream_url"
        )
        loop = params.integer(body, "loop", 1, 0, 10**6)
        self.platform.live_leg(leg)
        seconds = await self.platform.media.stream_seconds(url) or 1.0
        name = url.rsplit("/", 1)[-1]
        self.platform.media.play(
            leg, kind="stream", text=f"♪ Playing {name}", seconds=seconds, loop=loop
        )
        return json_response(200, {"message": "Stream started", "uuid": uuid})

    async def stop_stream(self, request: Request, uuid: str) -> Response:
        return self._stop(uuid, "stream", "Stream stopped")

    def _stop(self, uuid: str, kind: str, message: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        self.platform.media.stop_playing(leg, kind)
        return json_response(200, {"message": message, "uuid": uuid})

    async def send_dtmf(self, request: Request, uuid: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        body = request.json()
        digits = body.get("digits") if isinstance(body, dict) else None
        if not isinstance(digits, str) or not digits or set(digits) - set("0123456789*#p"):
            raise params.Invalid("digits", "must be DTMF digits (0-9, *, #, p)")
        self.platform.live_leg(leg)
        leg.note("dtmf", f"DTMF tones played into the call: {digits}")
        return json_response(200, {"message": "DTMF sent", "uuid": uuid})

    async def subscribe_dtmf(self, request: Request, uuid: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        body = request.json()
        url = params.one_url(body.get("event_url") if isinstance(body, dict) else None, "event_url")
        leg.dtmf_listener = (url, "POST")
        return empty(200)

    async def unsubscribe_dtmf(self, request: Request, uuid: str) -> Response:
        leg = self._leg(uuid)
        if leg is None:
            return self._not_found(uuid)
        leg.dtmf_listener = None
        return empty(200)

    async def download(self, request: Request, file_id: str) -> Response:
        stored = self.recordings.find(file_id)
        if stored is None:
            return json_response(404, error_body(404, detail="File not found"))
        return Response(status=200, body=stored.path.read_bytes(), content_type=stored.content_type)

    # Messages -----------------------------------------------------------------------------

    async def send_message(self, request: Request) -> Response:
        try:
            body = check_outbound(request.json())
        except InvalidMessage as error:
            return json_response(422, error_body(422, invalid_parameters=error.problems))
        message = self.messages.send(body)
        return json_response(202, {"message_uuid": message.uuid})

    async def update_message(self, request: Request, message_uuid: str) -> Response:
        body = request.json()
        if not isinstance(body, dict) or body.get("status") not in ("read", "revoked"):
            raise params.Invalid("status", "must be read or revoked")
        if not any(message.uuid == message_uuid for message in self.messages.messages):
            return json_response(404, error_body(404, detail="Message not found"))
        return empty(202)
