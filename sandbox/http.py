"""A minimal ASGI toolkit for the sandbox's two servers: requests, responses and routing."""

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY = 2 * 1024 * 1024


class BadRequest(Exception):
    pass


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise BadRequest("the body is not JSON") from None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(status: int, data: Any) -> Response:
    return Response(status=status, body=json.dumps(data).encode())


def empty(status: int = 204) -> Response:
    return Response(status=status)


Handler = Callable[..., Awaitable[Response]]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """(handler, path parameters, whether the path exists under another method)."""
        path_known = False
        for route_method, pattern, handler in self._routes:
            found = pattern.match(path)
            if found:
                if route_method == method:
                    return handler, found.groupdict(), True
                path_known = True
        return None, {}, path_known


async def read_request(scope: dict[str, Any], receive: Callable[[], Awaitable[dict]]) -> Request:
    chunks = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest("the body is too large")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
    query = dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True))
    return Request(scope["method"], scope["path"], query, headers, b"".join(chunks))


async def send(send_message: Callable[[dict], Awaitable[None]], response: Response) -> None:
    headers = [(b"content-type", response.content_type.encode())] if response.status != 204 else []
    headers.append((b"content-length", str(len(response.body)).encode()))
    headers += [(name.encode(), value.encode()) for name, value in response.headers]
    await send_message(
        {"type": "http.response.start", "status": response.status, "headers": headers}
    )
    await send_message({"type": "http.response.body", "body": response.body})


async def lifespan(receive: Callable[[], Awaitable[dict]], send_message: Callable) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send_message({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send_message({"type": "lifespan.shutdown.complete"})
            return
