"""Wrap-up: the disposition, notes and follow-up of each contact the agent finished, and
the end of the wrap-up time (docs/desktop.md, "Wrap-up").

A contact waits for its wrap-up while its queue's wrap-up time (and extension) runs, or,
in a queue that requires a disposition, until the agent gives one (today). The agent
cannot end the wrap-up ("Ready now") while a contact of a queue that requires a
disposition has none; the wrap-up time running out still frees them (routing's reaper),
and such a contact stays on their desktop until they give it. They may extend a wrap-up
once, by the queue's `wrap_up_extension_seconds`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.services import agent_wrap_up_extend
from callcentre.errors import DomainError
from callcentre.realtime import agent_changed_later
from conversations.services.wrap_ups import conversation_wrap_up_record
from reports.services import cdr_wrap_up_copy
from routing.models import DispositionCode, Task
from routing.presence import agent_ready


class WrapUpError(DomainError):
    """A wrap-up the rules refuse (the API answers 409, or 400 for a field)."""


class WrapUpFieldError(WrapUpError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def phone_display(number: str) -> str:
    return "+" + number if number.isdigit() else number or "the customer"


def start_of_today(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def waits_for_wrap_up(task: Task, now: datetime) -> bool:
    queue = task.queue
    if queue.disposition_required and not task.conversation.disposition:
        return True
    window = timedelta(seconds=queue.wrap_up_seconds + queue.wrap_up_extension_seconds)
    return task.completed_at is not None and task.completed_at + window > now


def seconds_since_the_end(task: Task, now: datetime) -> int:
    """The wrap-up time of a contact wrapped up now."""
    return max(int((now - (task.completed_at or now)).total_seconds()), 0)


def pending_wrap_ups(*, agent: Agent, now: datetime | None = None) -> list[Task]:
    """The contacts the agent finished and has not wrapped up yet, oldest first."""
    now = now or timezone.now()
    finished = (
        Task.objects.filter(
            agent=agent,
            state=Task.State.COMPLETED,
            completed_at__gte=start_of_today(now),
            conversation__wrapped_up_at__isnull=True,
        )
        .select_related("queue", "conversation__customer")
        .order_by("completed_at", "pk")
    )
    return [task for task in finished if waits_for_wrap_up(task, now)]


def disposition_codes(*, queue_ids: list[int]) -> dict[int, list[DispositionCode]]:
    """The active codes of each queue, in the admin's order."""
    codes: dict[int, list[DispositionCode]] = {queue_id: [] for queue_id in queue_ids}
    for code in DispositionCode.objects.filter(queue_id__in=queue_ids, is_active=True):
        codes[code.queue_id].append(code)
    return codes


def disposition_labels(*, queue_ids: list[int]) -> dict[tuple[int, str], str]:
    """(queue id, code) -> label, inactive codes included (history shows what was chosen)."""
    return {
        (queue_id, code): label
        for queue_id, code, label in DispositionCode.objects.filter(
            queue_id__in=queue_ids
        ).values_list("queue_id", "code", "label")
    }


def finished_task_of_agent(*, agent: Agent, task_id: int) -> Task:
    task = (
        Task.objects.filter(pk=task_id, agent=agent, state=Task.State.COMPLETED)
        .select_related("queue", "conversation__customer")
        .first()
    )
    if task is None:
        raise WrapUpError("You finished no such contact.")
    return task


def wrap_up_save(
    *,
    agent: Agent,
    task_id: int,
    disposition: str,
    notes: str,
    follow_up_on: date | None,
) -> Task:
    """Keep the wrap-up of a contact the agent finished: on its conversation and its CDR."""
    now = timezone.now()
    task = finished_task_of_agent(agent=agent, task_id=task_id)
    codes = {code.code for code in disposition_codes(queue_ids=[task.queue_id])[task.queue_id]}
    if disposition and disposition not in codes:
        raise WrapUpFieldError(
            "disposition", f"{disposition!r} is not a disposition of {task.queue.name}."
        )
    if not disposition and task.queue.disposition_required:
        raise WrapUpFieldError(
            "disposition", f"{task.queue.name} requires a disposition: choose one."
        )
    if follow_up_on is not None and follow_up_on < timezone.localdate(now):
        raise WrapUpFieldError("follow_up_on", "A follow-up cannot be in the past.")
    with transaction.atomic():
        conversation_wrap_up_record(
            conversation_id=task.conversation_id,
            disposition=disposition,
            notes=notes,
            follow_up_on=follow_up_on,
            at=now,
            wrap_up_seconds=seconds_since_the_end(task, now),
        )
        cdr_wrap_up_copy(conversation_id=task.conversation_id)
        agent_changed_later(agent.pk)
    return task


def wrap_up_end(*, agent: Agent) -> Agent:
    """ "Ready now": refused while a contact that requires a disposition has none; the other
    contacts waiting are wrapped up as they are (their wrap-up time is kept)."""
    now = timezone.now()
    pending = pending_wrap_ups(agent=agent, now=now)
    missing = [task for task in pending if task.queue.disposition_required]
    if missing:
        task = missing[0]
        customer = task.conversation.customer
        who = (customer.name if customer else "") or phone_display(task.customer_number)
        raise WrapUpError(
            f"Choose a disposition for the contact with {who} ({task.queue.name}) "
            "before you end the wrap-up."
        )
    with transaction.atomic():
        for task in pending:
            conversation = task.conversation
            conversation_wrap_up_record(
                conversation_id=task.conversation_id,
                disposition=conversation.disposition,
                notes=conversation.wrap_up_notes,
                follow_up_on=conversation.follow_up_on,
                at=now,
                wrap_up_seconds=seconds_since_the_end(task, now),
            )
            cdr_wrap_up_copy(conversation_id=task.conversation_id)
        return agent_ready(agent=agent)


@dataclass(frozen=True, kw_only=True)
class Extension:
    seconds: int  # what the queue allows (0: none)
    used: bool


def wrap_up_extension(*, agent: Agent, pending: list[Task], now: datetime) -> Extension:
    """Whether the agent may extend their running wrap-up: by the latest contact's queue
    allowance, once (extended already: it ends later than that contact's wrap-up time)."""
    if not pending or agent.wrap_up_until is None or agent.wrap_up_until <= now:
        return Extension(seconds=0, used=False)
    latest = pending[-1]
    queue = latest.queue
    planned = (latest.completed_at or now) + timedelta(seconds=queue.wrap_up_seconds)
    return Extension(
        seconds=queue.wrap_up_extension_seconds,
        used=agent.wrap_up_until > planned + timedelta(seconds=1),
    )


def wrap_up_extend(*, agent: Agent) -> Agent:
    """Extend the running wrap-up once by the queue's allowance."""
    now = timezone.now()
    agent.refresh_from_db()
    extension = wrap_up_extension(agent=agent, pending=pending_wrap_ups(agent=agent), now=now)
    if agent.wrap_up_until is None or agent.wrap_up_until <= now:
        raise WrapUpError("You are not in a wrap-up.")
    if extension.seconds == 0:
        raise WrapUpError("This queue's wrap-up cannot be extended.")
    if extension.used:
        raise WrapUpError("You have extended this wrap-up already.")
    until = agent.wrap_up_until + timedelta(seconds=extension.seconds)
    extended = agent_wrap_up_extend(agent_id=agent.pk, until=until)
    if extended is None:
        raise WrapUpError("No such agent.")
    return extended
