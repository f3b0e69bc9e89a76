"""The two matching queries (the best agent for a task, the best task for an agent) and
the claim that turns a match into an offer.

Eligibility is relational division: an agent may take a task when, for at
least one of the task's skill groups, there is no skill in the group that
the agent lacks at the required proficiency. Capacity and presence are
checked in the same query; `offer_claim` then claims the rows with conditional
UPDATEs, so a stale read can never over-book an agent or assign a task twice.

On PostgreSQL the picked row is locked with FOR UPDATE SKIP LOCKED: matchers
running at the same time skip each other's rows instead of waiting, so they
neither block nor deadlock.
"""

from datetime import date, datetime

from django.db import connection

from agents.services import (
    AGENT_IS_FREE,
    AGENT_IS_READY,
    VOICEMAIL,
    agent_slot_claim,
    agent_slot_give_back,
    channel_kind,
)
from callcentre.db import columns, first_id, first_row, instance_from_row, loaded_fields
from routing.models import Offer, Queue, Strategy, Task

# The agent lacks nothing in some skill group of task %(task)s.
AGENT_IS_ELIGIBLE = """
    EXISTS (
        SELECT 1 FROM routing_taskskillgroup g
        WHERE g.task_id = {task}
          AND NOT EXISTS (
              SELECT 1 FROM routing_taskskill ts
              WHERE ts.group_id = g.id
                AND NOT EXISTS (
                    SELECT 1 FROM agents_agentskill s
                    WHERE s.agent_id = {agent}
                      AND s.skill_id = ts.skill_id
                      AND s.proficiency >= ts.min_proficiency
                )
          )
    )
"""

# An agent who just turned this task down is not asked again straight away.
AGENT_DID_NOT_DECLINE = f"""
    NOT EXISTS (
        SELECT 1 FROM routing_offer o
        WHERE o.task_id = %(task)s AND o.agent_id = a.id
          AND o.state IN ('{Offer.State.REJECTED}', '{Offer.State.TIMED_OUT}')
          AND o.responded_at > %(decline_cutoff)s
    )
"""

SKILL_SCORE = """
    (SELECT COALESCE(SUM(s.proficiency), 0)
     FROM agents_agentskill s
     JOIN routing_taskskill ts ON ts.skill_id = s.skill_id
     JOIN routing_taskskillgroup g ON g.id = ts.group_id
     WHERE g.task_id = %(task)s AND s.agent_id = a.id)
"""

# With its zone written out, so that it equals the constant of the index
# agent_available_idle_order in any session TimeZone (the planner then walks the index).
EPOCH = "'1970-01-01 00:00:00+00:00'"
LONGEST_IDLE = f"COALESCE(a.idle_since, {EPOCH}) ASC"
STRATEGY_ORDER: dict[str, str] = {
    Strategy.LONGEST_IDLE: LONGEST_IDLE,
    Strategy.MOST_SKILLED: f"{SKILL_SCORE} DESC, {LONGEST_IDLE}",
    Strategy.ROUND_ROBIN: f"COALESCE(a.last_offered_at, {EPOCH}) ASC",
    Strategy.FEWEST_CONTACTS: (
        "CASE WHEN a.counters_date = %(today)s THEN a.contacts_today ELSE 0 END ASC, "
        f"{LONGEST_IDLE}"
    ),
    Strategy.LEAST_TALK_TIME: (
        "CASE WHEN a.counters_date = %(today)s THEN a.talk_seconds_today ELSE 0 END ASC, "
        f"{LONGEST_IDLE}"
    ),
    # Pseudo-random but repeatable for the same task: ties never depend on luck.
    Strategy.RANDOM: "(a.id * 2654435761 + CAST(%(task)s AS BIGINT) * 40503) %% 1000003 ASC",
}


def lock_clause() -> str:
    return " FOR UPDATE OF a SKIP LOCKED" if connection.vendor == "postgresql" else ""


def task_lock_clause() -> str:
    return " FOR UPDATE OF t SKIP LOCKED" if connection.vendor == "postgresql" else ""


TASK_FIELDS = loaded_fields(Task, {"id", "channel", "conversation_id", "queue_id"})
QUEUE_FIELDS = loaded_fields(Queue, {"id", "name", "strategy", "offer_timeout_seconds"})


def task_lock_for_routing(*, task_id: int) -> Task | None:
    """The waiting task, locked (skipped when another matcher holds it), with its queue.

    One prepared statement reads what a decision needs; the instances defer their other
    fields, which load when read. (The ORM's select_for_update with select_related took
    longer to build than to run.)
    """
    sql = f"""
        SELECT {columns(Task, TASK_FIELDS, alias="t")}, {columns(Queue, QUEUE_FIELDS, alias="q")}
        FROM routing_task t JOIN routing_queue q ON q.id = t.queue_id
        WHERE t.id = %(task)s AND t.state = '{Task.State.QUEUED}'{task_lock_clause()}
    """
    row = first_row(sql, {"task": task_id})
    if row is None:
        return None
    task = instance_from_row(Task, TASK_FIELDS, row[: len(TASK_FIELDS)])
    task.queue = instance_from_row(Queue, QUEUE_FIELDS, row[len(TASK_FIELDS) :])
    return task


