"""The routing reaper: settles whatever a lost event, a crashed worker or a dead phone left
stuck. Safe to run at any time, often, in several processes (`routing.reap`, beat)."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from routing.models import Task
from routing.offers import offers_expire
from routing.presence import agents_wake
from routing.settlement import stuck_task_ids, task_settle_if_stuck


@dataclass(frozen=True, kw_only=True)
class ReapReport:
    offers_expired: int = 0
    tasks_abandoned: int = 0
    tasks_completed: int = 0
    tasks_returned: int = 0
    agents_woken: int = 0

    def __bool__(self) -> bool:
        return any(dataclasses.astuple(self))


def routing_reap(*, now: datetime | None = None) -> ReapReport:
    """Settle everything left stuck."""
    now = now or timezone.now()
    offers_expired = offers_expire(now=now)
    settled = [
        task_settle_if_stuck(task_id=task_id, now=now) for task_id in stuck_task_ids(now=now)
    ]
    return ReapReport(
        offers_expired=offers_expired,
        tasks_abandoned=settled.count(Task.State.ABANDONED),
        tasks_completed=settled.count(Task.State.COMPLETED),
        tasks_returned=settled.count(Task.State.QUEUED),
        # Last: agents whose wrap-up ended, including those the reaper just released.
        agents_woken=agents_wake(now=now),
    )
