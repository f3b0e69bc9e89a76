#!/usr/bin/env python
"""Historical reports benchmark: a year of history in PostgreSQL, rolled up, then the report
pages and CSV exports timed.

Usage: .venv/bin/python bench/reports.py [--days 365] [--calls-per-day 5000] [--agents 60]
       [--requests 30] [--rate 2] [--workers 2]

On a fresh database (callcentre_bench_reports, dropped and recreated each run, then migrated)
it loads --days days of --calls-per-day contacts each with COPY: conversations, their call
detail records (queues, agents, channels, dispositions, waits, handle/hold/wrap-up times,
transfers, abandons some of them short) and satisfaction answers for a fifth of them, and the
agents' presence intervals (shifts of available, busy and wrap-up stretches, lunch away). Then:

  1. roll-up: every day rolled up (reports.rollups.rollup_days, --workers processes), the
     time per day (p50, p95, max; goal: a day's roll-up under 10 s), then a few days rebuilt
     again (delete and rewrite, as the Celery task does);
  2. pages: each report page and CSV export asked --requests times, open loop: requests due at
     Poisson arrivals of --rate per second whatever the answers, each latency counted from
     when it was due, from a pool of --workers threads in this process (Django's test client
     with a staff user, the whole view and template; no HTTP server). p50, p95, max per page
     (goals: any page under 500 ms at p95, a year's daily CSV under 2 s).

Wall times depend on what else the machine runs: the load average before and after is
printed. A measurement, not a test: it exits 0 whatever the figures, 2 when setup failed.
docs/benchmarks.md ("Historical reports") records a run.
"""

import argparse
import math
import multiprocessing
import os
import random
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# Run as a script, Python puts bench/ first on the path (where this file would hide the
# reports app); the project root is what we import from.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

from bench.routing import SetupError, configure_django, database_recreate, migrate  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcentre_bench_reports"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUES = ["Billing", "Support", "Sales", "Retention", "Technical"]
CHANNELS = [("voice", 80), ("sms", 10), ("whatsapp", 10)]
DISPOSITIONS = ["resolved", "billing", "refund", "upgrade", "complaint", "info", "callback", ""]
CUSTOMERS = 300_000


