"""Routing writes: enqueue, match, offer, accept, reject, time out, complete, abandon.

Every function here assumes that it runs concurrently with itself in other
processes. Rows are claimed with conditional UPDATEs (0 rows = someone else
has it) and agent capacity is a counter moved with F() expressions, so no
agent is ever offered more than their capacity and no task is offered or
assigned twice. Side effects (websocket pushes, Vonage calls) are scheduled
with transaction.on_commit.
"""

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from agents.models import Agent
from callcentre.realtime import publish
from conversations.call_states import ENDING_STATUSES
from conversations.models import Channel, Conversation, Member
from routing import matching
from routing.models import Offer, Queue, QueueSkill, Skill, Task, TaskSkill, TaskSkillGroup

logger = logging.getLogger(__name__)

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    Task.State.QUEUED: frozenset(
        {
            Task.State.OFFERED,
            Task.State.ABANDONED,
            Task.State.OVERFLOWED,
            Task.State.CANCELLED,
            Task.State.TIMED_OUT,
        }
    ),
    Task.State.OFFERED: frozenset(
        {Task.State.QUEUED, Task.State.ASSIGNED, Task.State.ABANDONED, Task.State.CANCELLED}
    ),
    # Back to the queue when the agent's phone could not be reached; abandoned when the caller
    # hung up before the agent's leg joined.
    Task.State.ASSIGNED: frozenset({Task.State.COMPLETED, Task.State.QUEUED, Task.State.ABANDONED}),
}
OPEN_TASK_STATES = (Task.State.QUEUED, Task.State.OFFERED, Task.State.ASSIGNED)


class RoutingError(Exception):
    """A routing operation that cannot be done, with the reason for the person who asked."""


def agent_group(agent_id: int) -> str:
    return f"agent-{agent_id}"


# The live dashboards' group (reports.consumers): every supervisor's screen.
SUPERVISORS_GROUP = "supervisors"


def agent_changed_later(agent_id: int | None) -> None:
    """Tell the agent's desktop and the supervisors' boards, after commit, that the
    agent's presence or work moved.

    The screens then read their state again (agents.api.AgentMeApi, reports.api): the
    event says that something changed, the API says what is true now.
    """
    if agent_id is None:
        return
    transaction.on_commit(
        lambda: publish(agent_group(agent_id), "agent.changed", {"agent_id": agent_id})
    )
    board_changed_later()


def board_changed_later() -> None:
    """Tell the supervisors' boards, after commit, that a queue or an agent moved."""
    transaction.on_commit(lambda: publish(SUPERVISORS_GROUP, "board.changed", {}, coalesce=True))


def task_move(*, task_id: int, from_state: str, to_state: str, **changes: object) -> bool:
    """The one guarded setter of a task's state: a claim that fails when the task moved on."""
    if to_state not in TASK_TRANSITIONS.get(from_state, frozenset()):
        raise RoutingError(f"A task cannot go from {from_state} to {to_state}.")
    moved = Task.objects.filter(pk=task_id, state=from_state).update(state=to_state, **changes)
    if moved:
        board_changed_later()
    return bool(moved)


def load_field(channel: str) -> str:
    return "voice_load" if matching.channel_kind(channel) == "voice" else "chat_load"


def decline_cutoff(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.ROUTING_REOFFER_COOLDOWN_SECONDS)


# Enqueue


def task_skill_group_add(*, task: Task, queue: Queue, extra_skill: Skill | None = None) -> None:
    group = TaskSkillGroup.objects.create(task=task, source_queue=queue)
    skills = [
        TaskSkill(
            group=group, skill_id=requirement.skill_id, min_proficiency=requirement.min_proficiency
        )
        for requirement in QueueSkill.objects.filter(queue=queue)
    ]
    if extra_skill is not None and extra_skill.pk not in {skill.skill_id for skill in skills}:
        skills.append(TaskSkill(group=group, skill=extra_skill, min_proficiency=1))
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
) -> Task:
    """Create a queued Task for the conversation in the queue; matching runs after commit."""
    with transaction.atomic():
        task = Task.objects.create(
            conversation=conversation,
            queue=queue,
            channel=conversation.channel,
            priority=queue.priority + priority_boost,
            attributes=attributes or {},
            is_callback=is_callback,
            callback_number=callback_number,
            queued_at=timezone.now(),
        )
        task_skill_group_add(task=task, queue=queue, extra_skill=extra_skill)
        board_changed_later()
        transaction.on_commit(lambda: task_route(task_id=task.pk))
    return task


