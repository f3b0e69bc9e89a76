"""Shared by supervision's tests: a supervisor's browser session."""

from django.test import Client

from agents.models import AwayReason
from agents.tests.factories import UserFactory


def supervisor_session(username: str = "sam") -> Client:
    client = Client()
    client.force_login(UserFactory(username=username, is_staff=True))
    return client


def away_reason(code: str, label: str = "") -> AwayReason:
    """An active away reason (the seeded ones are gone after a transactional test's flush)."""
    reason, _ = AwayReason.objects.get_or_create(
        code=code, defaults={"label": label or code.title(), "is_active": True}
    )
    return reason


def sandbox_settled(sandbox) -> bool:
    """No call up and no webhook on its way: nothing reaches the project after the test."""
    return not sandbox.control.calls(live=True) and not sandbox.control.state()["webhooks_pending"]
