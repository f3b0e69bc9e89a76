"""Live queue statistics: the one selector wallboards, the desktop and announcements read."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from agents.models import Agent, AgentSkill
from routing.models import VOICEMAIL_CHANNEL, Queue, QueueSkill, Task

DEFAULT_HANDLE_SECONDS = 180
WAITING_STATES = (Task.State.QUEUED, Task.State.OFFERED)


@dataclass(frozen=True, kw_only=True)
class QueueStatistics:
    queue_id: int
    name: str
    waiting: int
    callbacks_waiting: int
    # Callers' messages not taken yet: work off the line, outside the wait estimates.
    voicemails_waiting: int
    longest_wait_seconds: int
    service_level_percent: float | None  # None until something was answered or abandoned today
    answered_today: int
    abandoned_today: int
    agents_available: int
    agents_busy: int
    agents_wrap_up: int
    # Today's average handle time plus wrap-up: the work one contact takes.
    seconds_per_contact: float

    @property
    def estimated_wait_seconds(self) -> int | None:
        """The queue's estimated wait on the screens: what the contact at the back of the
        queue is told (callbacks count: they are served in the same order as callers on the
        line), so a screen never says more or less than a caller hears. 0 when nobody
        waits; None when contacts wait and no agent who could serve them is signed in."""
        waiting = self.waiting + self.callbacks_waiting
        if waiting == 0:
            return 0
        return self.wait_for(ahead=waiting - 1)

    def wait_for(self, *, ahead: int) -> int | None:
        """The estimated wait, in seconds, of a contact with `ahead` contacts before it."""
        return estimated_wait(
            ahead=ahead,
            staffed=self.agents_available + self.agents_busy + self.agents_wrap_up,
            free=self.agents_available,
            handle_seconds=self.seconds_per_contact,
        )


def agent_states_by_queue(*, queues: list[Queue], now: datetime) -> dict[int, dict[str, int]]:
    """Agents signed in who could serve each queue, by what they are doing."""
    requirements: dict[int, list[tuple[int, int]]] = {queue.pk: [] for queue in queues}
    for requirement in QueueSkill.objects.filter(queue__in=queues):
        requirements[requirement.queue_id].append(
            (requirement.skill_id, requirement.min_proficiency)
        )
    proficiency: dict[int, dict[int, int]] = {}
    for agent_id, skill_id, level in AgentSkill.objects.filter(
        agent__status__in=[Agent.Status.AVAILABLE, Agent.Status.AWAY]
    ).values_list("agent_id", "skill_id", "proficiency"):
        proficiency.setdefault(agent_id, {})[skill_id] = level
    counts = {queue.pk: {"available": 0, "busy": 0, "wrap_up": 0} for queue in queues}
    agents = Agent.objects.filter(status=Agent.Status.AVAILABLE).only(
        "pk", "status", "voice_load", "chat_load", "voicemail_load", "wrap_up_until"
    )
    for agent in agents:
        skills = proficiency.get(agent.pk, {})
        state = agent.activity(now)
        for queue_id, needed in requirements.items():
            if all(skills.get(skill, 0) >= level for skill, level in needed):
                counts[queue_id][state] += 1
    return counts


@dataclass
class DayFigures:
    answered: int = 0
    answered_in_time: int = 0
    abandoned: int = 0
    handle_seconds_total: float = 0.0
    completed: int = 0


def day_figures(*, queues: list[Queue], since: datetime) -> dict[int, DayFigures]:
    """Today's answered, in-time, abandoned and handle times per queue (a day is small)."""
    by_id = {queue.pk: queue for queue in queues}
    figures = {queue.pk: DayFigures() for queue in queues}
    rows = Task.objects.filter(queue__in=queues, queued_at__gte=since).values_list(
        "queue_id", "state", "queued_at", "assigned_at", "completed_at", "ended_at"
    )
    for queue_id, state, queued_at, assigned_at, completed_at, ended_at in rows:
        queue, day = by_id[queue_id], figures[queue_id]
        if assigned_at is not None:
            day.answered += 1
            waited = (assigned_at - queued_at).total_seconds()
            day.answered_in_time += waited <= queue.service_level_seconds
        if state == Task.State.ABANDONED and ended_at is not None:
            # Callers who hang up within the short-abandon threshold do not count.
            day.abandoned += (ended_at - queued_at).total_seconds() > queue.short_abandon_seconds
        if state == Task.State.COMPLETED and completed_at and assigned_at:
            day.completed += 1
            day.handle_seconds_total += (completed_at - assigned_at).total_seconds()
    return figures


