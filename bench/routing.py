#!/usr/bin/env python
"""Routing benchmark: one matching decision next to a bare SKIP LOCKED pick, on PostgreSQL.

Usage: .venv/bin/python bench/routing.py [--agents 2000] [--tasks 5000] [--queues 20]
       [--decisions 2000] [--matchers 8] [--seconds 10] [--agent-decisions 300] [--history 10]

On a fresh database (callcentre_bench_routing, dropped and recreated each run, then migrated)
it bulk-loads a centre: --queues queues needing 1-3 of 30 skills, --agents available agents
with skills (proficiency 1-10), varied idle_since, voice capacity 1 and chat capacity 3, some
already carrying assigned work, and --tasks queued tasks over the queues and channels with
their skill groups (a few with a second, escalated group). Then:

  0. plans: EXPLAIN (ANALYZE, BUFFERS) of the two matching queries and which relations they
     read by index and which sequentially.
  1. latency: --decisions calls of routing.engine.task_route on distinct waiting tasks,
     each right after a bare `SELECT ... FOR UPDATE SKIP LOCKED` pick of the longest-idle agent
     in a transaction of its own: p50/p99 of both, the ratio, the CPU each used (in Python and
     in the PostgreSQL backend) and where a decision spends its time. Then --agent-decisions
     calls of routing.engine.agent_route for agents with free capacity, next to a bare task pick.
  2. throughput: --matchers processes calling task_route on distinct tasks for --seconds;
     decisions/s, and SQL checks after each round that no task has two live offers, no agent
     carries more than their capacity, and the load counters equal the rows they count.
  3. when the agent pick reads every free agent to return one, the index that lets it stop at
     the first eligible agent is created ad hoc (through django.db.models.Index, as a migration
     would) and 0-2 are measured again.
  4. --history completed copies of every waiting task (with their skill groups) are added, as
     the tables hold in production where tasks are never deleted, and the plans and
     agent_route are measured again: the task pick changes plan with the table sizes.

Between batches the data is put back (offers deleted, tasks re-queued, loads recomputed from
the assigned tasks), so decisions keep finding agents. Wall times depend on what else the
machine runs: each phase prints the CPU share other processes took meanwhile, and the CPU per
decision, which depends much less on them. A measurement, not a test: it exits 0 whatever
the figures, 2 when the setup failed. docs/benchmarks.md ("Routing") explains the figures.
"""

import argparse
import fcntl
import math
import multiprocessing
import multiprocessing.dummy
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# Run as a script, Python puts bench/ first on the path; the project root is what we import from.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcentre_bench_routing"
# The channel layer production uses, for the offer's after-commit publish. Nothing is written
# to it when no socket listens; the database number only keeps it apart from the rest.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
# Benchmarks share the cores: a run waits for another benchmark's run (webhooks or routing).
LOCK_PATHS = (
    Path(tempfile.gettempdir()) / "callcentre-bench-webhooks.lock",
    Path(tempfile.gettempdir()) / "callcentre-bench-routing.lock",
)
LOCK_WAIT_SECONDS = 900

SKILLS = 30
BATCH_SIZE = 2_000
# Decisions between two resets of the data: few enough that most agents stay free.
LATENCY_BATCH = 500
AGENT_ROUTE_BATCH = 250
THROUGHPUT_ROUND = 1_000
WARMUP = 50
BREAKDOWN_CALLS = 200
HISTORY_AGENT_DECISIONS = 200

GOAL_RATIO = 3.0
GOAL_P99_MS = 10.0
GOAL_DECISIONS_PER_SECOND = 500.0

BARE_AGENT_PICK = """
    SELECT id FROM agents_agent
    WHERE status = 'available' AND voice_load < voice_capacity
    ORDER BY idle_since LIMIT 1 FOR UPDATE SKIP LOCKED
"""
BARE_TASK_PICK = """
    SELECT id FROM routing_task
    WHERE state = 'queued'
    ORDER BY priority DESC, queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
"""
ROUTING_TABLES = ("routing_offer", "routing_task", "agents_agent")
RESET_SQL = (
    "DELETE FROM routing_offer",
    "UPDATE routing_task SET state = 'queued', offered_at = NULL WHERE state = 'offered'",
    """
    UPDATE agents_agent a
    SET voice_load = (SELECT count(*) FROM routing_task t
                      WHERE t.agent_id = a.id AND t.state = 'assigned' AND t.channel = 'voice'),
        chat_load = (SELECT count(*) FROM routing_task t
                     WHERE t.agent_id = a.id AND t.state = 'assigned' AND t.channel <> 'voice'),
        last_offered_at = NULL
    WHERE a.last_offered_at IS NOT NULL
    """,
)


class SetupError(Exception):
    """The benchmark could not be set up; nothing was measured."""


def say(message: str = "") -> None:
    print(message, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=5000, help="waiting (queued) tasks")
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=2000, help="timed task_route calls")
    parser.add_argument(
        "--agent-decisions", type=int, default=300, help="timed agent_route calls (0: skip)"
    )
    parser.add_argument("--matchers", type=int, default=8, help="concurrent matchers")
    parser.add_argument("--seconds", type=float, default=10.0, help="throughput phase length")
    parser.add_argument(
        "--mode",
        choices=("processes", "threads"),
        default="processes",
        help="matchers as processes (default: they do not share a GIL) or as threads",
    )
    parser.add_argument(
        "--no-index-trial", action="store_true", help="skip phase 3 (the ad hoc index)"
    )
    parser.add_argument(
        "--history",
        type=int,
        default=10,
        help="phase 4: completed copies of each waiting task to add (0: skip)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help="channel layer for the offer publish; '' for the in-memory layer",
    )
    args = parser.parse_args()
    if min(args.agents, args.tasks, args.queues, args.decisions, args.matchers) < 1:
        parser.error("--agents, --tasks, --queues, --decisions and --matchers must be >= 1")
    if args.seconds <= 0 or args.agent_decisions < 0 or args.history < 0:
        parser.error("--seconds must be > 0, --agent-decisions and --history >= 0")
    return args


# Setup -------------------------------------------------------------------------------------


def run_lock() -> list[IO]:
    handles = []
    for path in LOCK_PATHS:
        handle = open(path, "a")  # held (and closed) by the process until it exits
        started = time.monotonic()
        deadline = started + LOCK_WAIT_SECONDS
        waiting = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if waiting:
                    say(f"waited {time.monotonic() - started:.0f} s for {path}")
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SetupError(f"another benchmark still holds {path}") from None
                if not waiting:
                    say(f"another benchmark run holds {path}: waiting for it to finish")
                    waiting = True
                time.sleep(1)
        handles.append(handle)
    return handles