def pick_agent_for_task(
    *,
    task: Task,
    strategy: str,
    now: datetime,
    today: date,
    decline_cutoff: datetime,
    lock: bool = True,
) -> int | None:
    """The id of the best free, eligible agent for the task, locked when `lock` is set."""
    sql = f"""
        SELECT a.id FROM agents_agent a
        WHERE {AGENT_IS_READY}
          AND {AGENT_IS_FREE[channel_kind(task.channel)]}
          AND {AGENT_IS_ELIGIBLE.format(task="%(task)s", agent="a.id")}
          AND {AGENT_DID_NOT_DECLINE}
        ORDER BY {STRATEGY_ORDER[strategy]}, a.id ASC
        LIMIT 1{lock_clause() if lock else ""}
    """
    params = {"task": task.pk, "now": now, "today": today, "decline_cutoff": decline_cutoff}
    return first_id(sql, params)


# The tasks each kind of capacity takes (agents.services.channel_kind).
KIND_CONDITION = {
    "voice": "t.channel = 'voice'",
    VOICEMAIL: "t.channel = 'voicemail'",
    "chat": "t.channel NOT IN ('voice', 'voicemail')",
}


def channel_filter(kinds: frozenset[str]) -> str:
    """The SQL condition on `t` for the tasks an agent with these free kinds may take."""
    if kinds >= KIND_CONDITION.keys():
        return ""
    return "AND (" + " OR ".join(KIND_CONDITION[kind] for kind in sorted(kinds)) + ")"


def pick_task_for_agent(
    *, agent_id: int, kinds: frozenset[str], decline_cutoff: datetime
) -> int | None:
    """The id of the most urgent waiting task the agent may take: priority, then FIFO.

    `kinds` says which capacity the agent has free: some of "voice", "chat", "voicemail".
    """
    # Eligibility as a scalar (SELECT EXISTS ...): PostgreSQL cannot turn it into a join, so it
    # stays a per-task check on the walk of task_waiting_order and stops at the first task the
    # agent may take, whatever the statistics say (as a semi-join the planner, when it expects
    # few eligible tasks, hashed every skill row and sorted every eligible task: 6-10 ms).
    sql = f"""
        SELECT t.id FROM routing_task t
        WHERE t.state = 'queued' {channel_filter(kinds)}
          AND (SELECT {AGENT_IS_ELIGIBLE.format(task="t.id", agent="%(agent)s")})
          AND NOT EXISTS (
              SELECT 1 FROM routing_offer o
              WHERE o.task_id = t.id AND o.agent_id = %(agent)s
                AND o.state IN ('{Offer.State.REJECTED}', '{Offer.State.TIMED_OUT}')
                AND o.responded_at > %(decline_cutoff)s
          )
        ORDER BY t.priority DESC, t.queued_at ASC, t.id ASC
        LIMIT 1{task_lock_clause()}
    """
    params = {"agent": agent_id, "decline_cutoff": decline_cutoff}
    return first_id(sql, params)


# The claims. Plain SQL that PostgreSQL and SQLite both run, prepared on PostgreSQL: a
# decision makes them every time, and Django building the statements cost more than
# PostgreSQL running them (bench/routing.py, "where task_route spends its time"). The
# agent's slot is claimed by agents.services.agent_slot_claim, the same way.
CLAIM_TASK = f"""
    UPDATE routing_task SET state = '{Task.State.OFFERED}', offered_at = %(now)s
    WHERE id = %(task)s AND state = '{Task.State.QUEUED}'
    RETURNING id
"""
INSERT_OFFER = f"""
    INSERT INTO routing_offer (task_id, agent_id, state, created_at, expires_at)
    VALUES (%(task)s, %(agent)s, '{Offer.State.PENDING}', %(now)s, %(expires)s)
    RETURNING id
"""


def offer_claim(
    *, task_id: int, agent_id: int, channel: str, now: datetime, expires_at: datetime
) -> int | None:
    """Take a slot of the agent's capacity and the waiting task, and record the pending offer.

    The new offer's id, or None when the agent or the task moved since they were picked; the
    agent's slot is given back then. Runs inside the caller's transaction.
    """
    if not agent_slot_claim(agent_id=agent_id, channel=channel, now=now):
        return None
    stamp = connection.ops.adapt_datetimefield_value(now)
    if first_id(CLAIM_TASK, {"task": task_id, "now": stamp}) is None:
        agent_slot_give_back(agent_id=agent_id, channel=channel)
        return None
    expires = connection.ops.adapt_datetimefield_value(expires_at)
    return first_id(
        INSERT_OFFER, {"task": task_id, "agent": agent_id, "now": stamp, "expires": expires}
    )


def count_agents_for_task(*, task: Task, now: datetime, free_only: bool) -> int:
    """Agents with the skills for the task; with `free_only`, those who could take it now."""
    conditions = AGENT_IS_ELIGIBLE.format(task="%(task)s", agent="a.id")
    if free_only:
        conditions += f" AND {AGENT_IS_READY} AND {AGENT_IS_FREE[channel_kind(task.channel)]}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM agents_agent a WHERE {conditions}", {"task": task.pk, "now": now}
        )
        return cursor.fetchone()[0]
