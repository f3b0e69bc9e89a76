"""The agent's own queues and day: what waits in the queues they serve, live, and their
figures today (docs/desktop.md, "Your queues and your day")."""

from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from agents.models import Activity, Agent
from agents.selectors import agent_seconds_by_activity
from reports.selectors import agent_hold_seconds
from routing.models import Queue, QueueSkill, Task
from routing.statistics import queue_statistics
from workspace.wrap_up import start_of_today


def agent_queue_ids(*, agent: Agent) -> list[int]:
    """The active queues whose every required skill the agent has at the level asked."""
    levels = dict(agent.agent_skills.values_list("skill_id", "proficiency"))
    active = Queue.objects.filter(is_active=True).values_list("pk", flat=True)
    needs: dict[int, list[tuple[int, int]]] = {queue_id: [] for queue_id in active}
    for queue_id, skill_id, level in QueueSkill.objects.filter(
        queue_id__in=list(needs)
    ).values_list("queue_id", "skill_id", "min_proficiency"):
        needs[queue_id].append((skill_id, level))
    return [
        queue_id
        for queue_id, required in needs.items()
        if all(levels.get(skill_id, 0) >= level for skill_id, level in required)
    ]


def agent_queues(*, agent: Agent, now: datetime) -> list[dict]:
    """Contacts waiting (callers on the line, callbacks, voicemails) and the longest wait of
    a caller, per queue."""
    return [
        {
            "queue_id": figures.queue_id,
            "name": figures.name,
            "waiting": figures.waiting,
            "callbacks_waiting": figures.callbacks_waiting,
            "voicemails_waiting": figures.voicemails_waiting,
            "longest_wait_seconds": figures.longest_wait_seconds,
        }
        for figures in queue_statistics(now=now, queue_ids=agent_queue_ids(agent=agent))
    ]


def agent_day(*, agent: Agent, now: datetime) -> dict:
    """The agent's figures today: contacts handled, average handle time (talk, hold and
    wrap-up per contact), talk, hold, wrap-up, occupancy."""
    since = start_of_today(now)
    handled = Task.objects.filter(agent=agent, state=Task.State.COMPLETED, completed_at__gte=since)
    count = handled.count()
    wrap_up = int(handled.aggregate(total=Sum("conversation__wrap_up_seconds"))["total"] or 0)
    talk = agent.talk_seconds_today if agent.counters_date == timezone.localdate(now) else 0
    hold = agent_hold_seconds(agent_id=agent.pk, since=since)
    return {
        "handled": count,
        "average_handle_seconds": round((talk + hold + wrap_up) / count) if count else None,
        "talk_seconds": talk,
        "hold_seconds": hold,
        "wrap_up_seconds": wrap_up,
        "occupancy_percent": occupancy_percent(agent=agent, since=since, now=now),
    }


def occupancy_percent(*, agent: Agent, since: datetime, now: datetime) -> float | None:
    """The share of the agent's available time today spent on contacts and their wrap-up
    (presence intervals); None before they were available at all today."""
    spent = agent_seconds_by_activity(agent=agent, since=since, until=now)
    working = spent.get(Activity.BUSY, 0) + spent.get(Activity.WRAP_UP, 0)
    signed_in = working + spent.get(Activity.IDLE, 0)
    return round(100 * working / signed_in, 1) if signed_in else None
