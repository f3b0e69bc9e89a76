"""A task's life outside the routing decision: enqueued, finished, returned to the queue,
abandoned, kept waiting for a callback.

Each move goes through `routing.states.task_move` (and offers through `offer_move`); agents'
slots go back through `agents.services.agent_slot_give_back`. What a move sets in motion
(routing the task or the freed agent, hanging up a ringing leg) runs after commit.
"""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.services import agent_slot_give_back
from callcentre.celery import enqueue
from callcentre.realtime import board_changed_later
from conversations.models import Conversation
from routing.engine import agent_route, publish_offer_withdrawn, task_route
from routing.errors import RoutingError
from routing.models import Offer, Queue, QueueSkill, Skill, Task, TaskSkill, TaskSkillGroup
from routing.states import offer_move, task_move


def task_skill_group_add(
    *,
    task: Task,
    queue: Queue,
    extra_skill: Skill | None = None,
    extra_skill_min_proficiency: int = 1,
) -> None:
    """The task may also be served with the queue's skills (one more group of them)."""
    group = TaskSkillGroup.objects.create(task=task, source_queue=queue)
    skills = [
        TaskSkill(
            group=group, skill_id=requirement.skill_id, min_proficiency=requirement.min_proficiency
        )
        for requirement in QueueSkill.objects.filter(queue=queue)
    ]
    if extra_skill is not None:
        # A skill the queue requires already is required at the higher of the two levels.
        same = [skill for skill in skills if skill.skill_id == extra_skill.pk]
        if same:
            same[0].min_proficiency = max(same[0].min_proficiency, extra_skill_min_proficiency)
        else:
            skills.append(
                TaskSkill(
                    group=group, skill=extra_skill, min_proficiency=extra_skill_min_proficiency
                )
            )
    TaskSkill.objects.bulk_create(skills)


def task_enqueue(
    *,
    conversation: Conversation,
    queue: Queue,
    priority_boost: int = 0,
    extra_skill: Skill | None = None,
    attributes: dict | None = None,
    is_callback: bool = False,
    callback_number: str = "",
    queued_at: datetime | None = None,
    extra_skill_min_proficiency: int = 1,
) -> Task:
    """Create a queued Task for the conversation in the queue; matching runs after commit.
    `queued_at` keeps an earlier place in the FIFO order (a contact moved between queues)."""
    with transaction.atomic():
        task = Task.objects.create(
            conversation=conversation,
            queue=queue,
            channel=conversation.channel,
            priority=queue.priority + priority_boost,
            attributes=attributes or {},
            is_callback=is_callback,
            callback_number=callback_number,
            queued_at=queued_at or timezone.now(),
        )
        task_skill_group_add(
            task=task,
            queue=queue,
            extra_skill=extra_skill,
            extra_skill_min_proficiency=extra_skill_min_proficiency,
        )
        board_changed_later()
        transaction.on_commit(lambda: task_route(task_id=task.pk))
    return task


def task_finish(*, task: Task, now: datetime, talk_seconds: int = 0) -> None:
    """Complete an assigned task: the agent's slot goes back and their wrap-up starts.
    The caller routes the agent when it should (the reaper wakes them later instead)."""
    if not task_move(
        task_id=task.pk,
        from_state=Task.State.ASSIGNED,
        to_state=Task.State.COMPLETED,
        completed_at=now,
    ):
        return
    agent_slot_give_back(
        agent_id=task.agent_id,
        channel=task.channel,
        wrap_up_seconds=task.queue.wrap_up_seconds,
        finished_at=now,
        talk_seconds=talk_seconds,
    )


def task_complete(*, task_id: int, agent: Agent) -> None:
    """The agent closes a contact they were assigned (a chat; calls end with their leg)."""
    now = timezone.now()
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("queue")
            .filter(pk=task_id, agent=agent)
            .first()
        )
        if task is None:
            raise RoutingError("No such task for this agent.")
        if task.state != Task.State.ASSIGNED:
            raise RoutingError(f"This task is {task.get_state_display().lower()}, not assigned.")
        talk_seconds = int((now - task.assigned_at).total_seconds()) if task.assigned_at else 0
        task_finish(task=task, now=now, talk_seconds=max(talk_seconds, 0))
        transaction.on_commit(lambda: agent_route(agent_id=agent.pk))


