"""Presence moves that free an agent for work: routing offers them what waits.

`agents.services` moves the agent (and checks who may); these wrap the moves after which
the engine must look for work for them.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.presence import Actor
from agents.services import (
    agent_set_status,
    agent_wrap_up_clear,
    agent_wrap_up_end,
    agents_wrap_up_ended,
)
from routing.engine import agent_route


def agent_presence_set(*, agent: Agent, status: str, reason: str = "", actor: Actor) -> Agent:
    """Set the presence an agent chose (or a supervisor chose for them); an agent who is
    now available is offered what waits for them, after commit."""
    with transaction.atomic():
        agent = agent_set_status(agent_id=agent.pk, status=status, reason=reason, actor=actor)
        if status == Agent.Status.AVAILABLE:
            transaction.on_commit(lambda: agent_route(agent_id=agent.pk))
    return agent


def agent_ready(*, agent: Agent) -> Agent:
    """The agent ends their wrap-up ("Ready now") and is offered what waits for them."""
    with transaction.atomic():
        agent_wrap_up_end(agent_id=agent.pk, actor=Actor.AGENT)
        transaction.on_commit(lambda: agent_route(agent_id=agent.pk))
    agent.refresh_from_db()
    return agent


def agents_wake(*, now: datetime | None = None) -> int:
    """Route work to agents whose wrap-up ended (the reaper). How many offers it made."""
    now = now or timezone.now()
    woken = 0
    for agent_id in agents_wrap_up_ended(now=now):
        agent_wrap_up_clear(agent_id=agent_id, now=now)
        woken += len(agent_route(agent_id=agent_id))
    return woken
