"""The agent's own queues and day: what waits in the queues they serve, live, and their
figures today (docs/desktop.md, "Your queues and your day")."""

from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from agents.models import Agent
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
    """Contacts waiting (callers on the line and callbacks) and the longest wait, per queue."""
    return [
        {
            "queue_id": figures.queue_id,
            "name": figures.name,
            "waiting": figures.waiting,
            "callbacks_waiting": figures.callbacks_waiting,
            "longest_wait_seconds": figures.longest_wait_seconds,
        }
        for figures in queue_statistics(now=now, queue_ids=agent_queue_ids(agent=agent))
    ]


def agent_day(*, agent: Agent, now: datetime) -> dict:
    """The agent's figures today: contacts handled, average handle time (talk, hold and
    wrap-up per contact), talk, hold, wrap-up; occupancy once presence intervals exist."""
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
        "occupancy_percent": None,
    }
