"""ASGI entry point: websockets (Channels) and, in development, plain HTTP too.

In production the WSGI workers serve HTTP and this process serves only /ws/
(see docs/architecture.md for why).
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcentre.settings")

django_asgi_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from callcentre.consumers import NoSuchScreenConsumer  # noqa: E402
from callcentre.websocket_urls import (  # noqa: E402
    media_websocket_urlpatterns,
    websocket_urlpatterns,
)

# Last: a path no screen serves is closed with its code, not a 500 from the router.
unknown_path = re_path(r"", NoSuchScreenConsumer.as_asgi())
screens = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, unknown_path]))
)
# Vonage's media streams: outside the Origin check (the consumer checks Vonage's JWT).
media_streams = URLRouter(media_websocket_urlpatterns)
MEDIA_PATH = "/ws/media/"


async def websockets(scope: dict, receive: Any, send: Any) -> None:
    route = media_streams if scope["path"] == MEDIA_PATH else screens
    await route(scope, receive, send)


application = ProtocolTypeRouter({"http": django_asgi_application, "websocket": websockets})