def database_recreate(database_url: str) -> str:
    import psycopg
    from psycopg import sql

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    if not name.startswith("callcentre_bench"):
        raise SetupError(f"refusing to drop {name!r}: the name must start with callcentre_bench")
    server_url = database_url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise SetupError(f"could not recreate database {name}: {error}") from error
    return name


def configure_django(args: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "callcentre.settings"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ["DEBUG"] = "0"  # production settings: no query log kept in memory
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()


def migrate() -> None:
    from io import StringIO

    from django.core.management import call_command

    output = StringIO()
    try:
        call_command("migrate", interactive=False, verbosity=1, stdout=output)
    except Exception as error:
        raise SetupError(f"migrate failed: {error}\n{output.getvalue()[-2000:]}") from error


@dataclass(kw_only=True)
class Centre:
    agent_ids: list[int]
    waiting_task_ids: list[int]
    busy_agents: int
    assigned_tasks: int
    escalated_tasks: int
    agent_skills: int
    eligible_per_queue: list[int]


def centre_load(*, agents: int, tasks: int, queues: int, seed: int) -> Centre:
    """Bulk-create the centre; every row is what the services would have written."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from agents.models import Agent, AgentSkill
    from conversations.models import Conversation
    from routing.models import Queue, QueueSkill, Skill, Task, TaskSkill, TaskSkillGroup

    randomness = random.Random(seed)
    now = timezone.now()
    user_model = get_user_model()
    with transaction.atomic():
        skills = Skill.objects.bulk_create(
            [Skill(name=f"skill-{number:02d}") for number in range(SKILLS)]
        )
        queue_rows = Queue.objects.bulk_create(
            [
                Queue(name=f"Queue {number:02d}", priority=randomness.choice([0, 0, 0, 5, 10]))
                for number in range(queues)
            ]
        )
        requirements: dict[int, list[tuple[int, int]]] = {}
        for queue in queue_rows:
            chosen = randomness.sample(skills, randomness.choice([1, 2, 2, 3]))
            requirements[queue.pk] = [(skill.pk, randomness.randint(1, 5)) for skill in chosen]
        QueueSkill.objects.bulk_create(
            [
                QueueSkill(queue_id=queue_id, skill_id=skill_id, min_proficiency=minimum)
                for queue_id, needed in requirements.items()
                for skill_id, minimum in needed
            ]
        )

        users = user_model.objects.bulk_create(
            [
                user_model(username=f"bench-agent-{number}", password="!")
                for number in range(agents)
            ],
            batch_size=BATCH_SIZE,
        )
        agent_rows = Agent.objects.bulk_create(
            [
                Agent(
                    user=user,
                    display_name=f"Agent {number:05d}",
                    vonage_user=f"bench-agent-{number}",
                    status=Agent.Status.AVAILABLE,
                    status_changed_at=now - timedelta(hours=8),
                    voice_capacity=1,
                    chat_capacity=3,
                    mixes_channels=randomness.random() < 0.1,
                    idle_since=now - timedelta(seconds=randomness.uniform(1, 4 * 3600)),
                    # A few are in wrap-up for the whole run.
                    wrap_up_until=now + timedelta(hours=1) if randomness.random() < 0.03 else None,
                )
                for number, user in enumerate(users)
            ],
            batch_size=BATCH_SIZE,
        )
        # Each agent works 2-4 home queues (all of their skills) and knows 1-3 skills more.
        known_by_agent: dict[int, dict[int, int]] = {}
        for agent in agent_rows:
            known: dict[int, int] = {}
            for queue in randomness.sample(queue_rows, min(queues, randomness.randint(2, 4))):
                for skill_id, _ in requirements[queue.pk]:
                    known[skill_id] = randomness.randint(1, 10)
            for skill in randomness.sample(skills, randomness.randint(1, 3)):
                known.setdefault(skill.pk, randomness.randint(1, 10))
            known_by_agent[agent.pk] = known
        agent_skills = [
            AgentSkill(agent_id=agent_id, skill_id=skill_id, proficiency=proficiency)
            for agent_id, known in known_by_agent.items()
            for skill_id, proficiency in known.items()
        ]
        AgentSkill.objects.bulk_create(agent_skills, batch_size=BATCH_SIZE)

        def qualifies(agent_id: int, queue_id: int) -> bool:
            known = known_by_agent[agent_id]
            return all(known.get(skill, 0) >= minimum for skill, minimum in requirements[queue_id])

        # Waiting tasks: some queues busier than others, half of them calls.
        queue_weights = [1 / math.sqrt(number + 1) for number in range(queues)]
        channels = ["voice", "voice", "voice", "voice", "webchat", "webchat", "whatsapp", "sms"]
        waiting = []
        for _ in range(tasks):
            queue = randomness.choices(queue_rows, weights=queue_weights)[0]
            waiting.append(
                (
                    queue,
                    randomness.choice(channels),
                    queue.priority + randomness.choice([0, 0, 0, 5]),
                    now - timedelta(seconds=randomness.uniform(1, 1800)),
                )
            )
        # The work some agents already carry: assigned tasks, counted in their loads.
        carried = []
        for agent in agent_rows:
            if randomness.random() >= 0.15:
                continue
            home = [queue for queue in queue_rows if qualifies(agent.pk, queue.pk)]
            if not home:
                continue
            if randomness.random() < 0.4:
                carried.append((agent, randomness.choice(home), "voice"))
                agent.voice_load = 1
            else:
                agent.chat_load = randomness.randint(1, 3)
                carried += [(agent, randomness.choice(home), "webchat")] * agent.chat_load
        Agent.objects.bulk_update(
            [agent for agent in agent_rows if agent.voice_load or agent.chat_load],
            ["voice_load", "chat_load"],
            batch_size=BATCH_SIZE,
        )

        conversations = Conversation.objects.bulk_create(
            [
                Conversation(channel=channel, from_address="447700900123", started_at=queued_at)
                for _, channel, _, queued_at in waiting
            ]
            + [
                Conversation(channel=channel, from_address="447700900123", started_at=now)
                for _, _, channel in carried
            ],
            batch_size=BATCH_SIZE,
        )
        waiting_rows = [
            Task(
                conversation=conversation,
                queue=queue,
                channel=channel,
                priority=priority,
                state=Task.State.QUEUED,
                queued_at=queued_at,
            )
            for conversation, (queue, channel, priority, queued_at) in zip(
                conversations, waiting, strict=False
            )
        ]
        carried_rows = [
            Task(
                conversation=conversation,
                queue=queue,
                channel=channel,
                priority=queue.priority,
                state=Task.State.ASSIGNED,
                agent=agent,
                queued_at=now - timedelta(minutes=5),
                offered_at=now - timedelta(minutes=4),
                assigned_at=now - timedelta(minutes=4),
            )
            for conversation, (agent, queue, channel) in zip(
                conversations[len(waiting) :], carried, strict=True
            )
        ]
        task_rows = Task.objects.bulk_create(waiting_rows + carried_rows, batch_size=BATCH_SIZE)

        # One skill group from the task's queue (as queueing.task_skill_group_add writes it);
        # an escalated few have a second group from another queue (EscalationStep ADD_QUEUE).
        groups = [TaskSkillGroup(task=task, source_queue=task.queue) for task in task_rows]
        escalated = 0
        for task in task_rows[:tasks]:
            if queues > 1 and randomness.random() < 0.05:
                other = randomness.choice([queue for queue in queue_rows if queue != task.queue])
                groups.append(TaskSkillGroup(task=task, source_queue=other))
                escalated += 1
        groups = TaskSkillGroup.objects.bulk_create(groups, batch_size=BATCH_SIZE)
        TaskSkill.objects.bulk_create(
            [
                TaskSkill(group=group, skill_id=skill_id, min_proficiency=minimum)
                for group in groups
                for skill_id, minimum in requirements[group.source_queue_id]
            ],
            batch_size=BATCH_SIZE,
        )

    return Centre(
        agent_ids=[agent.pk for agent in agent_rows],
        waiting_task_ids=[task.pk for task in task_rows[:tasks]],
        busy_agents=len({agent.pk for agent, _, _ in carried}),
        assigned_tasks=len(carried),
        escalated_tasks=escalated,
        agent_skills=len(agent_skills),
        eligible_per_queue=[
            sum(qualifies(agent.pk, queue.pk) for agent in agent_rows) for queue in queue_rows
        ],
    )


def vacuum(*tables: str, analyze: bool = False) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {'(ANALYZE) ' if analyze else ''}{', '.join(tables)}")


def centre_reset() -> None:
    """Back to the loaded state: no offers, every waiting task queued, loads as loaded."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in RESET_SQL:
            cursor.execute(statement)
    vacuum(*ROUTING_TABLES)  # each batch starts without the last one's dead rows


# Measuring ---------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def summary(values_ms: list[float]) -> str:
    if not values_ms:
        return "no samples"
    return (
        f"p50 {percentile(values_ms, 0.5):7.3f} ms  p90 {percentile(values_ms, 0.9):7.3f} ms"
        f"  p99 {percentile(values_ms, 0.99):7.3f} ms  max {max(values_ms):8.3f} ms"
        f"  mean {mean(values_ms):7.3f} ms  n={len(values_ms)}"
    )


def milliseconds(nanoseconds: int) -> float:
    return nanoseconds / 1e6


def process_table() -> dict[int, tuple[int, str, int, float]]:
    """pid -> (parent pid, name, start tick, CPU seconds) for every process we can read."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                text = handle.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        table[int(entry.name)] = (
            int(fields[1]),
            name,
            int(fields[19]),
            (int(fields[11]) + int(fields[12])) / ticks,
        )
    return table


def database_backends() -> tuple[set[int], set[int]]:
    """PostgreSQL backend pids: of this database but not ours, and of other databases."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, datname = current_database() FROM pg_stat_activity"
            " WHERE datname IS NOT NULL AND pid <> pg_backend_pid()"
        )
        rows = cursor.fetchall()
    return {pid for pid, same in rows if same}, {pid for pid, same in rows if not same}


