"""The routing decision: offer a waiting task to the best free agent, or fill a free
agent's capacity with the most urgent tasks they may take.

Every function here runs concurrently with itself in other processes: the picks skip rows
other matchers hold, and `routing.matching.offer_claim` claims the agent's slot and the
task with conditional UPDATEs, so no agent is offered more than their capacity and no task
is offered twice. The offer reaches the agent's desktop after commit.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agents.models import Agent
from agents.services import free_channel_kinds
from callcentre.realtime import agent_group, publish
from routing import matching
from routing.models import Offer, Task


def decline_cutoff(now: datetime) -> datetime:
    """An agent who turned a task down after this is not offered it again yet."""
    return now - timedelta(seconds=settings.ROUTING_REOFFER_COOLDOWN_SECONDS)


def task_route(*, task_id: int) -> Offer | None:
    """Offer a waiting task to the best eligible agent, if there is one free."""
    now = timezone.now()
    with transaction.atomic():
        task = matching.task_lock_for_routing(task_id=task_id)
        if task is None:
            return None  # gone, already offered, or another matcher holds it
        for _attempt in range(3):
            agent_id = matching.pick_agent_for_task(
                task=task,
                strategy=task.queue.strategy,
                now=now,
                today=timezone.localdate(now),
                decline_cutoff=decline_cutoff(now),
            )
            if agent_id is None:
                return None
            offer = offer_create(task=task, agent_id=agent_id, now=now)
            if offer is not None:
                return offer
    return None


def agent_route(*, agent_id: int) -> list[Offer]:
    """Fill the agent's free capacity with the most urgent tasks they may take."""
    offers: list[Offer] = []
    while True:
        now = timezone.now()
        with transaction.atomic():
            agent = (
                Agent.objects.select_for_update(skip_locked=True)
                .filter(pk=agent_id, status=Agent.Status.AVAILABLE)
                .filter(Q(wrap_up_until__isnull=True) | Q(wrap_up_until__lte=now))
                .first()
            )
            if agent is None:
                return offers
            kinds = free_channel_kinds(agent)
            if not kinds:
                return offers
            task_id = matching.pick_task_for_agent(
                agent_id=agent.pk, kinds=kinds, decline_cutoff=decline_cutoff(now)
            )
            if task_id is None:
                return offers
            task = matching.task_lock_for_routing(task_id=task_id)  # locked by the pick already
            if task is None:
                return offers
            offer = offer_create(task=task, agent_id=agent.pk, now=now)
            if offer is None:
                return offers
            offers.append(offer)


def offer_create(*, task: Task, agent_id: int, now: datetime) -> Offer | None:
    """Claim the agent's capacity and the task, then record the offer. None if either moved."""
    expires_at = now + timedelta(seconds=task.queue.offer_timeout_seconds)
    offer_id = matching.offer_claim(
        task_id=task.pk, agent_id=agent_id, channel=task.channel, now=now, expires_at=expires_at
    )
    if offer_id is None:
        return None
    task.state, task.offered_at = Task.State.OFFERED, now
    offer = Offer(
        pk=offer_id,
        task=task,
        agent_id=agent_id,
        state=Offer.State.PENDING,
        created_at=now,
        expires_at=expires_at,
    )
    transaction.on_commit(lambda: publish_offer(offer))
    return offer


def publish_offer(offer: Offer) -> None:
    task = offer.task
    publish(
        agent_group(offer.agent_id),
        "offer.created",
        {
            "offer_id": offer.pk,
            "task_id": task.pk,
            "queue": task.queue.name,
            "channel": task.channel,
            "expires_at": offer.expires_at.isoformat(),
            "conversation_id": task.conversation_id,
        },
    )


def publish_offer_withdrawn(offer: Offer) -> None:
    publish(agent_group(offer.agent_id), "offer.withdrawn", {"offer_id": offer.pk})
