"""An agent's presence history: one PresenceInterval per stretch of one activity and reason.

`presence_record` is the one writer. agents.services calls it after every change it makes
(`agent_move`, the guarded setter, and the fast slot claim, `agent_slot_claim`), always
with the agent's row locked by the caller's transaction, so an agent's intervals are
written one change at a time.

A wrap-up ends by the clock, with no write: the agent is available from `wrap_up_until`
whether or not anything looks at them. So when the open interval is a wrap-up whose time
ran out before the change being recorded, the wrap-up is closed at `wrap_up_until` and the
available stretch that followed it is filled in.
"""

from datetime import datetime

from agents.models import Activity, AwayReason, PresenceInterval
from callcentre.errors import DomainError


class AwayReasonError(DomainError):
    """An away reason that is not one of the active codes."""


def away_reason_check(code: str) -> str:
    """The code, when it is an active away reason (or blank); AwayReasonError otherwise."""
    if code and not AwayReason.objects.filter(code=code, is_active=True).exists():
        active = ", ".join(away_reason_codes())
        raise AwayReasonError(f"Unknown away reason {code!r}; use one of {active}.")
    return code


def away_reason_codes() -> list[str]:
    return list(AwayReason.objects.filter(is_active=True).values_list("code", flat=True))


def presence_record(
    *,
    agent_id: int,
    activity: str,
    reason: str,
    at: datetime,
    wrap_up_until: datetime | None = None,
) -> None:
    """The agent is doing `activity` (for `reason`) from `at`: close the open interval and
    open the new one. Nothing changes when the open one already says so.

    `wrap_up_until`: when the agent's last wrap-up ran out (their row before the change).
    Call with the agent's row locked.
    """
    current = PresenceInterval.objects.filter(agent_id=agent_id, ended_at__isnull=True).first()
    if current is not None:
        at = max(at, current.started_at)  # changes are recorded in the order they happen
        if (
            current.activity == Activity.WRAP_UP
            and wrap_up_until is not None
            and current.started_at <= wrap_up_until < at
        ):
            # The wrap-up ran out on its own before this change; available since.
            interval_close(current, wrap_up_until)
            current = PresenceInterval.objects.create(
                agent_id=agent_id, activity=Activity.IDLE, started_at=wrap_up_until
            )
        if (current.activity, current.reason) == (activity, reason):
            return
        interval_close(current, at)
    PresenceInterval.objects.create(
        agent_id=agent_id, activity=activity, reason=reason, started_at=at
    )


def interval_close(interval: PresenceInterval, at: datetime) -> None:
    interval.ended_at = at
    interval.save(update_fields=["ended_at"])
