from django.apps import AppConfig


class DesktopConfig(AppConfig):
    """The agent desktop: its page, its API and its websocket (the interface above agents
    and routing)."""

    name = "desktop"
