"""Reads for the supervisors' screens."""

from dataclasses import asdict
from datetime import datetime

from django.db.models import Avg, Count, Sum
from django.utils import timezone

from agents.models import Activity, Agent
from reports.models import CallDetailRecord, SatisfactionSurvey
from routing.models import Offer, Task
from routing.statistics import queue_statistics

# The agents' board lists who is working first.
ACTIVITY_ORDER = [Activity.BUSY, Activity.WRAP_UP, Activity.IDLE, Activity.AWAY, Activity.OFFLINE]


def live_board(*, now: datetime | None = None) -> dict:
    """The live dashboard: every active queue's figures and what every agent is doing now."""
    now = now or timezone.now()
    queues = [
        {**asdict(figures), "estimated_wait_seconds": figures.estimated_wait_seconds}
        for figures in queue_statistics(now=now)
    ]
    agents = sorted(
        (agent_row(agent, now=now, contact=contact) for agent, contact in agents_at_work(now)),
        key=lambda row: (ACTIVITY_ORDER.index(row["activity"]), row["display_name"]),
    )
    totals = {activity.value: 0 for activity in ACTIVITY_ORDER}
    for row in agents:
        totals[row["activity"]] += 1
    return {
        "at": now,
        "queues": queues,
        "agents": agents,
        "totals": {
            "waiting": sum(queue["waiting"] for queue in queues),
            "callbacks_waiting": sum(queue["callbacks_waiting"] for queue in queues),
            "voicemails_waiting": sum(queue["voicemails_waiting"] for queue in queues),
            "agents": totals,
            "satisfaction": satisfaction_today(now),
        },
    }


def satisfaction_today(now: datetime) -> dict:
    """Today's survey answers: how many, and their average score (None before the first)."""
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    figures = SatisfactionSurvey.objects.filter(
        state=SatisfactionSurvey.State.ANSWERED, answered_at__gte=start_of_day
    ).aggregate(answers=Count("pk"), average=Avg("score"))
    average = figures["average"]
    return {
        "answers": figures["answers"],
        "average": round(float(average), 1) if average is not None else None,
    }


def agents_at_work(now: datetime) -> list[tuple[Agent, dict | None]]:
    """Every agent with the contact they hold, or else the one they are offered."""
    contacts: dict[int, dict] = {}
    offered = Offer.objects.filter(state=Offer.State.PENDING).select_related(
        "task__queue", "task__conversation"
    )
    for offer in offered:
        contacts[offer.agent_id] = contact_of(offer.task, state="offered", since=offer.created_at)
    held = Task.objects.filter(state=Task.State.ASSIGNED).select_related("queue", "conversation")
    for task in held:
        if task.agent_id is not None:  # (an assigned task's always is)
            contacts[task.agent_id] = contact_of(task, state="assigned", since=task.assigned_at)
    return [(agent, contacts.get(agent.pk)) for agent in Agent.objects.all()]


def contact_of(task: Task, *, state: str, since: datetime | None) -> dict:
    return {
        "task_id": task.pk,
        "queue": task.queue.name,
        "channel": task.channel,
        "state": state,
        "since": since,
        "number": task.customer_number,
    }


def agent_row(agent: Agent, *, now: datetime, contact: dict | None) -> dict:
    counted = agent.counters_date == timezone.localdate(now)
    activity = agent.activity(now)
    return {
        "id": agent.pk,
        "display_name": agent.display_name,
        "activity": activity,
        "away_reason": agent.away_reason,
        "status_since": agent.status_changed_at,
        "wrap_up_until": agent.wrap_up_until if activity == Activity.WRAP_UP else None,
        "contact": contact,
        "contacts_today": agent.contacts_today if counted else 0,
        "talk_seconds_today": agent.talk_seconds_today if counted else 0,
    }


def agent_hold_seconds(*, agent_id: int, since: datetime) -> int:
    """How long the agent held callers on the calls they handled since `since` (CDRs)."""
    total = CallDetailRecord.objects.filter(agent_id=agent_id, started_at__gte=since).aggregate(
        total=Sum("hold_seconds")
    )["total"]
    return int(total or 0)