# Matching


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
    offers = []
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


def free_channel_kinds(agent: Agent) -> frozenset[str]:
    kinds = set()
    if agent.voice_load < agent.voice_capacity and (agent.mixes_channels or agent.chat_load == 0):
        kinds.add("voice")
    if agent.chat_load < agent.chat_capacity and (agent.mixes_channels or agent.voice_load == 0):
        kinds.add("chat")
    return frozenset(kinds)


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


# Offers answered


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
        Offer.objects.filter(pk=offer.pk).update(state=Offer.State.ACCEPTED, responded_at=now)
        today = timezone.localdate(now)
        Agent.objects.filter(pk=agent.pk, counters_date=today).update(
            contacts_today=F("contacts_today") + 1, missed_offers_in_a_row=0
        )
        Agent.objects.filter(pk=agent.pk).exclude(counters_date=today).update(
            counters_date=today, contacts_today=1, talk_seconds_today=0, missed_offers_in_a_row=0
        )
        task.refresh_from_db()
        agent_changed_later(agent.pk)
        transaction.on_commit(lambda: task_connect_agent_later(task_id=task.pk))
    return task


def task_connect_agent_later(*, task_id: int) -> None:
    from routing.tasks import connect_agent  # the Celery task calls back into routing.voice

    connect_agent.delay(task_id)


def offer_decline(*, offer: Offer, state: str, now: datetime) -> None:
    """Release an offer that was rejected or timed out, and route the task to someone else."""
    if not Offer.objects.filter(pk=offer.pk, state=Offer.State.PENDING).update(
        state=state, responded_at=now
    ):
        return
    field = load_field(offer.task.channel)
    Agent.objects.filter(pk=offer.agent_id).update(**{field: F(field) - 1})
    task_move(task_id=offer.task_id, from_state=Task.State.OFFERED, to_state=Task.State.QUEUED)
    if state == Offer.State.TIMED_OUT:
        Agent.objects.filter(pk=offer.agent_id).update(
            missed_offers_in_a_row=F("missed_offers_in_a_row") + 1
        )
        Agent.objects.filter(
            pk=offer.agent_id,
            status=Agent.Status.AVAILABLE,
            missed_offers_in_a_row__gte=settings.ROUTING_MISSED_OFFERS_BEFORE_AWAY,
        ).update(status=Agent.Status.AWAY, away_reason="missed", status_changed_at=now)
    agent_changed_later(offer.agent_id)
    task_id, agent_id = offer.task_id, offer.agent_id
    transaction.on_commit(lambda: after_decline(task_id=task_id, agent_id=agent_id, offer=offer))


def publish_offer_withdrawn(offer: Offer) -> None:
    publish(agent_group(offer.agent_id), "offer.withdrawn", {"offer_id": offer.pk})


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


# The end of a task


def task_finish(*, task: Task, now: datetime, talk_seconds: int = 0) -> None:
    """Complete an assigned task: the agent goes to wrap-up, then becomes idle."""
    if not task_move(
        task_id=task.pk,
        from_state=Task.State.ASSIGNED,
        to_state=Task.State.COMPLETED,
        completed_at=now,
    ):
        return
    field = load_field(task.channel)
    wrap_up_until = now + timedelta(seconds=task.queue.wrap_up_seconds)
    Agent.objects.filter(pk=task.agent_id).update(
        **{field: F(field) - 1},
        wrap_up_until=wrap_up_until,
        idle_since=wrap_up_until,
        talk_seconds_today=F("talk_seconds_today") + talk_seconds,
    )
    agent_changed_later(task.agent_id)


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
        if task is None:
            return
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
        Offer.objects.filter(task=task, agent_id=task.agent_id, state=Offer.State.ACCEPTED).update(
            state=Offer.State.TIMED_OUT, responded_at=now
        )
        field = load_field(task.channel)
        Agent.objects.filter(pk=task.agent_id).update(
            **{field: F(field) - 1}, missed_offers_in_a_row=F("missed_offers_in_a_row") + 1
        )
        agent_changed_later(task.agent_id)
        transaction.on_commit(lambda: task_route(task_id=task_id))


