from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from agents.models import Activity, Agent, AwayReason, PresenceInterval


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


def agent_seconds_by_activity(*, agent: Agent, since: datetime, until: datetime) -> dict[str, int]:
    """How long the agent spent in each activity between `since` and `until`, from their
    presence intervals. A wrap-up ends by the clock with no write (agents.intervals): an open
    wrap-up interval counts as wrap-up until `wrap_up_until`, and as available after it."""
    seconds: dict[str, float] = {}
    intervals = PresenceInterval.objects.filter(agent=agent, started_at__lt=until).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=since)
    )
    for interval in intervals:
        start, end = max(interval.started_at, since), min(interval.ended_at or until, until)
        activity = interval.activity
        if interval.ended_at is None and activity == Activity.WRAP_UP and agent.wrap_up_until:
            ran_out = min(max(agent.wrap_up_until, start), end)
            seconds[Activity.IDLE] = seconds.get(Activity.IDLE, 0) + (end - ran_out).total_seconds()
            end = ran_out
        seconds[activity] = seconds.get(activity, 0) + max((end - start).total_seconds(), 0)
    return {activity: round(total) for activity, total in seconds.items()}
