"""The transition tables of tasks and offers, and their one guarded setter each.

A move is a conditional UPDATE (`WHERE state = <from>`): it fails, changing nothing, when
another process moved the row first, so every routing path may run concurrently with
itself. A move the table does not allow is a bug and raises.

The exceptions, on the routing decision's hot path: the claim that offers a queued task
and the INSERT of its pending offer (`routing.matching.offer_claim`), plain SQL whose
WHERE clause is the table's "queued -> offered" row.
"""

from callcentre.realtime import board_changed_later
from routing.errors import RoutingError
from routing.models import Offer, Task

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    Task.State.QUEUED: frozenset(
        {
            Task.State.OFFERED,
            Task.State.ABANDONED,
            Task.State.OVERFLOWED,
            Task.State.CANCELLED,
            Task.State.TIMED_OUT,
        }
    ),
    Task.State.OFFERED: frozenset(
        {Task.State.QUEUED, Task.State.ASSIGNED, Task.State.ABANDONED, Task.State.CANCELLED}
    ),
    # Back to the queue when the agent's phone could not be reached; abandoned when the caller
    # hung up before the agent's leg joined; cancelled when a consulted or conferenced agent's
    # phone never answered (routing.transfer: that task never waited in a queue).
    Task.State.ASSIGNED: frozenset(
        {Task.State.COMPLETED, Task.State.QUEUED, Task.State.ABANDONED, Task.State.CANCELLED}
    ),
}
OPEN_TASK_STATES = (Task.State.QUEUED, Task.State.OFFERED, Task.State.ASSIGNED)

OFFER_TRANSITIONS: dict[str, frozenset[str]] = {
    Offer.State.PENDING: frozenset(
        {
            Offer.State.ACCEPTED,
            Offer.State.REJECTED,
            Offer.State.TIMED_OUT,
            # The caller left while the offer was out.
            Offer.State.CANCELLED,
        }
    ),
    # Accepted, but the agent's phone never answered: a missed offer after all.
    Offer.State.ACCEPTED: frozenset({Offer.State.TIMED_OUT}),
}


def task_move(*, task_id: int, from_state: str, to_state: str, **changes: object) -> bool:
    """Move a task; False when it was no longer in `from_state` (someone else moved it)."""
    if to_state not in TASK_TRANSITIONS.get(from_state, frozenset()):
        raise RoutingError(f"A task cannot go from {from_state} to {to_state}.")
    moved = Task.objects.filter(pk=task_id, state=from_state).update(state=to_state, **changes)
    if moved:
        board_changed_later()
    return bool(moved)


def offer_move(*, offer_id: int, from_state: str, to_state: str, **changes: object) -> bool:
    """Move an offer; False when it was no longer in `from_state` (someone else moved it)."""
    if to_state not in OFFER_TRANSITIONS.get(from_state, frozenset()):
        raise RoutingError(f"An offer cannot go from {from_state} to {to_state}.")
    return bool(
        Offer.objects.filter(pk=offer_id, state=from_state).update(state=to_state, **changes)
    )