def task_abandon(*, task: Task, now: datetime) -> None:
    """The customer left before an agent took the contact."""
    if task.state == Task.State.OFFERED:
        for offer in Offer.objects.filter(task=task, state=Offer.State.PENDING):
            if Offer.objects.filter(pk=offer.pk, state=Offer.State.PENDING).update(
                state=Offer.State.CANCELLED, responded_at=now
            ):
                field = load_field(task.channel)
                Agent.objects.filter(pk=offer.agent_id).update(**{field: F(field) - 1})
                transaction.on_commit(lambda offer=offer: publish_offer_withdrawn(offer))
                transaction.on_commit(
                    lambda agent_id=offer.agent_id: agent_route(agent_id=agent_id)
                )
    task_move(task_id=task.pk, from_state=task.state, to_state=Task.State.ABANDONED, ended_at=now)


def agent_leg_joined(*, task: Task) -> bool:
    """Whether a leg placed to the assigned agent was answered into the customer's call."""
    return Member.objects.filter(
        conversation_id=task.conversation_id,
        kind=Member.Kind.AGENT,
        agent_id=task.agent_id,
        joined_at__isnull=False,
        joined_at__gte=task.assigned_at,
    ).exists()


def task_abandon_while_connecting(*, task: Task, now: datetime) -> None:
    """The customer hung up after the agent accepted, before the agent's leg joined: an
    abandoned call, not a handled one. The agent is free again at once (no wrap-up, their
    idle time kept, not a missed offer) and their ringing leg is hung up."""
    if not task_move(
        task_id=task.pk, from_state=Task.State.ASSIGNED, to_state=Task.State.ABANDONED, ended_at=now
    ):
        return
    field = load_field(task.channel)
    Agent.objects.filter(pk=task.agent_id).update(**{field: F(field) - 1})
    agent_changed_later(task.agent_id)
    conversation_id, agent_id = task.conversation_id, task.agent_id
    transaction.on_commit(lambda: agent_legs_hang_up_later(conversation_id, agent_id))
    transaction.on_commit(lambda: agent_route(agent_id=agent_id))


def agent_legs_hang_up_later(conversation_id: int, agent_id: int) -> None:
    from routing.tasks import hang_up_agent_legs  # the Celery task calls back into routing.voice

    hang_up_agent_legs.delay(conversation_id, agent_id)


def leg_ended(*, member: Member) -> None:
    """A voice leg ended: settle the tasks that depended on it.

    The customer leaving abandons what was waiting (except callbacks, which
    wait without them) and completes what an agent had; a caller who hangs up
    after the agent accepted but before the agent's leg joined abandoned too.
    An agent's leg that ended without ever being answered gives the task back
    to the queue, or, when the caller has left meanwhile, abandons it.

    Vonage does not order the events of different legs: the agent leg's
    `answered` can arrive after the caller's `completed`. So while a leg placed
    to the agent is still up when the caller leaves, the task stays assigned
    and that leg is hung up; its own end decides (joined: completed, not: abandoned).
    """
    tasks = Task.objects.filter(conversation_id=member.conversation_id, state__in=OPEN_TASK_STATES)
    if member.kind == Member.Kind.AGENT:
        tasks = tasks.filter(agent_id=member.agent_id, state=Task.State.ASSIGNED)
    # Most legs leave nothing to settle (the call ended in the IVR, or the other party's leg
    # settled it): one plain read, and no transaction, for those.
    if not tasks.exists():
        return
    now = member.left_at or timezone.now()
    with transaction.atomic():
        locked = (
            tasks.select_for_update(of=("self",))
            .select_related("queue", "conversation")
            .order_by("pk")
        )
        for task in locked:
            task_settle_for_leg(task=task, member=member, now=now)