class CpuMeter:
    """CPU used during a phase by our children and their backends, and by everybody else.

    Ours: this process and its children, PostgreSQL except the backends of other databases,
    and Redis. Processes that start and end inside the phase are not seen: a lower bound.
    """

    def __init__(self, *, count_this_process: bool = False) -> None:
        self.before = process_table()
        self.started = time.monotonic()
        # Matchers that are threads run in this process: its CPU is theirs (and the resets').
        self.count_this_process = count_this_process

    def read(self) -> dict[str, Any]:
        after = process_table()
        elapsed = time.monotonic() - self.started
        ours_in_database, other_backends = database_backends()
        children = defaultdict(list)
        for pid, (parent, _, _, _) in after.items():
            children[parent].append(pid)
        ours, stack = set(), [os.getpid()]
        while stack:
            pid = stack.pop()
            ours.add(pid)
            stack.extend(children[pid])
        others: dict[str, float] = defaultdict(float)
        workers = backends = 0.0
        for pid, (_, name, start, seconds) in after.items():
            previous = self.before.get(pid)
            used = seconds - (previous[3] if previous is not None and previous[2] == start else 0)
            if pid in ours:
                workers += used if pid != os.getpid() or self.count_this_process else 0.0
            elif pid in ours_in_database:
                backends += used
            elif name == "redis-server" or (name == "postgres" and pid not in other_backends):
                continue
            else:
                others[name] += used
        capacity = elapsed * len(os.sched_getaffinity(0))
        top = sorted(others.items(), key=lambda item: -item[1])[:3]
        return {
            "other_share": sum(others.values()) / capacity,
            "other_top": ", ".join(
                f"{name} {seconds / capacity:.0%}" for name, seconds in top if seconds > 0
            )
            or "-",
            "children_seconds": workers,
            "their_backends_seconds": backends,
        }


def other_cpu_line(reading: dict[str, Any]) -> str:
    return (
        f"other processes took {reading['other_share']:.0%} of the machine meanwhile "
        f"({reading['other_top']}); load average {os.getloadavg()[0]:.1f}"
    )


class BackendCpu:
    """CPU time of this connection's PostgreSQL backend, in ns (same machine, /proc readable)."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
        self.readable = self.path.exists()

    def nanoseconds(self) -> int:
        return int(self.path.read_text().split()[0]) if self.readable else 0


class PublishTimer:
    """Times the after-commit websocket pushes (callcentre.realtime.publish, which the
    routing engine and the screens' helpers call), in this process only."""

    def __init__(self) -> None:
        from callcentre import realtime
        from routing import engine

        self.modules = [realtime, engine]
        self.original = realtime.publish
        self.nanoseconds = 0

    def __enter__(self) -> "PublishTimer":
        original = self.original

        def timed_publish(*args: Any, **kwargs: Any) -> None:
            started = time.perf_counter_ns()
            try:
                original(*args, **kwargs)
            finally:
                self.nanoseconds += time.perf_counter_ns() - started

        for module in self.modules:
            module.publish = timed_publish
        return self

    def __exit__(self, *exc: object) -> None:
        for module in self.modules:
            module.publish = self.original

    def take(self) -> int:
        spent, self.nanoseconds = self.nanoseconds, 0
        return spent


def redis_connections_received(redis_url: str) -> int | None:
    """Connections Redis has accepted since it started (None without Redis)."""
    if not redis_url:
        return None
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=1)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


