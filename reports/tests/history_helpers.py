"""Hand-made history for the historical reports' tests: call detail records and presence
intervals at known local times."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agents.models import Agent, PresenceInterval
from reports.models import CallDetailRecord, SatisfactionSurvey
from routing.models import Queue
from routing.tests.factories import ConversationFactory

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """A London wall-clock time, "2026-03-02 09:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def contact(
    started: str,
    *,
    queue: Queue | None,
    outcome: str = "answered",
    wait: int | None = 0,
    handle: int | None = None,
    hold: int = 0,
    wrap_up: int | None = None,
    agent: Agent | None = None,
    channel: str = "voice",
    disposition: str = "",
    caller: str = "447700900001",
    transfers: int = 0,
    score: int | None = None,
    direction: str = "inbound",
) -> CallDetailRecord:
    """One finished contact as its call detail record says it went."""
    started_at = at(started)
    conversation = ConversationFactory(
        started_at=started_at, from_address=caller, state="ended", channel=channel
    )
    cdr = CallDetailRecord.objects.create(
        conversation=conversation,
        direction=direction,
        from_address=caller,
        started_at=started_at,
        ended_at=started_at + timedelta(seconds=(wait or 0) + (handle or 0)),
        queue=queue,
        queue_seconds=wait if queue else None,
        handle_seconds=handle,
        hold_seconds=hold,
        wrap_up_seconds=wrap_up,
        agent=agent,
        outcome=outcome,
        channel=channel,
        disposition=disposition,
        transfers=transfers,
    )
    if score is not None:
        SatisfactionSurvey.objects.create(
            conversation=conversation, number=caller, state="answered", score=score
        )
    return cdr


def presence(agent: Agent, *stretches: tuple[str, str, str, str]) -> None:
    """(activity, reason, from, to) stretches, London times ("" to: still open)."""
    for activity, reason, start, end in stretches:
        PresenceInterval.objects.create(
            agent=agent,
            activity=activity,
            reason=reason,
            started_at=at(start),
            ended_at=at(end) if end else None,
        )