def task_settle_for_leg(*, task: Task, member: Member, now: datetime) -> None:
    """leg_ended's decision for one open task of the call (row-locked by the caller)."""
    caller_left_at = None
    if not task.is_callback and task.conversation.state == Conversation.State.ENDED:
        caller_left_at = task.conversation.ended_at or now
    if member.kind == Member.Kind.AGENT:
        joined_in_time = member.joined_at is not None and (
            caller_left_at is None or member.joined_at <= caller_left_at
        )
        if caller_left_at is not None and not joined_in_time:
            task_abandon_while_connecting(task=task, now=caller_left_at)
            return
        if member.joined_at is None:
            task_return_to_queue(task_id=task.pk, reason="agent did not answer")
            return
    if (
        task.state == Task.State.ASSIGNED
        and not task.is_callback
        and not agent_leg_joined(task=task)
    ):
        if member.kind == Member.Kind.CUSTOMER and agent_leg_up(task=task):
            # Its `answered` may still be on its way: the leg's own end decides.
            conversation_id, agent_id = task.conversation_id, task.agent_id
            transaction.on_commit(lambda: agent_legs_hang_up_later(conversation_id, agent_id))
        else:
            task_abandon_while_connecting(task=task, now=now)
        return
    if task.state == Task.State.ASSIGNED:
        started = member.joined_at or task.assigned_at or now
        finished = min(now, caller_left_at) if caller_left_at else now
        task_finish(
            task=task,
            now=finished,
            talk_seconds=max(int((finished - started).total_seconds()), 0),
        )
        # Without wrap-up the agent is free now: waiting callers need not wait for beat.
        transaction.on_commit(lambda agent_id=task.agent_id: agent_route(agent_id=agent_id))
    elif not task.is_callback:
        task_abandon(task=task, now=now)


def agent_leg_up(*, task: Task) -> bool:
    """Whether a leg placed to the assigned agent since the assignment has not ended yet."""
    return (
        Member.objects.filter(
            conversation_id=task.conversation_id,
            kind=Member.Kind.AGENT,
            agent_id=task.agent_id,
            left_at__isnull=True,
        )
        .exclude(call_status__in=ENDING_STATUSES)
        .exists()
    )


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


# The reaper: whatever a lost event, a crashed worker or a dead phone left behind.

# Vonage rings a leg for 60 s by default (ringing_timer): an assigned task whose agent leg
# has not been answered this long after the offer was accepted goes back to the queue.
AGENT_CONNECT_SECONDS = 90


@dataclass(frozen=True, kw_only=True)
class ReapReport:
    offers_expired: int = 0
    tasks_abandoned: int = 0
    tasks_completed: int = 0
    tasks_returned: int = 0
    agents_woken: int = 0

    def __bool__(self) -> bool:
        return any(dataclasses.astuple(self))


def routing_reap(*, now: datetime | None = None) -> ReapReport:
    """Settle everything left stuck. Safe to run at any time, often, in several processes."""
    now = now or timezone.now()
    offers_expired = offers_expire(now=now)
    settled = [
        task_settle_if_stuck(task_id=task_id, now=now) for task_id in stuck_task_ids(now=now)
    ]
    return ReapReport(
        offers_expired=offers_expired,
        tasks_abandoned=settled.count(Task.State.ABANDONED),
        tasks_completed=settled.count(Task.State.COMPLETED),
        tasks_returned=settled.count(Task.State.QUEUED),
        # Last: agents whose wrap-up ended, including those the reaper just released.
        agents_woken=agents_wake(now=now),
    )


def agent_legs_of_assignment() -> QuerySet[Member]:
    """The legs placed to the assigned agent since the assignment (inside Exists)."""
    return Member.objects.filter(
        Q(left_at__isnull=True) | Q(left_at__gte=OuterRef("assigned_at")),
        conversation_id=OuterRef("conversation_id"),
        kind=Member.Kind.AGENT,
        agent_id=OuterRef("agent_id"),
    )