def queue_statistics(
    *, now: datetime | None = None, queue_ids: Iterable[int] | None = None
) -> list[QueueStatistics]:
    """The active queues' figures now (only those in `queue_ids` when given)."""
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    active = Queue.objects.filter(is_active=True).order_by("name")
    if queue_ids is not None:
        active = active.filter(pk__in=list(queue_ids))
    queues = list(active)
    # Voicemails wait off the line, for the agents' voicemail capacity: not callers waiting.
    not_taken = Q(tasks__state__in=WAITING_STATES)
    waiting = not_taken & ~Q(tasks__channel=VOICEMAIL_CHANNEL)
    live = {
        row["pk"]: row
        for row in Queue.objects.filter(pk__in=[queue.pk for queue in queues])
        .annotate(
            waiting=Count("tasks", filter=waiting & Q(tasks__is_callback=False)),
            callbacks=Count("tasks", filter=waiting & Q(tasks__is_callback=True)),
            voicemails=Count("tasks", filter=not_taken & Q(tasks__channel=VOICEMAIL_CHANNEL)),
            oldest=Min("tasks__queued_at", filter=waiting & Q(tasks__is_callback=False)),
        )
        .values("pk", "waiting", "callbacks", "voicemails", "oldest")
    }
    days = day_figures(queues=queues, since=start_of_day)
    agents = agent_states_by_queue(queues=queues, now=now)
    statistics = []
    for queue in queues:
        row, day, staff = live[queue.pk], days[queue.pk], agents[queue.pk]
        average_handle = (
            day.handle_seconds_total / day.completed if day.completed else DEFAULT_HANDLE_SECONDS
        )
        offered = day.answered + day.abandoned
        statistics.append(
            QueueStatistics(
                queue_id=queue.pk,
                name=queue.name,
                waiting=row["waiting"],
                callbacks_waiting=row["callbacks"],
                voicemails_waiting=row["voicemails"],
                longest_wait_seconds=(
                    round((now - row["oldest"]).total_seconds()) if row["oldest"] else 0
                ),
                service_level_percent=(
                    round(100 * day.answered_in_time / offered, 1) if offered else None
                ),
                answered_today=day.answered,
                abandoned_today=day.abandoned,
                agents_available=staff["available"],
                agents_busy=staff["busy"],
                agents_wrap_up=staff["wrap_up"],
                seconds_per_contact=average_handle + queue.wrap_up_seconds,
            )
        )
    return statistics


def estimated_wait(*, ahead: int, staffed: int, free: int, handle_seconds: float) -> int | None:
    """The one estimate of how long a contact with `ahead` contacts before it may wait, for
    the screens and the callers alike.

    The `free` agents take the first contacts at once; the others wait for an agent to
    finish one: their turn among those (their own included) times the work a contact takes,
    shared by the `staffed` agents who could serve them (available, busy or in wrap-up).
    None when nobody who could serve them is signed in: there is nothing to promise.
    """
    if staffed == 0:
        return None
    if ahead < free:
        return 0
    return int((ahead - free + 1) * handle_seconds / staffed)


def task_position(*, task: Task) -> int:
    """1 for the next contact to be served in the task's queue.

    Callbacks count: the engine serves them in the same order (priority, then arrival) as
    callers on the line. Voicemails do not: they take the agents' non-voice slots.
    """
    ahead = (
        Task.objects.filter(queue_id=task.queue_id, state__in=WAITING_STATES)
        .exclude(channel=VOICEMAIL_CHANNEL)
        .filter(
            Q(priority__gt=task.priority)
            | Q(priority=task.priority, queued_at__lt=task.queued_at)
            | Q(priority=task.priority, queued_at=task.queued_at, pk__lt=task.pk)
        )
        .count()
    )
    return ahead + 1


@dataclass(frozen=True, kw_only=True)
class WaitEstimate:
    position: int
    # None: no promise (the queue is inactive, or nobody who could serve it is signed in).
    estimated_wait_seconds: int | None


def task_wait_estimate(
    *, task: Task, statistics: QueueStatistics | None = None, now: datetime | None = None
) -> WaitEstimate:
    """A waiting contact's place in its queue and how long it may still wait: the one place
    that computes both (announcements, the dry run; the screens show the same figure for
    the back of the queue). Pass the queue's `statistics` when
    estimating several contacts of one queue at once."""
    if statistics is None:
        statistics = next(iter(queue_statistics(now=now, queue_ids=[task.queue_id])), None)
    position = task_position(task=task)
    return WaitEstimate(
        position=position,
        estimated_wait_seconds=(
            statistics.wait_for(ahead=position - 1) if statistics is not None else None
        ),
    )