def task_return_to_queue(*, task_id: int, reason: str) -> None:
    """The assigned agent could not be connected: release them and route the task again."""
    with transaction.atomic():
        task = (
            Task.objects.select_for_update().filter(pk=task_id, state=Task.State.ASSIGNED).first()
        )
        if task is None or task.agent_id is None:
            return
        agent_id = task.agent_id
        task_move(
            task_id=task.pk,
            from_state=Task.State.ASSIGNED,
            to_state=Task.State.QUEUED,
            agent=None,
            assigned_at=None,
            attributes={**task.attributes, "returned": reason},
        )
        # The agent's phone did not take it: a missed offer, not offered to them again for now.
        now = timezone.now()
        accepted = Offer.objects.filter(task=task, agent_id=agent_id, state=Offer.State.ACCEPTED)
        for offer_id in accepted.values_list("pk", flat=True):
            offer_move(
                offer_id=offer_id,
                from_state=Offer.State.ACCEPTED,
                to_state=Offer.State.TIMED_OUT,
                responded_at=now,
            )
        agent_slot_give_back(agent_id=agent_id, channel=task.channel, missed=True)
        transaction.on_commit(lambda: task_route(task_id=task_id))


def task_abandon(*, task: Task, now: datetime) -> None:
    """The customer left before an agent took the contact: its pending offer is withdrawn."""
    task_offers_cancel(task=task, now=now)
    task_move(task_id=task.pk, from_state=task.state, to_state=Task.State.ABANDONED, ended_at=now)


def task_offers_cancel(*, task: Task, now: datetime) -> None:
    """Withdraw an offered task's pending offer: the agent's slot goes back, they are routed."""
    if task.state == Task.State.OFFERED:
        for offer in Offer.objects.filter(task=task, state=Offer.State.PENDING):
            if offer_move(
                offer_id=offer.pk,
                from_state=Offer.State.PENDING,
                to_state=Offer.State.CANCELLED,
                responded_at=now,
            ):
                transaction.on_commit(partial(publish_offer_withdrawn, offer))
                agent_slot_give_back(agent_id=offer.agent_id, channel=task.channel)
                transaction.on_commit(partial(agent_route, agent_id=offer.agent_id))


def task_abandon_while_connecting(*, task: Task, now: datetime) -> None:
    """The customer hung up after the agent accepted, before the agent's leg joined: an
    abandoned call, not a handled one. The agent is free again at once (no wrap-up, their
    idle time kept, not a missed offer) and their ringing leg is hung up."""
    if not task_move(
        task_id=task.pk, from_state=Task.State.ASSIGNED, to_state=Task.State.ABANDONED, ended_at=now
    ):
        return
    agent_slot_give_back(agent_id=task.agent_id, channel=task.channel)
    agent_legs_hang_up_later(conversation_id=task.conversation_id, agent_id=task.agent_id)
    if task.agent_id is not None:
        transaction.on_commit(partial(agent_route, agent_id=task.agent_id))


def agent_legs_hang_up_later(*, conversation_id: int, agent_id: int | None) -> None:
    """After commit, hang up the agent's legs into this call that are still up."""
    if agent_id is None:
        return
    transaction.on_commit(lambda: enqueue("routing.hang_up_agent_legs", conversation_id, agent_id))


def task_keep_place_for_callback(*, task_id: int, callback_number: str) -> bool:
    """A caller on hold asked to be called back: the task keeps its place (priority and
    queued_at) and no longer needs them on the line. False when it is no longer waiting
    (an offer is out, or it ended): the caller then stays."""
    if not callback_number:
        raise RoutingError("A callback needs a number to call.")
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(of=("self",))
            .filter(pk=task_id, state=Task.State.QUEUED, is_callback=False)
            .first()
        )
        if task is None:
            return False
        Task.objects.filter(pk=task.pk).update(
            is_callback=True,
            callback_number=callback_number,
            attributes={**task.attributes, "callback_while_waiting": True},
        )
    return True
