from django.apps import AppConfig


class CallCentreConfig(AppConfig):
    name = "callcentre"
    verbose_name = "Call centre"

    def ready(self) -> None:
        from callcentre import checks  # noqa: F401  (registers system checks)
        from callcentre.vonage.signing import warn_if_verification_disabled

        warn_if_verification_disabled()
        if embedded_beat_wanted():
            from callcentre import embedded_beat

            embedded_beat.start()


def embedded_beat_wanted() -> bool:
    """In the development server's serving process only (not its autoreloader parent, not
    management commands, not tests), and only with inline Celery."""
    import os
    import sys

    from django.conf import settings

    serving = "runserver" in sys.argv and (
        os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv
    )
    return settings.EMBEDDED_BEAT and settings.CELERY_TASK_ALWAYS_EAGER and serving
