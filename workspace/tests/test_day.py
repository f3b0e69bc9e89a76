"""The agent's day: occupancy from their presence intervals."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from agents.models import Agent, PresenceInterval
from agents.selectors import agent_seconds_by_activity
from routing.tests.factories import available_agent
from workspace.day import agent_day

pytestmark = pytest.mark.django_db

NOON = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))


def stretch(agent: Agent, activity: str, start: str, end: str | None) -> None:
    def at(clock: str) -> datetime:
        hours, minutes = map(int, clock.split(":"))
        return NOON.replace(hour=hours, minute=minutes)

    PresenceInterval.objects.create(
        agent=agent, activity=activity, started_at=at(start), ended_at=at(end) if end else None
    )


@pytest.fixture
def bob() -> Agent:
    agent = available_agent("Bob", skills={})
    PresenceInterval.objects.filter(agent=agent).delete()
    return agent


def test_occupancy_is_the_share_of_signed_in_time_on_contacts_and_wrap_up(bob):
    stretch(bob, "offline", "08:00", "11:00")
    stretch(bob, "available", "11:00", "11:20")
    stretch(bob, "busy", "11:20", "11:30")
    stretch(bob, "wrap_up", "11:30", "11:35")
    stretch(bob, "away", "11:35", "11:45")
    stretch(bob, "available", "11:45", None)

    day = agent_day(agent=bob, now=NOON)

    # working 15 min of 20 + 15 + 15 signed in (away and offline do not count)
    assert day["occupancy_percent"] == 30.0


def test_an_open_wrap_up_counts_until_its_time_ran_out(bob):
    stretch(bob, "wrap_up", "11:50", None)
    bob.wrap_up_until = NOON - timedelta(minutes=8)

    spent = agent_seconds_by_activity(agent=bob, since=NOON - timedelta(hours=1), until=NOON)

    assert spent == {"wrap_up": 120, "available": 480}


def test_no_occupancy_before_the_agent_was_signed_in(bob):
    stretch(bob, "offline", "08:00", None)

    assert agent_day(agent=bob, now=NOON)["occupancy_percent"] is None
