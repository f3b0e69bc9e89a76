"""An agent's presence: the states, who may move an agent between them, and the check.

The presence is what an agent is doing (`agents.models.Activity`): offline, away (with a
reason), available and idle, busy (offered or holding work), or wrapping up. Offline,
away and available are chosen (`Agent.status`); busy and wrap-up follow from the agent's
load and `wrap_up_until`, which the routing engine moves through `agents.services`.

Every move goes through `presence_check` (called by the one setter,
`agents.services.agent_move`), the table below says who may make it. The only write that
does not pass here is the fast claim of a capacity slot (`agents.services.agent_slot_claim`,
one conditional UPDATE on the routing decision's hot path): its WHERE clause is this
table's "available -> busy by the engine" row.
"""

from enum import StrEnum

from agents.models import Activity
from callcentre.errors import DomainError


class Actor(StrEnum):
    AGENT = "agent"  # the agent, on the desktop or the agent API
    SUPERVISOR = "supervisor"  # a supervisor, in admin or on the dashboard
    ENGINE = "engine"  # routing: offers, accepts, settles contacts
    REAPER = "reaper"  # the periodic tasks: wrap-ups that ended


class PresenceError(DomainError):
    """A presence move the table does not allow."""


PEOPLE = frozenset({Actor.AGENT, Actor.SUPERVISOR})
ENGINE = frozenset({Actor.ENGINE})

# from -> {to: who may make the move}. Staying in the same presence is always allowed (a
# counter or a reason changed).
PRESENCE_TRANSITIONS: dict[str, dict[str, frozenset[Actor]]] = {
    Activity.OFFLINE: {
        Activity.IDLE: PEOPLE,
        Activity.AWAY: PEOPLE,
        # Logging in again while still holding a contact (or its wrap-up).
        Activity.BUSY: PEOPLE,
        Activity.WRAP_UP: PEOPLE,
    },
    Activity.AWAY: {
        Activity.IDLE: PEOPLE,
        Activity.BUSY: PEOPLE,
        Activity.WRAP_UP: PEOPLE,
        Activity.OFFLINE: PEOPLE,
    },
    Activity.IDLE: {
        Activity.BUSY: ENGINE,  # a slot claimed for an offer
        # Missed offers in a row make the engine set the agent away.
        Activity.AWAY: PEOPLE | ENGINE,
        Activity.OFFLINE: PEOPLE,
    },
    Activity.BUSY: {
        Activity.IDLE: ENGINE,  # the last slot given back, no wrap-up
        Activity.WRAP_UP: ENGINE,  # the last contact finished, wrap-up starts
        Activity.AWAY: PEOPLE | ENGINE,
        Activity.OFFLINE: PEOPLE,
    },
    Activity.WRAP_UP: {
        # "Ready now" on the desktop, or the wrap-up time ran out (reaper).
        Activity.IDLE: PEOPLE | frozenset({Actor.REAPER}),
        Activity.AWAY: PEOPLE,
        Activity.OFFLINE: PEOPLE,
    },
}


def presence_may_move(*, current: str, target: str, actor: Actor) -> bool:
    return current == target or actor in PRESENCE_TRANSITIONS.get(current, {}).get(
        target, frozenset()
    )


def presence_check(*, current: str, target: str, actor: Actor) -> None:
    if not presence_may_move(current=current, target=target, actor=actor):
        raise PresenceError(f"The {actor} cannot move an agent from {current} to {target}.")