def bare_pick(statement: str) -> int | None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
        row = cursor.fetchone()
    return row[0] if row else None


@dataclass(kw_only=True)
class Timed:
    """Wall time and CPU (in Python, in the PostgreSQL backend) of repeated calls."""

    wall_ms: list[float] = field(default_factory=list)
    python_cpu_ms: list[float] = field(default_factory=list)
    database_cpu_ms: list[float] = field(default_factory=list)

    def cpu_line(self) -> str:
        return (
            f"CPU per call: {mean(self.python_cpu_ms):.3f} ms Python (all threads), "
            f"{mean(self.database_cpu_ms):.3f} ms PostgreSQL backend"
        )


def helper_threads_settle() -> None:
    """Wait for the threads a call left behind to exit.

    publish() hands a networked channel layer's message to the process's publisher thread
    (the in-memory layer runs async_to_sync, which starts a thread with an event loop per
    call). That work happens after the call returns; its CPU belongs to the call, and left
    running it would slow down (and be charged to) the next call measured.
    """
    from callcentre.realtime import publisher

    publisher.flush(1)  # the background publisher's send is part of the call's CPU
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.startswith("ThreadPool"):
            thread.join(timeout=1)


def timed_call(call: Callable[[], Any], backend: BackendCpu, into: Timed | None) -> Any:
    """Wall time of the call; CPU of the call and of the threads it left behind."""
    database_before = backend.nanoseconds()
    python_before = time.process_time_ns()
    started = time.perf_counter_ns()
    result = call()
    ended = time.perf_counter_ns()
    helper_threads_settle()
    python_after = time.process_time_ns()
    database_after = backend.nanoseconds()
    if into is not None:
        into.wall_ms.append(milliseconds(ended - started))
        into.python_cpu_ms.append(milliseconds(python_after - python_before))
        into.database_cpu_ms.append(milliseconds(database_after - database_before))
    return result


@dataclass(kw_only=True)
class LatencyResult:
    decision: Timed
    without_publish_ms: list[float]
    bare: Timed
    bare_alone: Timed
    no_agent: int
    bare_none: int
    redis_connections_per_decision: float | None
    elapsed: float
    machine: dict[str, Any]

    @property
    def ratio(self) -> float:
        return percentile(self.decision.wall_ms, 0.5) / percentile(self.bare.wall_ms, 0.5)

    @property
    def ratio_to_alone(self) -> float:
        return percentile(self.decision.wall_ms, 0.5) / percentile(self.bare_alone.wall_ms, 0.5)


def task_order(centre: Centre, seed: int) -> list[int]:
    order = list(centre.waiting_task_ids)
    random.Random(seed).shuffle(order)
    return order


def latency_phase(*, centre: Centre, decisions: int, seed: int, redis_url: str) -> LatencyResult:
    """task_route on distinct tasks, each right after a bare pick; reset every LATENCY_BATCH."""
    from routing import engine

    order = task_order(centre, seed)
    decision, bare = Timed(), Timed()
    without_publish = []
    no_agent = bare_none = 0
    meter = CpuMeter()
    started = time.monotonic()
    backend = BackendCpu()
    redis_before = None
    with PublishTimer() as publish_timer:
        for number in range(WARMUP + decisions):
            if number % LATENCY_BATCH == 0:
                centre_reset()
            if number == WARMUP:
                redis_before = redis_connections_received(redis_url)
            measured = number >= WARMUP
            task_id = order[number % len(order)]
            picked = timed_call(
                lambda: bare_pick(BARE_AGENT_PICK), backend, bare if measured else None
            )
            publish_timer.take()
            offer = timed_call(
                lambda task_id=task_id: engine.task_route(task_id=task_id),
                backend,
                decision if measured else None,
            )
            publish_ns = publish_timer.take()
            if measured:
                without_publish.append(decision.wall_ms[-1] - milliseconds(publish_ns))
                no_agent += offer is None
                bare_none += picked is None
    redis_after = redis_connections_received(redis_url)
    # The same picks in a row: a decision run just before leaves the caches (ours and the
    # backend's) colder, which makes an interleaved pick about twice as slow as this one.
    bare_alone = Timed()
    for number in range(WARMUP + decisions):
        timed_call(
            lambda: bare_pick(BARE_AGENT_PICK), backend, bare_alone if number >= WARMUP else None
        )
    return LatencyResult(
        decision=decision,
        without_publish_ms=without_publish,
        bare=bare,
        bare_alone=bare_alone,
        no_agent=no_agent,
        bare_none=bare_none,
        redis_connections_per_decision=(
            (redis_after - redis_before) / decisions if redis_before is not None else None
        ),
        elapsed=time.monotonic() - started,
        machine=meter.read(),
    )


# The first kind whose pattern matches names the statement: the picks before the locks.
STATEMENT_KINDS = (
    ("pick_agent_for_task", re.compile(r"^\s*SELECT a\.id FROM agents_agent a", re.S)),
    ("pick_task_for_agent", re.compile(r"^\s*SELECT t\.id FROM routing_task t\b", re.S)),
    (
        "lock the task (SELECT ... FOR UPDATE)",
        re.compile(r'^\s*SELECT .*FROM "?routing_task"? t?\b.*FOR UPDATE', re.S),
    ),
    (
        "lock the agent (SELECT ... FOR UPDATE)",
        re.compile(r'^SELECT .*FROM "agents_agent".*FOR UPDATE', re.S),
    ),
    # The ORM's statements quote table names; routing.matching's claims do not.
    ("claim agent capacity (UPDATE agent)", re.compile(r'^\s*UPDATE "?agents_agent\b')),
    ("claim the task (UPDATE task)", re.compile(r'^\s*UPDATE "?routing_task\b')),
    ("insert the offer", re.compile(r'^\s*INSERT INTO "?routing_offer\b')),
    ("load the task (SELECT)", re.compile(r'^SELECT .*FROM "routing_task"', re.S)),
)


class StatementTimer:
    """Wall time per kind of SQL statement, through Django's execute_wrapper."""

    def __init__(self) -> None:
        self.nanoseconds: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self.enabled = True

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.enabled:
            return execute(sql, params, many, context)
        started = time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = next(
                (name for name, pattern in STATEMENT_KINDS if pattern.search(sql)), "other SQL"
            )
            self.nanoseconds[kind] += time.perf_counter_ns() - started
            self.counts[kind] += 1


