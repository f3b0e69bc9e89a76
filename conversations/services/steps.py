"""The writes of call control's record (conversations.steps.CallStep): a step begins, a
step ends. routing.control and routing.transfer decide the steps; this module keeps them."""

from datetime import datetime

from django.utils import timezone

from callcentre.realtime import agent_changed_later
from conversations.models import CallStep, Member

# Steps that last: hold until resumed, mute until unmuted, a consult until completed or
# cancelled, a conference party until dropped. The others are moments.
LASTING_KINDS = frozenset(
    {CallStep.Kind.HOLD, CallStep.Kind.MUTE, CallStep.Kind.CONSULT, CallStep.Kind.CONFERENCE}
)


def call_step_begin(
    *,
    conversation_id: int,
    kind: str,
    agent_id: int | None,
    task_id: int | None,
    target_kind: str = "",
    target: str = "",
    detail: str = "",
    party_id: int | None = None,
    party_task_id: int | None = None,
    now: datetime | None = None,
) -> CallStep:
    """Record a step; a moment (keys sent, a cold transfer, a hang-up) ends as it begins."""
    now = now or timezone.now()
    return CallStep.objects.create(
        conversation_id=conversation_id,
        kind=kind,
        agent_id=agent_id,
        task_id=task_id,
        target_kind=target_kind,
        target=target[:200],
        detail=detail[:200],
        party_id=party_id,
        party_task_id=party_task_id,
        started_at=now,
        ended_at=None if kind in LASTING_KINDS else now,
    )


def call_step_end(*, step_id: int, outcome: str, now: datetime | None = None) -> bool:
    """End a lasting step, once (a conditional UPDATE: False when it had ended already)."""
    ended = CallStep.objects.filter(pk=step_id, ended_at__isnull=True).update(
        ended_at=now or timezone.now(), outcome=outcome
    )
    return bool(ended)


def call_step_set_party(*, step_id: int, party_id: int) -> None:
    CallStep.objects.filter(pk=step_id).update(party_id=party_id)


def call_steps_leg_ended(*, member: Member) -> int:
    """A leg ended: what depended on it ends with it. The customer's leg ends every step of
    the call still open (a hold, a consult: the customer is gone); a consulted or
    conferenced party's leg ends its step (left, or never connected); an agent's leg ends
    their mute. Returns how many steps ended."""
    now = member.left_at or timezone.now()
    open_steps = CallStep.objects.filter(conversation_id=member.conversation_id, ended_at=None)
    if member.kind == Member.Kind.CUSTOMER:
        return open_steps.update(ended_at=now, outcome=CallStep.Outcome.LEFT)
    # The agent who called this party in sees it gone (its leg is not theirs: no event).
    for agent_id in set(open_steps.filter(party=member).values_list("agent_id", flat=True)):
        agent_changed_later(agent_id)
    ended = open_steps.filter(party=member).update(
        ended_at=now,
        outcome=CallStep.Outcome.LEFT if member.joined_at else CallStep.Outcome.FAILED,
    )
    if member.agent_id is not None:
        ended += open_steps.filter(agent_id=member.agent_id, kind=CallStep.Kind.MUTE).update(
            ended_at=now
        )
    return ended
