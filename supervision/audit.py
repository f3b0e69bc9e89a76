"""The audit trail of supervisors' actions (SupervisorAction): one row per action."""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from supervision.models import MonitoringSession, SupervisorAction

Person = User | AnonymousUser  # request.user


def action_record(
    *,
    user: Person,
    kind: str,
    agent_id: int | None = None,
    task_id: int | None = None,
    session: MonitoringSession | None = None,
    detail: dict[str, Any] | None = None,
) -> SupervisorAction:
    return SupervisorAction.objects.create(
        user=user if isinstance(user, User) else None,
        username=user.get_username(),
        kind=kind,
        agent_id=agent_id,
        task_id=task_id,
        session=session,
        detail=detail or {},
    )
