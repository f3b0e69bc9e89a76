"""Every presence change is kept as an interval with its reason, the automatic ones too."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.intervals import AwayReasonError
from agents.models import Agent, AwayReason, PresenceInterval
from agents.presence import Actor
from agents.services import (
    agent_set_status,
    agent_slot_claim,
    agent_slot_give_back,
    agent_wrap_up_clear,
)
from agents.tests.factories import AgentFactory, away_reasons

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reasons():
    return away_reasons("lunch", "break", "training")


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """The time the services read (django.utils.timezone.now), moved by hand."""

    class Clock:
        now = T0

        def at(self, **delta: float) -> datetime:
            self.now = T0 + timedelta(**delta)
            return self.now

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def history(agent: Agent) -> list[tuple]:
    """(activity, reason, started, ended) with times as seconds from T0."""

    def seconds(moment: datetime | None) -> float | None:
        return None if moment is None else (moment - T0).total_seconds()

    return [
        (each.activity, each.reason, seconds(each.started_at), seconds(each.ended_at))
        for each in PresenceInterval.objects.filter(agent=agent).order_by("started_at", "id")
    ]


def test_a_shift_is_kept_as_intervals_with_their_reasons(clock):
    agent = AgentFactory(status=Agent.Status.OFFLINE, voice_capacity=1)

    agent_set_status(agent_id=agent.pk, status="available", actor=Actor.AGENT)
    clock.at(seconds=60)
    assert agent_slot_claim(agent_id=agent.pk, channel="voice", now=clock.now)  # busy
    clock.at(seconds=200)
    # The call ended at 180 s; 30 s of wrap-up follow.
    agent_slot_give_back(
        agent_id=agent.pk,
        channel="voice",
        wrap_up_seconds=30,
        finished_at=T0 + timedelta(seconds=180),
    )
    clock.at(seconds=300)
    # Nobody looked at the agent when the wrap-up ran out (at 210 s); the reaper clears it.
    agent_wrap_up_clear(agent_id=agent.pk, now=clock.now)
    clock.at(seconds=400)
    agent_set_status(agent_id=agent.pk, status="away", reason="lunch", actor=Actor.AGENT)
    clock.at(seconds=500)
    agent_set_status(agent_id=agent.pk, status="away", reason="break", actor=Actor.AGENT)
    clock.at(seconds=600)
    agent_set_status(agent_id=agent.pk, status="offline", actor=Actor.AGENT)

    assert history(agent) == [
        ("available", "", 0, 60),
        ("busy", "", 60, 180),
        ("wrap_up", "", 180, 210),
        ("available", "", 210, 400),
        ("away", "lunch", 400, 500),
        ("away", "break", 500, 600),
        ("offline", "", 600, None),
    ]


def test_a_claim_after_a_wrap_up_ran_out_fills_in_the_available_time_between(clock):
    agent = AgentFactory(status=Agent.Status.AVAILABLE, voice_capacity=1)
    assert agent_slot_claim(agent_id=agent.pk, channel="voice", now=clock.now)
    clock.at(seconds=100)
    agent_slot_give_back(agent_id=agent.pk, channel="voice", wrap_up_seconds=20)

    clock.at(seconds=150)  # the wrap-up ended at 120 s; the reaper has not run
    with transaction.atomic():
        assert agent_slot_claim(agent_id=agent.pk, channel="voice", now=clock.now)

    assert history(agent) == [
        ("busy", "", 0, 100),
        ("wrap_up", "", 100, 120),
        ("available", "", 120, 150),
        ("busy", "", 150, None),
    ]


def test_only_the_first_slot_makes_the_agent_busy(clock):
    agent = AgentFactory(status=Agent.Status.AVAILABLE, chat_capacity=3)
    assert agent_slot_claim(agent_id=agent.pk, channel="chat", now=clock.now)
    clock.at(seconds=10)
    assert agent_slot_claim(agent_id=agent.pk, channel="chat", now=clock.now)
    clock.at(seconds=20)
    agent_slot_give_back(agent_id=agent.pk, channel="chat")  # one chat left: still busy
    clock.at(seconds=30)
    agent_slot_give_back(agent_id=agent.pk, channel="chat")

    assert history(agent) == [("busy", "", 0, 30), ("available", "", 30, None)]


def test_missed_offers_make_the_agent_away_with_the_engines_reason(clock, settings):
    settings.ROUTING_MISSED_OFFERS_BEFORE_AWAY = 1
    agent = AgentFactory(status=Agent.Status.AVAILABLE, voice_capacity=1)
    assert agent_slot_claim(agent_id=agent.pk, channel="voice", now=clock.now)
    clock.at(seconds=20)
    agent_slot_give_back(agent_id=agent.pk, channel="voice", missed=True)

    assert history(agent) == [("busy", "", 0, 20), ("away", "missed", 20, None)]


def test_a_supervisor_logs_an_agent_off_with_a_reason_kept_in_the_history(clock):
    agent = AgentFactory(status=Agent.Status.AVAILABLE)
    agent_set_status(
        agent_id=agent.pk, status="offline", reason="end of shift", actor=Actor.SUPERVISOR
    )

    assert history(agent) == [("offline", "end of shift", 0, None)]


def test_an_unknown_or_retired_away_reason_is_refused_and_changes_nothing(clock):
    agent = AgentFactory(status=Agent.Status.AVAILABLE)
    AwayReason.objects.filter(code="training").update(is_active=False)

    for code in ["dancing", "training"]:
        with pytest.raises(AwayReasonError, match=f"Unknown away reason '{code}'; use one of"):
            agent_set_status(agent_id=agent.pk, status="away", reason=code, actor=Actor.AGENT)

    agent.refresh_from_db()
    assert agent.status == "available"
    assert history(agent) == []


def test_an_agent_has_one_open_interval_at_most():
    agent = AgentFactory()
    PresenceInterval.objects.create(agent=agent, activity="available", started_at=T0)

    with pytest.raises(IntegrityError), transaction.atomic():
        PresenceInterval.objects.create(agent=agent, activity="away", started_at=T0)
