"""System checks that `manage.py check --deploy` runs for this project."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def vonage_signature_settings(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if not settings.VONAGE_VERIFY_SIGNATURES:
        problems.append(
            Warning(
                "Vonage webhook signature verification is switched off.",
                hint="Unset VONAGE_VERIFY_SIGNATURES; anyone could post fake call events.",
                id="callcentre.W001",
            )
        )
    elif not settings.VONAGE_SIGNATURE_SECRET:
        problems.append(
            Error(
                "VONAGE_SIGNATURE_SECRET is not set, so every webhook will be refused.",
                hint="Copy the signature secret from the Vonage dashboard settings.",
                id="callcentre.E001",
            )
        )
    if not settings.VONAGE_API_KEY:
        problems.append(
            Error(
                "VONAGE_API_KEY is not set, so a webhook signed for another Vonage account "
                "with the same signature secret would be accepted.",
                hint="Set VONAGE_API_KEY to the API key of the account that owns the application.",
                id="callcentre.E002",
            )
        )
    return problems
