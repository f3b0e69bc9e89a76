"""Helpers for tests of the screens' websockets, through the project's real ASGI stack."""

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from callcentre.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1")


def session_cookie(user) -> tuple[bytes, bytes]:
    """The Cookie header of a browser in which `user` logged in."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())


def screen_socket(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])


REFUSED_IN_HANDSHAKE = "refused in the handshake (the browser sees 1006)"


@async_to_sync
async def refusal_of(communicator: WebsocketCommunicator) -> object:
    """The close code a page sees: the server accepts, then closes with it. "accepted" when the
    socket stays open, REFUSED_IN_HANDSHAKE when it was closed before being accepted."""
    connected, _ = await communicator.connect()
    if not connected:
        return REFUSED_IN_HANDSHAKE
    first = await communicator.receive_output(timeout=1)
    await communicator.disconnect()
    return first["code"] if first["type"] == "websocket.close" else "accepted"


def sync(function):
    """Call ORM code from a test's async part."""
    return database_sync_to_async(function)
