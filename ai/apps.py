from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = "AI: intents, sentiment, agent assist"

    def ready(self) -> None:
        from ai import signals

        signals.connect()