def say(message: str = "") -> None:
    print(message, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--calls-per-day", type=int, default=5000)
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--requests", type=int, default=30, help="per page")
    parser.add_argument("--rate", type=float, default=1.0, help="requests/s, open loop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the history a previous run loaded: roll it up again, time the pages",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="time the pages on the database a previous run loaded and rolled up",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    return parser.parse_args()


def sequence_reset(model: Any) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def load(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from agents.models import Agent, PresenceInterval
    from callcentre.db import rows_copy
    from conversations.models import Conversation
    from reports.models import CallDetailRecord, SatisfactionSurvey
    from routing.models import Queue

    randomness = random.Random(args.seed)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"agent{n}") for n in range(args.agents)
    )
    agents = Agent.objects.bulk_create(
        Agent(user=user, display_name=f"Agent {n}", vonage_user=f"agent-{n}")
        for n, user in enumerate(users)
    )
    queues = Queue.objects.bulk_create(Queue(name=name) for name in QUEUES)
    get_user_model().objects.create_user("sam", password="x", is_staff=True)
    first_day = (datetime.now(UTC) - timedelta(days=args.days)).date()
    channels = [name for name, weight in CHANNELS for _ in range(weight)]
    agent_ids, queue_ids = [a.pk for a in agents], [q.pk for q in queues]

    def contacts() -> Iterable[tuple[dict, dict, dict | None]]:
        """The same contacts on every call (its own seeded generator): one pass per table."""
        randomness = random.Random(args.seed)
        conversation_id = 0
        for day in range(args.days):
            midnight = datetime.combine(first_day + timedelta(days=day), datetime.min.time(), UTC)
            for _ in range(args.calls_per_day):
                conversation_id += 1
                # Busiest around midday: 08:00 to 20:00, triangular.
                started = midnight + timedelta(seconds=randomness.triangular(8, 20, 12) * 3600)
                roll = randomness.random()
                queued = roll < 0.96
                outcome = (
                    "answered" if roll < 0.88 else "abandoned" if roll < 0.96 else "self_service"
                )
                wait = int(randomness.expovariate(1 / 25)) if queued else None
                if outcome == "abandoned" and randomness.random() < 0.3:
                    wait = randomness.randint(0, 5)  # short
                answered = outcome == "answered"
                handle = int(randomness.lognormvariate(5.3, 0.5)) if answered else None
                caller = f"4477009{randomness.randrange(CUSTOMERS):06d}"
                channel = randomness.choice(channels)
                ended = started + timedelta(seconds=(wait or 0) + (handle or 0))
                conversation = {
                    "id": conversation_id,
                    "channel": channel,
                    "direction": "inbound",
                    "state": "ended",
                    "from_address": caller,
                    "to_address": "447700900000",
                    "attributes": {},
                    "started_at": started,
                    "ended_at": ended,
                }
                agent_id = randomness.choice(agent_ids) if answered else None
                cdr = {
                    "conversation_id": conversation_id,
                    "direction": "inbound",
                    "from_address": caller,
                    "to_address": "447700900000",
                    "started_at": started,
                    "answered_at": started + timedelta(seconds=wait or 0) if answered else None,
                    "ended_at": ended,
                    "duration_seconds": (wait or 0) + (handle or 0),
                    "queue_seconds": wait,
                    "handle_seconds": handle,
                    "agent_id": agent_id,
                    "queue_id": randomness.choice(queue_ids) if queued else None,
                    "outcome": outcome,
                    "created_at": ended,
                    "hold_seconds": randomness.randint(10, 90) if answered and roll < 0.3 else 0,
                    "wrap_up_seconds": randomness.randint(10, 60) if answered else None,
                    "transfers": 1 if answered and randomness.random() < 0.05 else 0,
                    "disposition": randomness.choice(DISPOSITIONS) if answered else "",
                    "channel": channel,
                }
                survey = None
                if answered and randomness.random() < 0.2:
                    survey = {
                        "conversation_id": conversation_id,
                        "agent_id": agent_id,
                        "number": caller,
                        "state": "answered",
                        "created_at": ended,
                        "sent_at": ended,
                        "score": randomness.choice([1, 2, 3, 4, 4, 5, 5, 5]),
                        "answered_at": ended + timedelta(minutes=5),
                    }
                yield conversation, cdr, survey

    started = time.monotonic()
    counts: dict[str, Any] = {
        "conversations": rows_copy(Conversation, (c for c, _, _ in contacts()), with_pk=True),
        "call detail records": rows_copy(CallDetailRecord, (cdr for _, cdr, _ in contacts())),
        "survey answers": rows_copy(SatisfactionSurvey, (s for _, _, s in contacts() if s)),
    }
    counts["presence intervals"] = rows_copy(
        PresenceInterval, shifts(randomness, agent_ids, first_day, args.days)
    )
    for model in (Conversation, CallDetailRecord, SatisfactionSurvey, PresenceInterval):
        sequence_reset(model)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts["copy and analyze seconds"] = round(time.monotonic() - started, 1)
    counts["first day"] = first_day
    return counts


def shifts(
    randomness: random.Random, agent_ids: list[int], first_day: date, days: int
) -> Iterable[dict]:
    """Each agent's day: 8 hours from about 08:00 of available, busy and wrap-up stretches,
    half an hour away for lunch, offline until the next shift."""
    for agent_id in agent_ids:
        previous_end: datetime | None = None
        for day in range(days):
            midnight = datetime.combine(first_day + timedelta(days=day), datetime.min.time(), UTC)
            moment = midnight + timedelta(hours=8, minutes=randomness.randint(-60, 60))
            if previous_end is not None:
                yield stretch(agent_id, "offline", "", previous_end, moment)
            end = moment + timedelta(hours=8)
            lunch: datetime | None = moment + timedelta(hours=4)
            while moment < end:
                if lunch and moment >= lunch:
                    back = moment + timedelta(minutes=30)
                    yield stretch(agent_id, "away", "lunch", moment, back)
                    moment, lunch = back, None
                    continue
                for activity, mean in (("available", 90), ("busy", 240), ("wrap_up", 30)):
                    length = timedelta(seconds=max(1, randomness.expovariate(1 / mean)))
                    yield stretch(agent_id, activity, "", moment, min(moment + length, end))
                    moment += length
                    if moment >= end:
                        break
            previous_end = end
        if previous_end is not None:
            yield stretch(agent_id, "offline", "", previous_end, None)


def stretch(agent_id: int, activity: str, reason: str, start: datetime, end: Any) -> dict:
    return {
        "agent_id": agent_id,
        "activity": activity,
        "reason": reason,
        "started_at": start,
        "ended_at": end,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def rollup_worker(days: list[date]) -> list[float]:
    from django.db import connections

    from reports.rollups import rollup_days

    connections.close_all()  # this process's own connection
    timings = []
    for day in days:
        started = time.monotonic()
        rollup_days(first=day, last=day)
        timings.append(time.monotonic() - started)
    return timings


def rollups(args: argparse.Namespace, first_day: date) -> None:
    from django.db import connections

    days = [first_day + timedelta(days=n) for n in range(args.days + 1)]
    connections.close_all()
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        parts = pool.map(rollup_worker, [days[i :: args.workers] for i in range(args.workers)])
    timings = [timing for part in parts for timing in part]
    say(
        f"roll-up of {len(days)} days in {time.monotonic() - started:.1f} s with {args.workers} "
        f"process(es): per day p50 {percentile(timings, 0.5):.2f} s, p95 "
        f"{percentile(timings, 0.95):.2f} s, max {max(timings):.2f} s (goal: < 10 s)"
    )
    again = rollup_worker(days[-8:-1])
    say(
        f"rebuilding 7 rolled-up days again, one process: p50 {percentile(again, 0.5):.2f} s, "
        f"max {max(again):.2f} s"
    )


def pages(args: argparse.Namespace, first_day: date) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    from routing.models import Queue

    last = first_day + timedelta(days=args.days)
    year = {"start": str(first_day + timedelta(days=1)), "end": str(last)}
    month = {"start": str(last - timedelta(days=30)), "end": str(last)}
    queue = Queue.objects.order_by("pk").first()
    assert queue is not None
    base = "/admin/dashboard/reports/"
    scenarios = [
        ("page: year by day, per queue", base, year | {"interval": "day", "by": "queue"}),
        ("page: year by day, per agent", base, year | {"interval": "day", "by": "agent"}),
        ("page: year by week, per channel", base, year | {"interval": "week", "by": "channel"}),
        ("page: year by month, per disposition", base,
         year | {"interval": "month", "by": "disposition"}),
        ("page: year by day, one queue", base,
         year | {"interval": "day", "by": "agent", "queue": str(queue.pk)}),
        ("page: 31 days by hour, per queue", base, month | {"interval": "hour", "by": "queue"}),
        ("page: 31 days by 15 minutes, per agent", base,
         month | {"interval": "15m", "by": "agent"}),
        ("CSV: year's daily intervals", base + "intervals.csv",
         year | {"interval": "day", "by": "queue"}),
        ("CSV: year per agent", base + "breakdown.csv", year | {"interval": "day", "by": "agent"}),
    ]  # fmt: skip
    staff = get_user_model().objects.get(username="sam")
    local = threading.local()

    def client() -> Client:
        if not hasattr(local, "client"):
            local.client = Client(HTTP_HOST="localhost")
            local.client.force_login(staff)
        return local.client

    def ask(url: str, params: dict, due: float) -> float:
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        response = client().get(url, params, secure=True)  # production settings: HTTPS only
        if response.status_code != 200:
            raise SetupError(f"{url} {params}: {response.status_code}")
        return time.monotonic() - due

    say(f"\n{'page':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  (open loop, {args.rate}/s)")
    randomness = random.Random(args.seed)
    with ThreadPoolExecutor(args.workers) as pool:
        for name, url, params in scenarios:
            ask(url, params, time.monotonic())  # warm: the first request pays for imports
            due, futures = time.monotonic(), []
            for _ in range(args.requests):
                due += randomness.expovariate(args.rate)
                futures.append(pool.submit(ask, url, params, due))
            latencies = [future.result() * 1000 for future in futures]
            say(
                f"{name:42} {percentile(latencies, 0.5):8.0f} "
                f"{percentile(latencies, 0.95):8.0f} {max(latencies):8.0f}"
            )
        pool.submit(connections.close_all).result()


def main() -> int:
    args = parse_args()
    say(f"load average before: {os.getloadavg()}")
    if args.pages_only or args.reuse:
        configure_django(args)
        from reports.models import CallDetailRecord

        first = CallDetailRecord.objects.order_by("started_at").first()
        if first is None:
            say("setup failed: nothing loaded; run without --reuse or --pages-only first")
            return 2
        if args.reuse:
            rollups(args, first.started_at.date())
        pages(args, first.started_at.date())
        say(f"load average after: {os.getloadavg()}")
        return 0
    try:
        database = database_recreate(args.database_url)
        configure_django(args)
        started = time.monotonic()
        migrate()
        say(f"database {database} migrated in {time.monotonic() - started:.1f} s; loading ...")
        started = time.monotonic()
        counts = load(args)
    except SetupError as error:
        say(f"setup failed: {error}")
        return 2
    say(f"loaded in {time.monotonic() - started:.1f} s: {counts}")
    rollups(args, counts["first day"])
    pages(args, counts["first day"])
    say(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
