"""A supervisor steps in on a waiting contact: withdraw it from its queue, or move it to
another queue keeping the caller's place (supervision.actions calls these).

"Keeping the place" means the new task keeps the time the contact first queued
(`queued_at`, the FIFO order) and its priority relative to its queue; a caller stays in the
same waiting room (nothing changes on the call), as an overflow to another queue does.
"""

from django.db import transaction
from django.utils import timezone

from routing import voice
from routing.errors import RoutingError
from routing.models import FallbackAction, Queue, Task
from routing.queueing import task_enqueue, task_offers_cancel
from routing.states import task_move

WAITING = (Task.State.QUEUED, Task.State.OFFERED)


def _waiting_task_locked(task_id: int) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("queue", "conversation")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise RoutingError("No such contact.")
    if task.state not in WAITING:
        raise RoutingError(
            f"This contact is {task.get_state_display().lower()}, not waiting in a queue."
        )
    return task


def task_withdraw(*, task_id: int) -> Task:
    """Take a waiting contact out of its queue: cancelled; a caller hears the queue's overflow
    message and the call ends (a chat simply leaves the queue)."""
    now = timezone.now()
    with transaction.atomic():
        task = _waiting_task_locked(task_id)
        task_offers_cancel(task=task, now=now)
        task_move(
            task_id=task.pk,
            from_state=task.state,
            to_state=Task.State.CANCELLED,
            ended_at=now,
            attributes={**task.attributes, "withdrawn": True},
        )
        if task.channel == "voice" and not task.is_callback:
            conversation_id, queue_id = task.conversation_id, task.queue_id
            transaction.on_commit(
                lambda: voice.caller_redirect(
                    conversation_id=conversation_id,
                    action=FallbackAction.MESSAGE,
                    queue_id=queue_id,
                )
            )
    task.refresh_from_db()
    return task


def task_move_to_queue(*, task_id: int, queue_id: int) -> Task:
    """Move a waiting contact to another queue, keeping its place: a new task in the target
    queue with the same queued_at and the same priority above its queue's; the old task is
    cancelled (and says where it went)."""
    now = timezone.now()
    with transaction.atomic():
        task = _waiting_task_locked(task_id)
        target = Queue.objects.filter(pk=queue_id, is_active=True).first()
        if target is None:
            raise RoutingError("No such active queue.")
        if target.pk == task.queue_id:
            raise RoutingError(f"The contact is already in {target.name}.")
        task_offers_cancel(task=task, now=now)
        task_move(
            task_id=task.pk,
            from_state=task.state,
            to_state=Task.State.CANCELLED,
            ended_at=now,
            attributes={**task.attributes, "moved_to": target.name},
        )
        moved = task_enqueue(
            conversation=task.conversation,
            queue=target,
            priority_boost=task.priority - task.queue.priority,
            attributes={**task.attributes, "moved_from": task.queue.name},
            is_callback=task.is_callback,
            callback_number=task.callback_number,
            queued_at=task.queued_at,
        )
    return moved
