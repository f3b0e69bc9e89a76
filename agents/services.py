"""Writes to an agent: presence, capacity slots, wrap-up and today's counters.

Nothing else writes `Agent` rows. Every change goes through `agent_move` (lock the row,
apply the change, check the presence move against `agents.presence`, save, record the
presence interval in `agents.intervals`, tell the screens after commit), except the fast
claim of a capacity slot (`agent_slot_claim`), which is the routing decision's hot path and
guards itself with its WHERE clause (and records the busy interval its first slot starts).

Routing decides when these happen (an offer, an accept, a finished contact) and, when an
agent becomes free, routes work to them (`routing.presence`): this app knows nothing of
tasks or offers.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents.intervals import away_reason_check, presence_record
from agents.models import Activity, Agent
from agents.presence import Actor, PresenceError, presence_check
from callcentre.db import first_row
from callcentre.realtime import agent_changed_later

# Capacity is counted for voice, for callers' messages ("voicemail", routing.voicemail) and
# for all the messaging channels together ("chat").
VOICEMAIL = "voicemail"
LOAD_FIELD = {"voice": "voice_load", "chat": "chat_load", VOICEMAIL: "voicemail_load"}

# SQL conditions on an agent row `a`, shared with routing.matching's picks.
AGENT_IS_FREE = {
    # A call and the rest (chats, voicemails) do not mix unless the agent is configured to;
    # chats and voicemails may, both being work off the line.
    "voice": "a.voice_load < a.voice_capacity"
    " AND (a.mixes_channels OR (a.chat_load = 0 AND a.voicemail_load = 0))",
    "chat": "a.chat_load < a.chat_capacity AND (a.mixes_channels OR a.voice_load = 0)",
    VOICEMAIL: "a.voicemail_load < a.voicemail_capacity AND (a.mixes_channels OR a.voice_load = 0)",
}
AGENT_IS_READY = """
    a.status = 'available'
    AND (a.wrap_up_until IS NULL OR a.wrap_up_until <= %(now)s)
