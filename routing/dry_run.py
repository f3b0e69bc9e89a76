"""The dry run: where would a hypothetical contact go now, and why?

It runs the real matching query on a task made inside a transaction that is
always rolled back, so what it answers is what the engine would do, and
nothing it touches is kept.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from conversations.models import Conversation
from routing import hours, matching
from routing.engine import decline_cutoff
from routing.models import Queue, Skill, Task
from routing.queueing import task_skill_group_add
from routing.statistics import task_wait_estimate


@dataclass(frozen=True, kw_only=True)
class DryRunResult:
    queue: Queue
    is_open: bool
    agent: Agent | None
    agents_with_skills: int
    agents_free: int
    reasons: list[str] = field(default_factory=list)


def routing_dry_run(
    *,
    queue: Queue,
    channel: str = "voice",
    priority_boost: int = 0,
    extra_skill: Skill | None = None,
    at: datetime | None = None,
) -> DryRunResult:
    now = timezone.now()
    at = at or now
    reasons = []
    queue = Queue.objects.select_related("business_hours").get(pk=queue.pk)
    is_open = hours.is_open(hours=queue.business_hours, at=at)
    if not is_open:
        reasons.append(
            f"{queue.name} is closed at {timezone.localtime(at):%A %H:%M}: callers get "
            f"'{queue.get_closed_action_display()}'."
        )
        return DryRunResult(
            queue=queue,
            is_open=False,
            agent=None,
            agents_with_skills=0,
            agents_free=0,
            reasons=reasons,
        )
    with transaction.atomic():
        task = Task.objects.create(
            conversation=Conversation.objects.create(channel=channel, started_at=now),
            queue=queue,
            channel=channel,
            priority=queue.priority + priority_boost,
            queued_at=now,
        )
        task_skill_group_add(task=task, queue=queue, extra_skill=extra_skill)
        requirements = [
            f"{skill.skill.name} >= {skill.min_proficiency}"
            for skill in task.skill_groups.get().skills.select_related("skill")
        ]
        with_skills = matching.count_agents_for_task(task=task, now=now, free_only=False)
        free = matching.count_agents_for_task(task=task, now=now, free_only=True)
        agent_id = matching.pick_agent_for_task(
            task=task,
            strategy=queue.strategy,
            now=now,
            today=timezone.localdate(now),
            decline_cutoff=decline_cutoff(now),
            lock=False,
        )
        estimate = task_wait_estimate(task=task, now=now)
        transaction.set_rollback(True)
    agent = Agent.objects.filter(pk=agent_id).first() if agent_id else None
    reasons.append(
        f"{queue.name} is open; the contact needs {', '.join(requirements) or 'no skill'}."
    )
    reasons.append(f"{with_skills} agent(s) have those skills; {free} of them could take it now.")
    if agent is not None:
        reasons.append(f"'{queue.get_strategy_display()}' picks {agent.display_name}.")
    else:
        wait = estimate.estimated_wait_seconds
        wait_text = f", estimated wait {wait} s" if wait is not None else ""
        reasons.append(
            f"Nobody is free: the contact would wait at position {estimate.position}{wait_text}."
        )
    return DryRunResult(
        queue=queue,
        is_open=True,
        agent=agent,
        agents_with_skills=with_skills,
        agents_free=free,
        reasons=reasons,
    )
