"""Waiting too long: escalation steps widen who may answer; max wait overflows the task."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from routing import voice
from routing.engine import task_route
from routing.models import VOICEMAIL_CHANNEL, EscalationStep, FallbackAction, Queue, Task, TaskSkill
from routing.queueing import task_enqueue, task_skill_group_add
from routing.states import task_move

logger = logging.getLogger(__name__)


def step_apply(*, task: Task, step: EscalationStep) -> None:
    skills = TaskSkill.objects.filter(group__task=task)
    if step.action == EscalationStep.Action.RELAX_PROFICIENCY:
        skills.update(min_proficiency=Greatest(F("min_proficiency") - step.amount, 1))
    elif step.action == EscalationStep.Action.DROP_SKILL:
        skills.filter(skill=step.skill_id).delete()
    elif step.action == EscalationStep.Action.ADD_QUEUE and step.target_queue is not None:
        # (EscalationStep.clean requires the queue for this action.)
        task_skill_group_add(task=task, queue=step.target_queue)
    elif step.action == EscalationStep.Action.RAISE_PRIORITY:
        Task.objects.filter(pk=task.pk).update(priority=F("priority") + step.amount)


def task_escalate(*, task_id: int, now: datetime) -> int:
    """Apply every step now due to a waiting task, once each. Returns how many were applied."""
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("queue")
            .filter(pk=task_id, state=Task.State.QUEUED)
            .first()
        )
        if task is None:
            return 0
        waited = (now - task.queued_at).total_seconds()
        steps = list(task.queue.escalation_steps.select_related("target_queue"))
        due = [step for step in steps[task.escalation_level :] if step.after_seconds <= waited]
        for step in due:
            step_apply(task=task, step=step)
        if due:
            Task.objects.filter(pk=task.pk).update(
                escalation_level=F("escalation_level") + len(due)
            )
            transaction.on_commit(lambda: task_route(task_id=task_id))
        return len(due)


def tasks_escalate(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    waiting = Task.objects.filter(
        state=Task.State.QUEUED, queue__escalation_steps__isnull=False
    ).distinct()
    return sum(
        task_escalate(task_id=task_id, now=now) for task_id in waiting.values_list("pk", flat=True)
    )


def tasks_overflow(*, now: datetime | None = None) -> int:
    """Send waiting tasks past their queue's maximum wait to the queue's overflow action."""
    now = now or timezone.now()
    overflowed = 0
    for queue in Queue.objects.filter(max_wait_seconds__isnull=False):
        assert queue.max_wait_seconds is not None  # (the filter's)
        cutoff = now - timedelta(seconds=queue.max_wait_seconds)
        # A voicemail waits for an agent however long it takes: no caller is on the line.
        waiting = Task.objects.filter(
            queue=queue, state=Task.State.QUEUED, queued_at__lte=cutoff
        ).exclude(channel=VOICEMAIL_CHANNEL)
        for task_id in waiting.values_list("pk", flat=True):
            overflowed += task_overflow(task_id=task_id, now=now)
    return overflowed


def task_overflow(*, task_id: int, now: datetime) -> int:
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("queue", "queue__overflow_queue", "conversation")
            .filter(pk=task_id, state=Task.State.QUEUED)
            .first()
        )
        if task is None:
            return 0
        task_move(
            task_id=task.pk,
            from_state=Task.State.QUEUED,
            to_state=Task.State.OVERFLOWED,
            ended_at=now,
        )
        queue = task.queue
        if queue.overflow_action == FallbackAction.QUEUE and queue.overflow_queue is not None:
            # The caller stays in the same waiting room; only who may answer changes.
            task_enqueue(
                conversation=task.conversation,
                queue=queue.overflow_queue,
                attributes={**task.attributes, "overflowed_from": queue.name},
            )
        else:
            transaction.on_commit(
                lambda: voice.caller_redirect(
                    conversation_id=task.conversation_id,
                    action=queue.overflow_action,
                    queue_id=queue.pk,
                )
            )
    return 1