"""

# The claim of one slot: plain SQL, prepared on PostgreSQL (Django building the UPDATE cost
# more than PostgreSQL running it, bench/routing.py).
CLAIM_SLOT = {
    kind: f"""
        UPDATE agents_agent AS a SET {load} = {load} + 1, last_offered_at = %(now)s
        WHERE a.id = %(agent)s AND a.status = 'available' AND {AGENT_IS_FREE[kind]}
        RETURNING id, voice_load + chat_load + voicemail_load, wrap_up_until
    """
    for kind, load in LOAD_FIELD.items()
}


def channel_kind(channel: str) -> str:
    """Which capacity a contact on this channel takes: "voice", "voicemail", or "chat" for
    messaging."""
    return channel if channel in ("voice", VOICEMAIL) else "chat"


def free_channel_kinds(agent: Agent) -> frozenset[str]:
    """The kinds of capacity the agent has a free slot of (as AGENT_IS_FREE says)."""
    off_the_line = agent.chat_load == 0 and agent.voicemail_load == 0
    kinds = set()
    if agent.voice_load < agent.voice_capacity and (agent.mixes_channels or off_the_line):
        kinds.add("voice")
    if agent.chat_load < agent.chat_capacity and (agent.mixes_channels or agent.voice_load == 0):
        kinds.add("chat")
    if agent.voicemail_load < agent.voicemail_capacity and (
        agent.mixes_channels or agent.voice_load == 0
    ):
        kinds.add(VOICEMAIL)
    return frozenset(kinds)


# The fields whose change may change what the agent is doing (their presence history).
PRESENCE_FIELDS = frozenset(
    {"status", "away_reason", "wrap_up_until", "voice_load", "chat_load", "voicemail_load"}
)


def agent_move(
    *,
    agent_id: int,
    actor: Actor,
    change: Callable[[Agent, datetime], list[str]],
    at: datetime | None = None,
    reason: str = "",
) -> Agent | None:
    """The one guarded setter: lock the agent, apply `change` (which returns the fields it
    set), refuse a presence move the table does not allow, save, record the presence
    interval the change starts (agents.intervals), tell the screens.

    `at`: when the change happened, if before now (a contact that finished earlier);
    `reason`: why, for the presence history of any activity but away (whose reason is the
    agent's away reason). None when the agent is gone. Runs in the caller's transaction (or
    its own).
    """
    now = timezone.now()
    with transaction.atomic():
        agent = Agent.objects.select_for_update().filter(pk=agent_id).first()
        if agent is None:
            return None
        before, wrap_up_until = agent.activity(now), agent.wrap_up_until
        fields = change(agent, now)
        after = agent.activity(now)
        presence_check(current=before, target=after, actor=actor)
        if fields:
            agent.save(update_fields=fields)
            agent_changed_later(agent.pk)
        if PRESENCE_FIELDS.intersection(fields):
            presence_record(
                agent_id=agent.pk,
                activity=after,
                reason=agent.away_reason if after == Activity.AWAY else reason,
                at=min(at or now, now),
                wrap_up_until=wrap_up_until,
            )
    return agent


# Presence the agent chooses


def agent_set_status(*, agent_id: int, status: str, reason: str = "", actor: Actor) -> Agent:
    """Offline, available or away, as the agent or a supervisor chose.

    Away takes a reason: one of the active AwayReason codes (AwayReasonError otherwise).
    Offline may say why in a few words, kept in the presence history.
    """
    if status not in Agent.Status.values:
        raise PresenceError(
            f"Unknown status {status!r}; use one of {', '.join(Agent.Status.values)}."
        )
    if status == Agent.Status.AWAY:
        away_reason_check(reason)

    def change(agent: Agent, now: datetime) -> list[str]:
        if status == Agent.Status.AVAILABLE:
            agent.missed_offers_in_a_row = 0
            if agent.status != Agent.Status.AVAILABLE:
                agent.idle_since = now  # a new idle period starts now
        agent.status = status
        agent.away_reason = reason if status == Agent.Status.AWAY else ""
        agent.status_changed_at = now
        return [
            "status",
            "away_reason",
            "status_changed_at",
            "missed_offers_in_a_row",
            "idle_since",
        ]

    offline_reason = reason if status == Agent.Status.OFFLINE else ""
    agent = agent_move(agent_id=agent_id, actor=actor, change=change, reason=offline_reason)
    if agent is None:
        raise PresenceError("No such agent.")
    return agent


def agent_wrap_up_end(*, agent_id: int, actor: Actor = Actor.AGENT) -> Agent | None:
    """End the agent's wrap-up now ("Ready now"): their idle time starts now."""

    def change(agent: Agent, now: datetime) -> list[str]:
        if agent.wrap_up_until is None or agent.wrap_up_until <= now:
            return []
        agent.wrap_up_until = agent.idle_since = now
        return ["wrap_up_until", "idle_since"]

    return agent_move(agent_id=agent_id, actor=actor, change=change)


def agent_wrap_up_extend(*, agent_id: int, until: datetime) -> Agent | None:
    """Move the end of the agent's running wrap-up later, to `until` (workspace decides how
    far and how often)."""

    def change(agent: Agent, now: datetime) -> list[str]:
        if agent.wrap_up_until is None or agent.wrap_up_until <= now or until <= now:
            return []
        agent.wrap_up_until = agent.idle_since = until
        return ["wrap_up_until", "idle_since"]

    return agent_move(agent_id=agent_id, actor=Actor.AGENT, change=change)


def agent_wrap_up_clear(*, agent_id: int, now: datetime) -> Agent | None:
    """Forget a wrap-up that ran out by `now` (the reaper); the idle time it set stays."""

    def change(agent: Agent, _now: datetime) -> list[str]:
        if agent.wrap_up_until is None or agent.wrap_up_until > now:
            return []
        agent.wrap_up_until = None
        return ["wrap_up_until"]

    return agent_move(agent_id=agent_id, actor=Actor.REAPER, change=change)


def agents_wrap_up_ended(*, now: datetime) -> list[int]:
    """The available agents whose wrap-up time has run out (the reaper ends them)."""
    return list(
        Agent.objects.filter(
            status=Agent.Status.AVAILABLE, wrap_up_until__isnull=False, wrap_up_until__lte=now
        ).values_list("pk", flat=True)
    )


# Capacity slots


def agent_slot_claim(*, agent_id: int, channel: str, now: datetime) -> bool:
    """Take one slot of the agent's capacity for an offer, if they are still available and
    free. The one write that skips agent_move (see the module's docstring); its first slot
    makes the agent busy, which it records in their presence history as agent_move would.
    Runs in the caller's transaction (the claim's row lock covers the record)."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    row = first_row(CLAIM_SLOT[channel_kind(channel)], {"agent": agent_id, "now": stamp})
    if row is None:
        return False
    _, load, wrap_up_until = row
    if load == 1:  # the first slot: the agent was not busy before
        presence_record(
            agent_id=agent_id,
            activity=Activity.BUSY,
            reason="",
            at=now,
            wrap_up_until=db_datetime(wrap_up_until),
        )
    return True


def db_datetime(value: datetime | str | None) -> datetime | None:
    """A datetime column read by raw SQL (SQLite gives a naive datetime or text, in UTC)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def agent_slot_give_back(
    *,
    agent_id: int | None,
    channel: str,
    missed: bool = False,
    wrap_up_seconds: int | None = None,
    finished_at: datetime | None = None,
    talk_seconds: int = 0,
    actor: Actor = Actor.ENGINE,
) -> Agent | None:
    """Give back a slot the agent held: an offer that ended, or a contact that did.

    `missed`: the agent let an offer (or their phone) go unanswered; after
    ROUTING_MISSED_OFFERS_BEFORE_AWAY in a row they are set away ("missed").
    `wrap_up_seconds`: the contact was handled; wrap-up runs from when it finished
    (`finished_at`, default now; 0: none), and its `talk_seconds` count towards today's
    talk time.
    """
    if agent_id is None:
        return None  # nobody held it
    field = LOAD_FIELD[channel_kind(channel)]

    def change(agent: Agent, now: datetime) -> list[str]:
        setattr(agent, field, max(getattr(agent, field) - 1, 0))
        fields = [field]
        if missed:
            agent.missed_offers_in_a_row += 1
            fields.append("missed_offers_in_a_row")
            if (
                agent.status == Agent.Status.AVAILABLE
                and agent.missed_offers_in_a_row >= settings.ROUTING_MISSED_OFFERS_BEFORE_AWAY
            ):
                agent.status, agent.away_reason, agent.status_changed_at = "away", "missed", now
                fields += ["status", "away_reason", "status_changed_at"]
        if wrap_up_seconds is not None:
            agent.wrap_up_until = (finished_at or now) + timedelta(seconds=wrap_up_seconds)
            agent.idle_since = agent.wrap_up_until
            counters_roll(agent, now)
            agent.talk_seconds_today += talk_seconds
            fields += ["wrap_up_until", "idle_since", *COUNTER_FIELDS]
        return fields

    return agent_move(agent_id=agent_id, actor=actor, change=change, at=finished_at)


# Today's counters (the fewest-contacts and least-talk-time strategies, the dashboard)

COUNTER_FIELDS = ["counters_date", "contacts_today", "talk_seconds_today"]


def counters_roll(agent: Agent, now: datetime) -> None:
    today = timezone.localdate(now)
    if agent.counters_date != today:
        agent.counters_date, agent.contacts_today, agent.talk_seconds_today = today, 0, 0


def agent_count_accepted(*, agent_id: int) -> Agent | None:
    """The agent accepted an offer: one more contact today, and no offer missed in a row."""

    def change(agent: Agent, now: datetime) -> list[str]:
        counters_roll(agent, now)
        agent.contacts_today += 1
        agent.missed_offers_in_a_row = 0
        return [*COUNTER_FIELDS, "missed_offers_in_a_row"]

    return agent_move(agent_id=agent_id, actor=Actor.ENGINE, change=change)
