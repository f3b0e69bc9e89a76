"""Websocket routes. Each screen (agent desktop, wallboard, chat widget) adds its consumer here."""

websocket_urlpatterns: list = []
