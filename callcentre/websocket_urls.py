"""Websocket routes. Each screen (agent desktop, wallboard, chat widget) adds its consumer here."""

from django.urls import path

from desktop.consumers import AgentDesktopConsumer
from reports.consumers import LiveBoardConsumer
from speech.consumers import MediaStreamConsumer

websocket_urlpatterns = [
    path("ws/agent/", AgentDesktopConsumer.as_asgi()),
    path("ws/supervisor/", LiveBoardConsumer.as_asgi()),
]

# Vonage's websocket legs (a call's audio for live transcription, speech/): no browser opens
# them, so they carry no Origin; they authenticate with Vonage's signed JWT instead.
media_websocket_urlpatterns = [
    path("ws/media/", MediaStreamConsumer.as_asgi()),
]
