"""Reads for the supervisors' controls on the live dashboard."""

from typing import Any

from routing.models import Queue, Task

WAITING = (Task.State.QUEUED, Task.State.OFFERED)


def waiting_contacts() -> dict[str, list[dict[str, Any]]]:
    """Contacts waiting in a queue now, longest-waiting first, and the queues to move them to."""
    tasks = (
        Task.objects.filter(state__in=WAITING)
        .select_related("queue", "conversation")
        .order_by("queued_at", "pk")
    )
    return {
        "contacts": [
            {
                "task_id": task.pk,
                "queue_id": task.queue_id,
                "queue": task.queue.name,
                "channel": task.channel,
                "state": task.state,
                "is_callback": task.is_callback,
                "number": task.customer_number,
                "queued_at": task.queued_at.isoformat(),
            }
            for task in tasks
        ],
        "queues": [
            {"id": pk, "name": name}
            for pk, name in Queue.objects.filter(is_active=True)
            .order_by("name")
            .values_list("pk", "name")
        ],
    }
