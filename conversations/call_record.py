"""Reads of call control's record (conversations.steps.CallStep): what is going on in a call
now (on hold since, the consult under way, who else is on it) and a finished call's totals
for its detail record."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from conversations.models import CallStep


def call_steps(*, conversation_id: int) -> QuerySet[CallStep]:
    return CallStep.objects.filter(conversation_id=conversation_id).select_related("agent", "party")


def open_step(*, conversation_id: int, kind: str) -> CallStep | None:
    """The step of this kind that goes on now (one hold, one consult at a time)."""
    return (
        CallStep.objects.filter(conversation_id=conversation_id, kind=kind, ended_at=None)
        .select_related("party")
        .order_by("-started_at", "-pk")
        .first()
    )


def open_parties(*, conversation_id: int) -> list[CallStep]:
    """The consulted and conferenced parties on the call now."""
    return list(
        CallStep.objects.filter(
            conversation_id=conversation_id,
            kind__in=(CallStep.Kind.CONSULT, CallStep.Kind.CONFERENCE),
            ended_at=None,
        )
        .select_related("party")
        .order_by("started_at", "pk")
    )


@dataclass(frozen=True)
class CallTotals:
    hold_seconds: int
    consult_seconds: int
    transfers: int


def call_totals(*, conversation_id: int, ended_at: datetime | None) -> CallTotals:
    """A call's hold and consult time and how many times it was transferred (cold, or a
    consult completed). A step still open when the call ended counts until its end."""
    hold = consult = transfers = 0
    for step in CallStep.objects.filter(conversation_id=conversation_id):
        end = step.ended_at or ended_at
        seconds = max(int((end - step.started_at).total_seconds()), 0) if end else 0
        if step.kind == CallStep.Kind.HOLD:
            hold += seconds
        elif step.kind == CallStep.Kind.CONSULT:
            consult += seconds
            transfers += step.outcome == CallStep.Outcome.COMPLETED
        elif step.kind == CallStep.Kind.TRANSFER:
            transfers += 1
    return CallTotals(hold_seconds=hold, consult_seconds=consult, transfers=transfers)