def stuck_task_ids(*, now: datetime) -> list[int]:
    """Open voice tasks that may be stuck: their call ended, their agent's leg ended, or
    their agent's leg has not connected in time. task_settle_if_stuck decides."""
    connect_cutoff = now - timedelta(seconds=AGENT_CONNECT_SECONDS)
    waiting_for_a_gone_caller = Q(
        state__in=(Task.State.QUEUED, Task.State.OFFERED),
        is_callback=False,
        conversation__state=Conversation.State.ENDED,
    )
    assigned = Q(state=Task.State.ASSIGNED)
    call_over = assigned & Q(is_callback=False, conversation__state=Conversation.State.ENDED)
    agent_leg_over = assigned & Exists(
        agent_legs_of_assignment().filter(call_status__in=ENDING_STATUSES)
    )
    never_connected = (
        assigned
        & Q(assigned_at__lte=connect_cutoff)
        & ~Exists(agent_legs_of_assignment().filter(joined_at__isnull=False))
    )
    return list(
        Task.objects.filter(channel=Channel.VOICE)
        .filter(waiting_for_a_gone_caller | call_over | agent_leg_over | never_connected)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def task_settle_if_stuck(*, task_id: int, now: datetime) -> str | None:
    """Settle one task as leg_ended would have: its new state, or None if nothing was due.

    The task is row-locked (skipped when another process holds it: that one is settling it)
    and every move is a guarded claim, so a late event and the reaper settle it once.
    """
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("queue", "conversation")
            .filter(pk=task_id, state__in=OPEN_TASK_STATES)
            .first()
        )
        if task is None:
            return None
        conversation = task.conversation
        # A callback waits without the caller on the line: their leg ending changes nothing.
        caller_gone = not task.is_callback and conversation.state == Conversation.State.ENDED
        caller_left_at = conversation.ended_at or now
        if task.state != Task.State.ASSIGNED:
            if not caller_gone:
                return None
            task_abandon(task=task, now=caller_left_at)
            return Task.State.ABANDONED
        legs = [
            leg
            for leg in Member.objects.filter(
                conversation_id=task.conversation_id,
                kind=Member.Kind.AGENT,
                agent_id=task.agent_id,
            ).order_by("pk")
            # Legs of an earlier assignment of this task to this agent ended before it.
            if leg.left_at is None or leg.left_at >= task.assigned_at
        ]
        joined = [leg for leg in legs if leg.joined_at is not None]
        live = [leg for leg in legs if leg.call_status not in ENDING_STATUSES]
        if caller_gone and not joined:
            if live and caller_left_at > now - timedelta(seconds=AGENT_CONNECT_SECONDS):
                return None  # the live leg's end decides, as in leg_ended
            task_abandon_while_connecting(task=task, now=caller_left_at)
            return Task.State.ABANDONED
        if caller_gone or (joined and not live):
            started = joined[0].joined_at if joined else task.assigned_at
            finished = caller_left_at if caller_gone else max(leg.left_at for leg in joined)
            task_finish(
                task=task,
                now=finished,
                talk_seconds=max(int((finished - started).total_seconds()), 0),
            )
            return Task.State.COMPLETED
        every_leg_failed = bool(legs) and not live
        too_late = task.assigned_at <= now - timedelta(seconds=AGENT_CONNECT_SECONDS)
        if not joined and (every_leg_failed or too_late):
            task_return_to_queue(task_id=task.pk, reason="agent never connected")
            return Task.State.QUEUED
        return None


# Agents


def agent_set_status(*, agent: Agent, status: str, reason: str = "") -> Agent:
    if status not in Agent.Status.values:
        raise RoutingError(
            f"Unknown status {status!r}; use one of {', '.join(Agent.Status.values)}."
        )
    now = timezone.now()
    with transaction.atomic():
        current = Agent.objects.select_for_update().get(pk=agent.pk)
        changes = {
            "status": status,
            "away_reason": reason if status == Agent.Status.AWAY else "",
            "status_changed_at": now,
        }
        if status == Agent.Status.AVAILABLE:
            changes["missed_offers_in_a_row"] = 0
            if current.status != Agent.Status.AVAILABLE:
                changes["idle_since"] = now  # a new idle period starts now
        Agent.objects.filter(pk=agent.pk).update(**changes)
        agent_changed_later(agent.pk)
        if status == Agent.Status.AVAILABLE:
            transaction.on_commit(lambda: agent_route(agent_id=agent.pk))
    agent.refresh_from_db()
    return agent


def agent_end_wrap_up(*, agent: Agent) -> Agent:
    now = timezone.now()
    with transaction.atomic():
        if Agent.objects.filter(pk=agent.pk, wrap_up_until__gt=now).update(
            wrap_up_until=now, idle_since=now
        ):
            agent_changed_later(agent.pk)
        transaction.on_commit(lambda: agent_route(agent_id=agent.pk))
    agent.refresh_from_db()
    return agent


def agents_wake(*, now: datetime | None = None) -> int:
    """Route work to agents whose wrap-up just ended (the reaper)."""
    now = now or timezone.now()
    woken = 0
    candidates = Agent.objects.filter(
        status=Agent.Status.AVAILABLE, wrap_up_until__isnull=False, wrap_up_until__lte=now
    ).values_list("pk", flat=True)
    for agent_id in candidates:
        Agent.objects.filter(pk=agent_id, wrap_up_until__lte=now).update(wrap_up_until=None)
        agent_changed_later(agent_id)
        woken += len(agent_route(agent_id=agent_id))
    return woken
