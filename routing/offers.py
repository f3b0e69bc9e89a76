"""An offer's answer: accepted, rejected, or timed out (the reaper), and what follows.

Offers are made by the routing decision (`routing.engine.offer_create`). Every answer
locks the task, then the offer (the order every path here follows), moves the offer
through `routing.states.offer_move` and the task through `task_move`, and gives the
agent's slot back through `agents.services` when the agent does not take the contact.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.services import agent_count_accepted, agent_slot_give_back
from callcentre.celery import enqueue
from routing.engine import agent_route, publish_offer_withdrawn, task_route
from routing.errors import RoutingError
from routing.models import Offer, Task
from routing.states import offer_move, task_move


def offer_lock(
    *, offer_id: int, agent: Agent | None = None, skip_locked: bool = False
) -> Offer | None:
    """Lock an offer and its task, task first: the order every waiting path here follows."""
    offers = Offer.objects.filter(pk=offer_id)
    if agent is not None:
        offers = offers.filter(agent=agent)
    task_id = offers.values_list("task_id", flat=True).first()
    if task_id is None:
        return None
    locked_task = (
        Task.objects.select_for_update(skip_locked=skip_locked)
        .filter(pk=task_id)
        .only("pk")
        .first()
    )
    if locked_task is None:
        return None
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("task", "task__queue")
        .get(pk=offer_id)
    )


def offer_for_agent_locked(*, offer_id: int, agent: Agent) -> Offer:
    offer = offer_lock(offer_id=offer_id, agent=agent)
    if offer is None:
        raise RoutingError("No such offer for this agent.")
    if offer.state != Offer.State.PENDING:
        raise RoutingError(f"This offer is already {offer.get_state_display().lower()}.")
    return offer


def offer_accept(*, offer_id: int, agent: Agent) -> Task:
    """The agent takes the contact; their phone is called into it after commit."""
    now = timezone.now()
    with transaction.atomic():
        offer = offer_for_agent_locked(offer_id=offer_id, agent=agent)
        if offer.expires_at <= now:
            raise RoutingError("This offer has expired.")
        task = offer.task
        if not task_move(
            task_id=task.pk,
            from_state=Task.State.OFFERED,
            to_state=Task.State.ASSIGNED,
            agent_id=agent.pk,
            assigned_at=now,
        ):
            raise RoutingError("This contact is no longer waiting.")
        offer_move(
            offer_id=offer.pk,
            from_state=Offer.State.PENDING,
            to_state=Offer.State.ACCEPTED,
            responded_at=now,
        )
        agent_count_accepted(agent_id=agent.pk)
        task.refresh_from_db()
        # Ringing the agent must not wait for (or fail with) the broker.
        transaction.on_commit(
            lambda: enqueue("routing.connect_agent", task.pk, run_here_if_broker_down=True)
        )
    return task


def offer_decline(*, offer: Offer, state: str, now: datetime) -> None:
    """Release an offer that was rejected or timed out, and route the task to someone else."""
    if not offer_move(
        offer_id=offer.pk, from_state=Offer.State.PENDING, to_state=state, responded_at=now
    ):
        return
    task_move(task_id=offer.task_id, from_state=Task.State.OFFERED, to_state=Task.State.QUEUED)
    agent_slot_give_back(
        agent_id=offer.agent_id,
        channel=offer.task.channel,
        missed=state == Offer.State.TIMED_OUT,
    )
    task_id, agent_id = offer.task_id, offer.agent_id
    transaction.on_commit(lambda: after_decline(task_id=task_id, agent_id=agent_id, offer=offer))


def after_decline(*, task_id: int, agent_id: int, offer: Offer) -> None:
    publish_offer_withdrawn(offer)
    task_route(task_id=task_id)
    agent_route(agent_id=agent_id)


def offer_reject(*, offer_id: int, agent: Agent) -> None:
    now = timezone.now()
    with transaction.atomic():
        offer = offer_for_agent_locked(offer_id=offer_id, agent=agent)
        offer_decline(offer=offer, state=Offer.State.REJECTED, now=now)


def offers_expire(*, now: datetime | None = None) -> int:
    """Time out every pending offer past its expiry (the reaper)."""
    now = now or timezone.now()
    expired = 0
    due = Offer.objects.filter(state=Offer.State.PENDING, expires_at__lte=now)
    for offer_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            offer = offer_lock(offer_id=offer_id, skip_locked=True)
            if offer is not None and offer.state == Offer.State.PENDING:
                offer_decline(offer=offer, state=Offer.State.TIMED_OUT, now=now)
                expired += 1
    return expired
