"""Settling a call's open tasks when a leg ends, or when the reaper finds one stuck.

Both paths read the same facts (the task, when the caller left, the legs placed to the
assigned agent since the assignment) and ask one pure function, `settlement_decide`, what
is due; `settlement_apply` then does it through `routing.queueing`. So the rules (and the
talk time formula) are written once.

Vonage does not order the events of different legs: the agent leg's `answered` can arrive
after the caller's `completed`. So while a leg placed to the agent is still up when the
caller leaves, the task stays assigned and that leg is hung up; its own end decides
(joined: completed, not: abandoned). The reaper gives such a leg AGENT_CONNECT_SECONDS.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from conversations.call_states import ENDING_STATUSES
from conversations.models import Channel, Conversation, Member
from routing.engine import agent_route
from routing.models import Task
from routing.parties import is_party_task, party_task_cancel
from routing.queueing import (
    agent_legs_hang_up_later,
    task_abandon,
    task_abandon_while_connecting,
    task_finish,
    task_return_to_queue,
)
from routing.states import OPEN_TASK_STATES

# Vonage rings a leg for 60 s by default (ringing_timer): an assigned task whose agent leg
# has not been answered this long after the offer was accepted goes back to the queue.
AGENT_CONNECT_SECONDS = 90


class Outcome(StrEnum):
    NOTHING = "nothing"  # nothing is due yet
    ABANDON = "abandon"  # the caller left while the task waited
    ABANDON_CONNECTING = "abandon_connecting"  # the caller left before the agent joined
    HANG_UP_AGENT = "hang_up_agent"  # the caller left; the agent's ringing leg must go
    COMPLETE = "complete"  # the agent talked to the caller, and one of them left
    RETURN = "return"  # the agent's phone never connected: the task waits again


@dataclass(frozen=True, kw_only=True)
class Leg:
    """A leg placed to the assigned agent, as settlement sees it."""

    joined_at: datetime | None
    left_at: datetime | None
    is_live: bool  # not ended yet

    @classmethod
    def of(cls, member: Member) -> "Leg":
        return cls(
            joined_at=member.joined_at,
            left_at=member.left_at,
            is_live=member.call_status not in ENDING_STATUSES,
        )


@dataclass(frozen=True, kw_only=True)
class Settlement:
    outcome: Outcome
    at: datetime | None = None  # when it happened (the task's end, or its completion)
    talk_seconds: int = 0
    reason: str = ""
    # Completed because the caller left, with the agent's leg still up: Vonage ends it
    # (endOnExit) and routing.voice follows up; the reaper hangs up what outlived both.
    agent_legs_outlived_the_caller: bool = False


def settlement_decide(
    *,
    state: str,
    assigned_at: datetime | None,
    caller_left_at: datetime | None,
    agent_legs: Sequence[Leg],
    now: datetime,
) -> Settlement:
    """What is due for one open task.

    `caller_left_at`: when the customer left the call the task is for (None while they are
    on it; a callback waits without them). `agent_legs`: the legs placed to the assigned
    agent since the assignment.
    """
    if state != Task.State.ASSIGNED:
        if caller_left_at is None:
            return Settlement(outcome=Outcome.NOTHING)
        return Settlement(outcome=Outcome.ABANDON, at=caller_left_at)
    joined = [
        leg
        for leg in agent_legs
        if leg.joined_at is not None and (caller_left_at is None or leg.joined_at <= caller_left_at)
    ]
    live = [leg for leg in agent_legs if leg.is_live]
    if caller_left_at is not None and not joined:
        if live and caller_left_at > now - timedelta(seconds=AGENT_CONNECT_SECONDS):
            return Settlement(outcome=Outcome.HANG_UP_AGENT)
        return Settlement(outcome=Outcome.ABANDON_CONNECTING, at=caller_left_at)
    if joined and (caller_left_at is not None or not live):
        # Talk time: from the agent's leg joining until the caller or the agent left.
        started = min(leg.joined_at for leg in joined if leg.joined_at is not None)
        finished = caller_left_at or max(leg.left_at or now for leg in joined)
        talk_seconds = max(int((finished - started).total_seconds()), 0)
        return Settlement(
            outcome=Outcome.COMPLETE,
            at=finished,
            talk_seconds=talk_seconds,
            agent_legs_outlived_the_caller=caller_left_at is not None and bool(live),
        )
    every_leg_failed = bool(agent_legs) and not live
    too_late = assigned_at is None or assigned_at <= now - timedelta(seconds=AGENT_CONNECT_SECONDS)
    if not joined and every_leg_failed:
        return Settlement(outcome=Outcome.RETURN, reason="agent did not answer")
    if not joined and too_late:
        return Settlement(outcome=Outcome.RETURN, reason="agent never connected")
    return Settlement(outcome=Outcome.NOTHING)


def settlement_apply(*, task: Task, settlement: Settlement) -> None:
    """Do what `settlement_decide` said, for a task row-locked by the caller."""
    at = settlement.at or timezone.now()
    match settlement.outcome:
        case Outcome.ABANDON:
            task_abandon(task=task, now=at)
        case Outcome.ABANDON_CONNECTING:
            task_abandon_while_connecting(task=task, now=at)
        case Outcome.HANG_UP_AGENT:
            agent_legs_hang_up_later(conversation_id=task.conversation_id, agent_id=task.agent_id)
        case Outcome.COMPLETE:
            task_finish(task=task, now=at, talk_seconds=settlement.talk_seconds)
        case Outcome.RETURN if task.attributes.get("outbound"):
            # The agent's own click-to-call (routing.outbound): never back to a queue.
            task_abandon_while_connecting(task=task, now=at)
        case Outcome.RETURN if is_party_task(task):
            party_task_cancel(task=task)  # a consult's phone never answered
        case Outcome.RETURN:
            task_return_to_queue(task_id=task.pk, reason=settlement.reason)


def agent_legs_of(task: Task, ended_leg: Member | None = None) -> list[Leg]:
    """The legs placed to the assigned agent since the assignment (earlier assignments'
    legs of this task to this agent ended before it); `ended_leg` as its event left it."""
    if task.agent_id is None:
        return []
    members = Member.objects.filter(
        conversation_id=task.conversation_id, kind=Member.Kind.AGENT, agent_id=task.agent_id
    ).order_by("pk")
    return [
        Leg.of(ended_leg if ended_leg is not None and member.pk == ended_leg.pk else member)
        for member in members
        if member.left_at is None or task.assigned_at is None or member.left_at >= task.assigned_at
    ]


def caller_left_at(*, task: Task, ended_leg: Member | None = None) -> datetime | None:
    """When the customer left the task's call: their leg that just ended, or the call's
    end. A callback waits without them: only the callback call's customer leg counts."""
    if (
        ended_leg is not None
        and ended_leg.kind == Member.Kind.CUSTOMER
        and (not task.is_callback or task.state == Task.State.ASSIGNED)
    ):
        return ended_leg.left_at or timezone.now()
    conversation = task.conversation
    if task.is_callback or conversation.state != Conversation.State.ENDED:
        return None
    return conversation.ended_at or timezone.now()


