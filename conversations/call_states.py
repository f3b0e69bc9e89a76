"""The voice leg state machine: Vonage call statuses and the moves allowed between them.

Vonage delivers a leg's events out of order and sometimes twice, so a move
that is not in the table is not an error: it changes nothing. That is what
keeps a late `ringing` from moving an answered call backwards, while a
`completed` that arrives first still ends the call.
"""

from django.db import models


class CallStatus(models.TextChoices):
    STARTED = "started"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    BUSY = "busy"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"
    REJECTED = "rejected"
    FAILED = "failed"
    TIMEOUT = "timeout"


# The leg never connected; Vonage may or may not send `completed` afterwards.
FAILURE_STATUSES = frozenset(
    {
        CallStatus.BUSY,
        CallStatus.CANCELLED,
        CallStatus.UNANSWERED,
        CallStatus.REJECTED,
        CallStatus.FAILED,
        CallStatus.TIMEOUT,
    }
)
ENDING_STATUSES = FAILURE_STATUSES | {CallStatus.COMPLETED}

NEW = ""  # a leg we have not heard a status for yet

TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({CallStatus.STARTED, CallStatus.RINGING, CallStatus.ANSWERED}) | ENDING_STATUSES,
    CallStatus.STARTED: frozenset({CallStatus.RINGING, CallStatus.ANSWERED}) | ENDING_STATUSES,
    CallStatus.RINGING: frozenset({CallStatus.ANSWERED}) | ENDING_STATUSES,
    CallStatus.ANSWERED: frozenset({CallStatus.COMPLETED}),
    # `completed` after a failure is the leg's summary (duration, price): keep it.
    **{status: frozenset({CallStatus.COMPLETED}) for status in FAILURE_STATUSES},
    CallStatus.COMPLETED: frozenset(),
}

# Statuses Vonage sends on the event webhook that are not leg states: they are
# stored, and their effect is recorded elsewhere (machine detection on the
# member) or nowhere (a websocket `disconnected`, a `transcribed` notice).
MACHINE_DETECTION_STATUSES = frozenset({"human", "machine"})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def is_known(status: str) -> bool:
    return status in TRANSITIONS
