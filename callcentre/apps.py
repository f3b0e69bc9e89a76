from django.apps import AppConfig


class CallCentreConfig(AppConfig):
    name = "callcentre"
    verbose_name = "Call centre"

    def ready(self) -> None:
        from callcentre import checks  # noqa: F401  (registers system checks)
        from callcentre.vonage.signing import warn_if_verification_disabled

        warn_if_verification_disabled()