# The leg-end path


def leg_ended(*, member: Member) -> None:
    """A voice leg ended: settle the tasks that depended on it.

    The customer's leg settles every open task of the call, an agent's leg the tasks
    assigned to that agent.
    """
    # A voice leg settles calls only: a voicemail of the call is work of its own.
    tasks = Task.objects.filter(
        conversation_id=member.conversation_id, state__in=OPEN_TASK_STATES, channel=Channel.VOICE
    )
    if member.kind == Member.Kind.AGENT:
        tasks = tasks.filter(agent=member.agent_id, state=Task.State.ASSIGNED)
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
            settlement = settlement_decide(
                state=task.state,
                assigned_at=task.assigned_at,
                caller_left_at=caller_left_at(task=task, ended_leg=member),
                agent_legs=agent_legs_of(task, ended_leg=member),
                now=now,
            )
            settlement_apply(task=task, settlement=settlement)
            if settlement.outcome == Outcome.COMPLETE and task.agent_id is not None:
                # Without wrap-up the agent is free now: waiting callers need not wait.
                transaction.on_commit(partial(agent_route, agent_id=task.agent_id))


# The reaper's path: whatever a lost event, a crashed worker or a dead phone left behind.


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
        settlement = settlement_decide(
            state=task.state,
            assigned_at=task.assigned_at,
            caller_left_at=caller_left_at(task=task),
            agent_legs=agent_legs_of(task),
            now=now,
        )
        if settlement.outcome == Outcome.HANG_UP_AGENT:
            return None  # the live leg's end decides, as in leg_ended
        settlement_apply(task=task, settlement=settlement)
        if settlement.agent_legs_outlived_the_caller:
            agent_legs_hang_up_later(conversation_id=task.conversation_id, agent_id=task.agent_id)
        return REAPED_STATE.get(settlement.outcome)


REAPED_STATE = {
    Outcome.ABANDON: Task.State.ABANDONED,
    Outcome.ABANDON_CONNECTING: Task.State.ABANDONED,
    Outcome.COMPLETE: Task.State.COMPLETED,
    Outcome.RETURN: Task.State.QUEUED,
}