def breakdown(*, call: Callable[[int], object], ids: list[int], label: str, batch: int) -> None:
    """Where a call spends its time: each kind of statement, the publish, and the rest."""
    from django.db import connection

    statements = StatementTimer()
    total_ns = 0
    with PublishTimer() as publish_timer, connection.execute_wrapper(statements):
        for number, item in enumerate(ids):
            if number % batch == 0:
                statements.enabled = False  # the reset is not part of the call
                centre_reset()
                statements.enabled = True
            started = time.perf_counter_ns()
            call(item)
            total_ns += time.perf_counter_ns() - started
            helper_threads_settle()
        publish_ns = publish_timer.take()
    calls = len(ids)
    say(f"{label} (mean per call over {calls} calls):")
    for kind, spent in statements.nanoseconds.most_common():
        say(
            f"  {kind:<44} {milliseconds(spent) / calls:7.3f} ms"
            f"  ({statements.counts[kind] / calls:.2f} statements per call)"
        )
    rest = total_ns - sum(statements.nanoseconds.values()) - publish_ns
    say(
        f"  {'after-commit publish (channel layer)':<44} {milliseconds(publish_ns) / calls:7.3f} ms"
    )
    say(f"  {'BEGIN/COMMIT, ORM and Python':<44} {milliseconds(rest) / calls:7.3f} ms")
    say(f"  {'total':<44} {milliseconds(total_ns) / calls:7.3f} ms")


def free_agent_ids(seed: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM agents_agent WHERE status = 'available' AND wrap_up_until IS NULL"
            " AND voice_load = 0 AND chat_load = 0 ORDER BY id"
        )
        ids = [row[0] for row in cursor.fetchall()]
    random.Random(seed).shuffle(ids)
    return ids


def agent_route_phase(*, calls: int, seed: int) -> None:
    """agent_route for agents with free capacity, each after a bare pick of the next task."""
    from routing import engine

    centre_reset()
    agents = free_agent_ids(seed)
    routed, bare = Timed(), Timed()
    offers = empty = 0
    meter = CpuMeter()
    backend = BackendCpu()
    for number in range(WARMUP + calls):
        if number % AGENT_ROUTE_BATCH == 0:
            centre_reset()
        measured = number >= WARMUP
        agent_id = agents[number % len(agents)]
        timed_call(lambda: bare_pick(BARE_TASK_PICK), backend, bare if measured else None)
        made = timed_call(
            lambda agent_id=agent_id: engine.agent_route(agent_id=agent_id),
            backend,
            routed if measured else None,
        )
        if measured:
            offers += len(made)
            empty += not made
    say(
        f"agent_route for agents with free capacity: {calls} calls made {offers} offers "
        f"({offers / calls:.2f} per call; {empty} calls offered nothing)"
    )
    say(f"  agent_route call            {summary(routed.wall_ms)}")
    say(f"    {routed.cpu_line()}")
    if offers:
        say(f"  mean wall time per offer    {sum(routed.wall_ms) / offers:7.3f} ms")
    say(f"  bare SKIP LOCKED task pick  {summary(bare.wall_ms)}")
    say(f"    {bare.cpu_line()}")
    say(f"  {other_cpu_line(meter.read())}")


# Throughput --------------------------------------------------------------------------------


@dataclass(kw_only=True)
class WorkerReport:
    offers: int = 0
    no_agent: int = 0
    errors: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)


def matcher_loop(*, shared: dict[str, Any], order: list[int], results: Any, threads: bool) -> None:
    """One matcher: task_route on the next task until the round's budget or time runs out."""
    from channels import layers
    from django.db import connections

    from routing import engine

    if not threads:
        layers.channel_layers.backends = {}  # the parent's layer holds the parent's sockets
    report = WorkerReport()
    try:
        while True:
            shared["start"].wait()
            if shared["stop"].value:
                break
            while True:
                with shared["lock"]:
                    index = shared["next"].value
                    shared["next"].value = index + 1
                if index >= shared["limit"].value or time.monotonic() >= shared["deadline"].value:
                    break
                started = time.perf_counter_ns()
                try:
                    offer = engine.task_route(task_id=order[index % len(order)])
                except Exception as error:  # counted and shown: the measurement goes on
                    first_line = (str(error).splitlines() or [""])[0][:120]
                    report.errors[f"{type(error).__name__}: {first_line}"] += 1
                    offer = False
                report.latencies_ms.append(milliseconds(time.perf_counter_ns() - started))
                if offer:
                    report.offers += 1
                elif offer is None:
                    report.no_agent += 1
            shared["end"].wait()
    finally:
        connections.close_all()
        results.put(report)


def invariants_check() -> dict[str, int]:
    from routing.selectors import routing_invariant_violations

    return routing_invariant_violations()


@dataclass(kw_only=True)
class ThroughputResult:
    mode: str
    matchers: int
    rounds: int
    measured_seconds: float
    offers: int
    no_agent: int
    errors: Counter
    latencies_ms: list[float]
    violations: Counter
    offers_checked: int
    machine: dict[str, Any]

    @property
    def decisions_per_second(self) -> float:
        return self.offers / self.measured_seconds if self.measured_seconds else 0.0


def throughput_phase(
    *, centre: Centre, matchers: int, seconds: float, mode: str, seed: int
) -> ThroughputResult:
    """Matchers in rounds of THROUGHPUT_ROUND tasks; checks, then a reset, between rounds."""
    from django.db import connection, connections

    threads = mode == "threads"
    context = multiprocessing.dummy if threads else multiprocessing.get_context("fork")
    order = task_order(centre, seed + 1)
    shared = {
        "start": context.Barrier(matchers + 1),
        "end": context.Barrier(matchers + 1),
        "lock": context.Lock(),
        "next": context.Value("q", 0),
        "limit": context.Value("q", 0),
        "deadline": context.Value("d", 0.0),
        "stop": context.Value("b", 0),
    }
    results = context.Queue()
    centre_reset()
    connections.close_all()  # a forked child must not share the parent's socket
    workers = [
        context.Process(
            target=matcher_loop,
            kwargs={"shared": shared, "order": order, "results": results, "threads": threads},
        )
        for _ in range(matchers)
    ]
    for worker in workers:
        worker.start()
    meter = CpuMeter(count_this_process=threads)
    measured = 0.0
    rounds = offers_checked = 0
    violations: Counter = Counter()
    machine: dict[str, Any] = {}
    try:
        while measured < seconds:
            shared["limit"].value = shared["next"].value + min(THROUGHPUT_ROUND, len(order))
            shared["deadline"].value = math.inf  # set once every matcher is at the start line
            shared["start"].wait(timeout=120)
            started = time.monotonic()
            shared["deadline"].value = started + (seconds - measured)
            shared["end"].wait(timeout=seconds + 120)
            measured += time.monotonic() - started
            rounds += 1
            if measured >= seconds:
                machine = meter.read()  # while the matchers' backends are still there
            for label, count in invariants_check().items():
                violations[label] += count
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM routing_offer")
                offers_checked += cursor.fetchone()[0]
            centre_reset()
        shared["stop"].value = 1
        shared["start"].wait(timeout=120)
    except Exception:
        shared["stop"].value = 1
        shared["start"].abort()
        shared["end"].abort()
        raise
    finally:
        reports = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
    errors: Counter = Counter()
    for report in reports:
        errors.update(report.errors)
    return ThroughputResult(
        mode=mode,
        matchers=matchers,
        rounds=rounds,
        measured_seconds=measured,
        offers=sum(report.offers for report in reports),
        no_agent=sum(report.no_agent for report in reports),
        errors=errors,
        latencies_ms=[latency for report in reports for latency in report.latencies_ms],
        violations=violations,
        offers_checked=offers_checked,
        machine=machine,
    )


