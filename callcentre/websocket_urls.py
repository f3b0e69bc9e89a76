"""Websocket routes. Each screen (agent desktop, wallboard, chat widget) adds its consumer here."""

from django.urls import path

from desktop.consumers import AgentDesktopConsumer
from reports.consumers import LiveBoardConsumer

websocket_urlpatterns = [
    path("ws/agent/", AgentDesktopConsumer.as_asgi()),
    path("ws/supervisor/", LiveBoardConsumer.as_asgi()),
]
