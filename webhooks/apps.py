from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Vonage's webhooks: they store through conversations, decide through routing, and
    start the post-call pipeline in reports (the interface above those apps)."""

    name = "webhooks"
