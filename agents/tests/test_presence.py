"""The agent's presence table and its one setter (agents.presence, agents.services)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Activity, Agent
from agents.presence import PRESENCE_TRANSITIONS, Actor, PresenceError, presence_may_move
from agents.services import (
    agent_set_status,
    agent_slot_claim,
    agent_slot_give_back,
    agent_wrap_up_end,
)
from agents.tests.factories import AgentFactory, away_reasons

pytestmark = pytest.mark.django_db


def test_only_people_choose_a_presence_and_only_the_engine_makes_an_agent_busy():
    assert presence_may_move(current=Activity.OFFLINE, target=Activity.IDLE, actor=Actor.AGENT)
    assert presence_may_move(current=Activity.IDLE, target=Activity.OFFLINE, actor=Actor.SUPERVISOR)
    assert not presence_may_move(current=Activity.OFFLINE, target=Activity.IDLE, actor=Actor.ENGINE)
    assert not presence_may_move(current=Activity.IDLE, target=Activity.BUSY, actor=Actor.AGENT)
    assert presence_may_move(current=Activity.IDLE, target=Activity.BUSY, actor=Actor.ENGINE)
    assert not presence_may_move(current=Activity.OFFLINE, target=Activity.BUSY, actor=Actor.ENGINE)
    # The reaper only ends wrap-ups.
    assert presence_may_move(current=Activity.WRAP_UP, target=Activity.IDLE, actor=Actor.REAPER)
    assert not presence_may_move(current=Activity.IDLE, target=Activity.OFFLINE, actor=Actor.REAPER)


def test_every_state_is_in_the_table():
    assert set(PRESENCE_TRANSITIONS) == set(Activity.values)
    for moves in PRESENCE_TRANSITIONS.values():
        assert set(moves) <= set(Activity.values)


def test_a_supervisor_sets_an_agent_away_with_a_reason():
    away_reasons("coaching")
    agent = AgentFactory(status=Agent.Status.AVAILABLE)

    agent_set_status(agent_id=agent.pk, status="away", reason="coaching", actor=Actor.SUPERVISOR)

    agent.refresh_from_db()
    assert (agent.status, agent.away_reason) == ("away", "coaching")


def test_the_engine_cannot_log_an_agent_in_and_nothing_changes():
    agent = AgentFactory(status=Agent.Status.OFFLINE)

    with pytest.raises(PresenceError, match="engine cannot move an agent from offline"):
        agent_set_status(agent_id=agent.pk, status="available", actor=Actor.ENGINE)

    agent.refresh_from_db()
    assert (agent.status, agent.status_changed_at) == ("offline", None)


def test_a_slot_is_claimed_only_from_a_free_available_agent_and_given_back_once():
    now = timezone.now()
    agent = AgentFactory(status=Agent.Status.AVAILABLE, voice_capacity=1)

    assert agent_slot_claim(agent_id=agent.pk, channel="voice", now=now)
    assert not agent_slot_claim(agent_id=agent.pk, channel="voice", now=now)  # full
    agent.refresh_from_db()
    assert agent.activity(now) == Activity.BUSY

    agent_slot_give_back(agent_id=agent.pk, channel="voice")
    agent_slot_give_back(agent_id=agent.pk, channel="voice")  # never below zero
    agent.refresh_from_db()
    assert (agent.voice_load, agent.activity(timezone.now())) == (0, Activity.IDLE)


def test_a_handled_contact_starts_wrap_up_and_ready_now_ends_it():
    agent = AgentFactory(status=Agent.Status.AVAILABLE, voice_load=1)

    agent_slot_give_back(agent_id=agent.pk, channel="voice", wrap_up_seconds=30, talk_seconds=95)

    agent.refresh_from_db()
    now = timezone.now()
    assert agent.activity(now) == Activity.WRAP_UP
    assert agent.talk_seconds_today == 95
    assert agent.wrap_up_until - now <= timedelta(seconds=30)

    agent_wrap_up_end(agent_id=agent.pk)

    agent.refresh_from_db()
    assert agent.activity(timezone.now()) == Activity.IDLE


def test_missed_offers_in_a_row_set_the_agent_away(settings):
    settings.ROUTING_MISSED_OFFERS_BEFORE_AWAY = 2
    agent = AgentFactory(status=Agent.Status.AVAILABLE, voice_load=2, voice_capacity=2)

    agent_slot_give_back(agent_id=agent.pk, channel="voice", missed=True)
    agent.refresh_from_db()
    assert agent.status == "available"
    agent_slot_give_back(agent_id=agent.pk, channel="voice", missed=True)

    agent.refresh_from_db()
    assert (agent.status, agent.away_reason, agent.missed_offers_in_a_row) == ("away", "missed", 2)
