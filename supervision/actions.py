"""A supervisor acts on agents and contacts from the live dashboard; each action audited.

- An agent set away (with one of the active agents.AwayReason codes) or offline (with a
  reason, kept in the presence history) (agents.presence allows the supervisor these
  moves from any state; a busy agent keeps the contact they hold).
- A waiting contact withdrawn from its queue, or moved to another queue with its place kept
  (routing.interventions).
"""

from django.db import transaction

from agents.models import Agent
from agents.presence import Actor
from routing.interventions import task_move_to_queue, task_withdraw
from routing.models import Task
from routing.presence import agent_presence_set
from supervision.audit import Person, action_record
from supervision.errors import SupervisionError
from supervision.models import SupervisorAction

SUPERVISOR_STATUSES = (Agent.Status.AWAY, Agent.Status.OFFLINE)
REASON_MAX_LENGTH = 40


def agent_set_presence(*, user: Person, agent_id: int, status: str, reason: str) -> Agent:
    """Set an agent away or offline, with the reason the supervisor gives."""
    reason = reason.strip()
    if status not in SUPERVISOR_STATUSES:
        raise SupervisionError("A supervisor may set an agent away or offline.")
    if not reason:
        raise SupervisionError("Give a reason.")
    if len(reason) > REASON_MAX_LENGTH:
        raise SupervisionError(f"The reason is longer than {REASON_MAX_LENGTH} characters.")
    agent = Agent.objects.filter(pk=agent_id).first()
    if agent is None:
        raise SupervisionError("No such agent.")
    with transaction.atomic():
        before = agent.status
        agent = agent_presence_set(
            agent=agent, status=status, reason=reason, actor=Actor.SUPERVISOR
        )
        action_record(
            user=user,
            kind=SupervisorAction.Kind.AGENT_PRESENCE,
            agent_id=agent.pk,
            detail={"from": before, "to": status, "reason": reason},
        )
    return agent


def contact_withdraw(*, user: Person, task_id: int) -> Task:
    with transaction.atomic():
        task = task_withdraw(task_id=task_id)
        action_record(
            user=user,
            kind=SupervisorAction.Kind.CONTACT_WITHDRAW,
            task_id=task.pk,
            detail={"queue": task.queue.name},
        )
    return task


def contact_move(*, user: Person, task_id: int, queue_id: int) -> Task:
    with transaction.atomic():
        moved = task_move_to_queue(task_id=task_id, queue_id=queue_id)
        action_record(
            user=user,
            kind=SupervisorAction.Kind.CONTACT_MOVE,
            task_id=moved.pk,
            detail={"from_task": task_id, "to_queue": moved.queue.name},
        )
    return moved
