from django.contrib.auth.models import AnonymousUser, User

from agents.models import Agent, AwayReason


def agent_for_vonage_user(*, vonage_user: str) -> Agent | None:
    return Agent.objects.filter(vonage_user=vonage_user).first()


def agent_for_user(*, user: User | AnonymousUser) -> Agent | None:
    """The agent profile of a logged-in user, or None (supervisors need not be agents)."""
    if not user.is_authenticated:
        return None
    return Agent.objects.filter(user=user).first()


def away_reasons_active() -> list[AwayReason]:
    """The away reasons agents and supervisors may pick (admin keeps them)."""
    return list(AwayReason.objects.filter(is_active=True))