# Plans -------------------------------------------------------------------------------------


def captured_statements(call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL a call runs, with its parameters; whatever it wrote is rolled back."""
    from django.db import connection, transaction

    captured = []

    def capture(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(capture):
            call()
        transaction.set_rollback(True)
    return captured


def agent_pick_statement(task_id: int) -> tuple[str, Any]:
    """The SQL and parameters of matching.pick_agent_for_task for the task, as run."""
    from django.utils import timezone

    from routing import matching
    from routing.engine import decline_cutoff
    from routing.models import Task

    task = Task.objects.select_related("queue").get(pk=task_id)
    now = timezone.now()
    return captured_statements(
        lambda: matching.pick_agent_for_task(
            task=task,
            strategy=task.queue.strategy,
            now=now,
            today=timezone.localdate(now),
            decline_cutoff=decline_cutoff(now),
        )
    )[-1]


def task_pick_statement(agent_id: int) -> tuple[str, Any]:
    """The SQL and parameters of matching.pick_task_for_agent for the agent."""
    from django.utils import timezone

    from agents.models import Agent
    from agents.services import free_channel_kinds
    from routing import matching
    from routing.engine import decline_cutoff

    agent = Agent.objects.get(pk=agent_id)
    return captured_statements(
        lambda: matching.pick_task_for_agent(
            agent_id=agent.pk,
            kinds=free_channel_kinds(agent),
            decline_cutoff=decline_cutoff(timezone.now()),
        )
    )[-1]


SCAN = re.compile(
    r"(?P<kind>Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan)"
    r"(?: Backward)?(?: using (?P<index>\S+))? on (?P<table>\S+)"
    r".*?\(actual time=[\d.]+\.\.(?P<time>[\d.]+) rows=(?P<rows>\d+) loops=(?P<loops>\d+)\)"
)


@dataclass(kw_only=True)
class Plan:
    lines: list[str]
    execution_ms: float
    scans: list[dict[str, Any]]
    sorts_input_rows: list[int]

    def reads_of(self, table: str) -> int:
        return sum(scan["rows"] * scan["loops"] for scan in self.scans if scan["table"] == table)


def explain(sql: str, params: Any) -> Plan:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)  # EXPLAIN ANALYZE took the row locks: let them go
    scans = []
    execution = math.nan
    for line in lines:
        match = SCAN.search(line)
        if match:
            scans.append(
                {
                    "kind": match["kind"],
                    "index": match["index"] or "",
                    "table": match["table"],
                    "rows": int(match["rows"]),
                    "loops": int(match["loops"]),
                    "ms": float(match["time"]) * int(match["loops"]),
                }
            )
        if line.startswith("Execution Time:"):
            execution = float(line.split()[2])
    sorted_rows = []
    for number, line in enumerate(lines):
        if "->  Sort  " in line:
            # The rows a Sort consumed are those its input node returned.
            for later in lines[number + 1 :]:
                found = re.search(r"->  .*actual time=[\d.]+\.\.[\d.]+ rows=(\d+)", later)
                if found:
                    sorted_rows.append(int(found[1]))
                    break
    return Plan(lines=lines, execution_ms=execution, scans=scans, sorts_input_rows=sorted_rows)


def print_plan(title: str, plan: Plan, *, full: bool = True) -> None:
    say(f"--- {title}: execution {plan.execution_ms:.3f} ms")
    if full:
        for line in plan.lines:
            say(f"    {line}")
    say("  reads:")
    for scan in plan.scans:
        using = f" using {scan['index']}" if scan["index"] else ""
        say(
            f"    {scan['kind']}{using} on {scan['table']}: {scan['loops']} loop(s) x "
            f"{scan['rows']} row(s), {scan['ms']:.3f} ms in all"
        )
    for rows in plan.sorts_input_rows:
        say(f"    Sort of {rows} row(s) to return the first")


def typical_task(centre: Centre) -> int:
    """A waiting call in the queue with the most required skills (the deepest division)."""
    from django.db.models import Count

    from routing.models import Task

    task = (
        Task.objects.filter(pk__in=centre.waiting_task_ids, state="queued", channel="voice")
        .annotate(required=Count("queue__queue_skills"))
        .order_by("-required", "pk")
        .first()
    )
    if task is None:  # no call waiting: any waiting task
        return centre.waiting_task_ids[0]
    return task.pk


def pick_when_nobody_qualifies_ms(task_id: int, repetitions: int = 30) -> tuple[list[float], int]:
    """pick_agent_for_task when every eligible agent is busy: every free agent is checked.

    Returns the timings and how many free agents there were; everything is rolled back.
    """
    from django.db import connection, transaction

    from routing import matching

    sql, params = agent_pick_statement(task_id)
    timings = []
    with transaction.atomic(), connection.cursor() as cursor:
        eligible = matching.AGENT_IS_ELIGIBLE.format(task="%(task)s", agent="a.id")
        cursor.execute(
            f"UPDATE agents_agent a SET voice_load = voice_capacity WHERE {eligible}",
            {"task": task_id},
        )
        cursor.execute(
            "SELECT count(*) FROM agents_agent WHERE status = 'available'"
            " AND voice_load < voice_capacity"
        )
        free = cursor.fetchone()[0]
        for _ in range(repetitions):
            started = time.perf_counter_ns()
            cursor.execute(sql, params)
            cursor.fetchall()
            timings.append(milliseconds(time.perf_counter_ns() - started))
        transaction.set_rollback(True)
    return timings, free


def plans_phase(centre: Centre, seed: int, *, full: bool = True) -> tuple[int, Plan, Plan]:
    task_id = typical_task(centre)
    agent_plan = explain(*agent_pick_statement(task_id))
    print_plan(f"pick_agent_for_task (task {task_id})", agent_plan, full=full)
    agent_id = free_agent_ids(seed)[0]
    task_plan = explain(*task_pick_statement(agent_id))
    print_plan(f"pick_task_for_agent (agent {agent_id}, calls and chats)", task_plan, full=full)
    bare_plan = explain(BARE_AGENT_PICK, None)
    print_plan("bare agent pick", bare_plan, full=False)
    timings, free = pick_when_nobody_qualifies_ms(task_id)
    say(
        f"--- pick_agent_for_task when the {free} free agents all lack the skills "
        f"(every one checked, none returned): {summary(timings)}"
    )
    return task_id, agent_plan, task_plan


# The index trial ---------------------------------------------------------------------------


def idle_order_index() -> Any:
    """The index the longest-idle ORDER BY of pick_agent_for_task can walk, as Agent.Meta has it.

    The expression has to be the query's own, COALESCE(a.idle_since, '1970-01-01'), id, and
    the partial condition one the query implies (status = 'available').
    """
    from django.db.models import F, Index, Q, Value
    from django.db.models.functions import Coalesce

    return Index(
        Coalesce("idle_since", Value(datetime(1970, 1, 1, tzinfo=UTC))),
        F("id"),
        condition=Q(status="available"),
        name="agent_available_idle_order",
    )


def index_create(index: Any) -> str:
    from django.db import connection

    from agents.models import Agent

    with connection.schema_editor() as editor:
        statement = str(index.create_sql(Agent, editor))
        editor.add_index(Agent, index)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE agents_agent")
    return statement


# History -----------------------------------------------------------------------------------

HISTORY_SQL = (
    """
    INSERT INTO routing_task (conversation_id, queue_id, channel, priority, attributes, state,
        escalation_level, is_callback, callback_number, created_at, queued_at, offered_at,
        assigned_at, completed_at, agent_id)
    SELECT t.conversation_id, t.queue_id, t.channel, t.priority, '{}', 'completed', 0, false, '',
        t.queued_at - copy * interval '1 hour', t.queued_at - copy * interval '1 hour',
        t.queued_at - copy * interval '1 hour', t.queued_at - copy * interval '1 hour',
        t.queued_at - copy * interval '1 hour' + interval '5 minutes', NULL
    FROM routing_task t, generate_series(1, %(copies)s) AS copy
    WHERE t.state = 'queued'
    """,
    """
    INSERT INTO routing_taskskillgroup (task_id, source_queue_id)
    SELECT id, queue_id FROM routing_task WHERE state = 'completed'
    """,
    """
    INSERT INTO routing_taskskill (group_id, skill_id, min_proficiency)
    SELECT g.id, qs.skill_id, qs.min_proficiency
    FROM routing_taskskillgroup g
    JOIN routing_task t ON t.id = g.task_id AND t.state = 'completed'
    JOIN routing_queueskill qs ON qs.queue_id = g.source_queue_id
    """,
)


def history_add(copies: int) -> tuple[int, int]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in HISTORY_SQL:
            cursor.execute(statement, {"copies": copies})
        cursor.execute("SELECT count(*) FROM routing_task")
        tasks = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM routing_taskskill")
        task_skills = cursor.fetchone()[0]
    vacuum("routing_task", "routing_taskskillgroup", "routing_taskskill", analyze=True)
    return tasks, task_skills


# Report ------------------------------------------------------------------------------------


def goal(met: bool) -> str:
    return "met" if met else "NOT MET"


def report_latency(result: LatencyResult, label: str) -> None:
    decision, bare = result.decision, result.bare
    say(f"task_route latency ({label}): {len(decision.wall_ms)} decisions on distinct tasks")
    say(f"  task_route decision         {summary(decision.wall_ms)}")
    say(f"    without the publish       {summary(result.without_publish_ms)}")
    say(f"    {decision.cpu_line()}")
    say(f"  bare SKIP LOCKED agent pick {summary(bare.wall_ms)}")
    say(f"    {bare.cpu_line()}")
    say(f"  the same, {len(bare.wall_ms)} in a row  {summary(result.bare_alone.wall_ms)}")
    say(f"    {result.bare_alone.cpu_line()}")
    p99 = percentile(decision.wall_ms, 0.99)
    without_ratio = percentile(result.without_publish_ms, 0.5) / percentile(bare.wall_ms, 0.5)
    cpu_ratio = (mean(decision.python_cpu_ms) + mean(decision.database_cpu_ms)) / (
        mean(bare.python_cpu_ms) + mean(bare.database_cpu_ms)
    )
    say(
        f"  p50 decision / p50 bare: {result.ratio:.2f}x side by side, "
        f"{result.ratio_to_alone:.2f}x to the picks in a row (goal <= {GOAL_RATIO:.0f}x: "
        f"{goal(max(result.ratio, result.ratio_to_alone) <= GOAL_RATIO)}); without the publish "
        f"{without_ratio:.2f}x side by side; CPU {cpu_ratio:.2f}x side by side"
    )
    say(f"  p99 decision: {p99:.3f} ms (goal < {GOAL_P99_MS:.0f} ms: {goal(p99 < GOAL_P99_MS)})")
    if result.redis_connections_per_decision is not None:
        say(
            f"  new Redis connections per decision: {result.redis_connections_per_decision:.2f}"
            " (Redis-wide count, includes other clients')"
        )
    say(
        f"  decisions that found no agent: {result.no_agent}; bare picks that found none: "
        f"{result.bare_none}; {result.elapsed:.1f} s with the resets"
    )
    say(f"  {other_cpu_line(result.machine)}")


def report_throughput(result: ThroughputResult, label: str) -> None:
    rate = result.decisions_per_second
    say(
        f"throughput ({label}): {result.matchers} matchers as {result.mode}, {result.rounds} "
        f"round(s) of up to {THROUGHPUT_ROUND} tasks, {result.measured_seconds:.2f} s measured"
    )
    say(
        f"  {result.offers} offers made: {rate:.0f} decisions/s (goal >= "
        f"{GOAL_DECISIONS_PER_SECOND:.0f}: {goal(rate >= GOAL_DECISIONS_PER_SECOND)}); "
        f"{result.no_agent} calls found no agent; {sum(result.errors.values())} errors"
    )
    for error, count in result.errors.most_common(5):
        say(f"    error x{count}: {error}")
    say(f"  task_route under load       {summary(result.latencies_ms)}")
    if result.machine and result.offers:

        def per_offer(seconds: float) -> float:
            return 1000 * seconds / result.offers

        matchers_ms = per_offer(result.machine["children_seconds"])
        backends_ms = per_offer(result.machine["their_backends_seconds"])
        cores = len(os.sched_getaffinity(0))
        say(
            f"  CPU per decision: {matchers_ms:.2f} ms in the matchers, {backends_ms:.2f} ms in "
            f"their PostgreSQL backends: {cores} cores to ourselves would make at most "
            f"{1000 * cores / (matchers_ms + backends_ms):.0f} decisions/s"
        )
    say(f"  checks after each round ({result.offers_checked} offers checked in all):")
    from routing.selectors import INVARIANT_CHECKS

    for label_, _ in INVARIANT_CHECKS:
        count = result.violations[label_]
        say(f"    {label_}: {count} {'ok' if count == 0 else 'VIOLATED'}")
    if result.machine:
        say(f"  {other_cpu_line(result.machine)}")


def summary_line(label: str, latency: LatencyResult, throughput: ThroughputResult) -> str:
    return (
        f"  {label:<34} decision p50 {percentile(latency.decision.wall_ms, 0.5):.3f} ms, "
        f"p99 {percentile(latency.decision.wall_ms, 0.99):.3f} ms; bare p50 "
        f"{percentile(latency.bare.wall_ms, 0.5):.3f} ms side by side, "
        f"{percentile(latency.bare_alone.wall_ms, 0.5):.3f} ms in a row; ratio "
        f"{latency.ratio:.2f}x / {latency.ratio_to_alone:.2f}x; "
        f"{throughput.decisions_per_second:.0f} decisions/s; "
        f"{sum(throughput.violations.values())} invariant violations"
    )


def measure(
    args: argparse.Namespace, centre: Centre, label: str
) -> tuple[LatencyResult, ThroughputResult]:
    latency = latency_phase(
        centre=centre, decisions=args.decisions, seed=args.seed, redis_url=args.redis_url
    )
    report_latency(latency, label)
    say()
    throughput = throughput_phase(
        centre=centre, matchers=args.matchers, seconds=args.seconds, mode=args.mode, seed=args.seed
    )
    report_throughput(throughput, label)
    say()
    return latency, throughput


def main() -> int:
    args = parse_args()
    try:
        locks = run_lock()  # noqa: F841 (held until the process exits)
        started = time.monotonic()
        database = database_recreate(args.database_url)
        configure_django(args)
        migrate()
        say(f"database {database} migrated in {time.monotonic() - started:.1f} s; loading ...")
        loading = time.monotonic()
        centre = centre_load(
            agents=args.agents, tasks=args.tasks, queues=args.queues, seed=args.seed
        )
        vacuum(analyze=True)
    except SetupError as error:
        say(f"setup failed: {error}")
        return 2
    except Exception:
        say("setup failed:")
        traceback.print_exc()
        return 2
    from django.db import connection

    from agents.models import Agent
    from routing import engine

    say(
        f"loaded in {time.monotonic() - loading:.1f} s: {args.queues} queues, {SKILLS} skills, "
        f"{len(centre.agent_ids)} available agents ({centre.agent_skills} agent skills; "
        f"{centre.busy_agents} carry {centre.assigned_tasks} assigned tasks), "
        f"{len(centre.waiting_task_ids)} waiting tasks ({centre.escalated_tasks} with a second "
        f"skill group); agents qualified per queue: {min(centre.eligible_per_queue)}-"
        f"{max(centre.eligible_per_queue)}"
    )
    say(
        f"PostgreSQL {connection.pg_version // 10000}, channel layer "
        f"{args.redis_url or 'in-memory'}, {len(os.sched_getaffinity(0))} cores, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    say()

    say("== 0. plans, on the loaded data ==")
    task_id, agent_plan, _ = plans_phase(centre, args.seed)
    say()

    say("== 1. latency ==")
    latency = latency_phase(
        centre=centre, decisions=args.decisions, seed=args.seed, redis_url=args.redis_url
    )
    report_latency(latency, "as migrated")
    say()
    breakdown(
        call=lambda task: engine.task_route(task_id=task),
        ids=task_order(centre, args.seed + 7)[: min(BREAKDOWN_CALLS, len(centre.waiting_task_ids))],
        label="where task_route spends its time",
        batch=LATENCY_BATCH,
    )
    say()
    if args.agent_decisions:
        agent_route_phase(calls=args.agent_decisions, seed=args.seed)
        breakdown(
            call=lambda agent: engine.agent_route(agent_id=agent),
            ids=free_agent_ids(args.seed + 3)[:60],
            label="where agent_route spends its time",
            batch=AGENT_ROUTE_BATCH,
        )
        say()

    say("== 2. throughput ==")
    throughput = throughput_phase(
        centre=centre, matchers=args.matchers, seconds=args.seconds, mode=args.mode, seed=args.seed
    )
    report_throughput(throughput, "as migrated")
    say()
    results = [("as migrated", latency, throughput)]

    free_agents_read = agent_plan.reads_of("agents_agent")
    if args.no_index_trial:
        pass
    elif free_agents_read <= 100:
        say(f"== 3. no index trial: the agent pick read {free_agents_read} agent rows ==")
    else:
        index = idle_order_index()
        centre_reset()
        statement = index_create(index)
        say(f"== 3. the agent pick read {free_agents_read} agent rows to return one; with ==")
        say(f"   {statement}")
        after = explain(*agent_pick_statement(task_id))
        print_plan(f"pick_agent_for_task (task {task_id}) with {index.name}", after)
        used = any(scan["index"] == index.name for scan in after.scans)
        say(
            f"pick_agent_for_task execution: {agent_plan.execution_ms:.3f} ms as migrated, "
            f"{after.execution_ms:.3f} ms with {index.name} "
            f"({'used' if used else 'NOT used'})"
        )
        timings, free = pick_when_nobody_qualifies_ms(task_id)
        say(
            f"--- with the index, when the {free} free agents all lack the skills: "
            f"{summary(timings)}"
        )
        say()
        results.append((f"with {index.name}", *measure(args, centre, f"with {index.name}")))
        with connection.schema_editor() as editor:
            editor.remove_index(Agent, index)

    if args.history:
        say(f"== 4. with {args.history} completed copies of every waiting task kept as history ==")
        centre_reset()
        tasks, task_skills = history_add(args.history)
        say(f"routing_task now holds {tasks} rows, routing_taskskill {task_skills}")
        plans_phase(centre, args.seed, full=False)
        agent_route_phase(
            calls=min(args.agent_decisions or HISTORY_AGENT_DECISIONS, HISTORY_AGENT_DECISIONS),
            seed=args.seed,
        )
        say()

    say(f"== summary (the run took {time.monotonic() - started:.0f} s) ==")
    for label, latency_result, throughput_result in results:
        say(summary_line(label, latency_result, throughput_result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
