#!/usr/bin/env python
"""Where a webhook request spends its time, next to the bare select-and-insert view.

Usage: .venv/bin/python bench/profile_webhooks.py [--requests 300] [--show-sql] [--top 30]

In-process, through Django's test client and the whole middleware stack, on a fresh
PostgreSQL database (callcentre_bench_profile) and Redis db 15, with the same settings as
bench/webhooks.py. For (b) the bare view, (c) the answer webhook and (d) each status event it
prints the SQL statements of one request, then for --requests requests of each: the wall time
per request, the part of it spent waiting for SQL, and a cProfile of the product's own steps.
Under gunicorn each request that touches the database also pays one connection health check
(SELECT 1, DATABASE_CONN_HEALTH_CHECKS), and each transaction a BEGIN and a COMMIT, which the
test client does not show.
"""

import argparse
import cProfile
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import webhooks as bench  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcentre_bench_profile"

# (label, file name ending, function name): the steps whose cumulative time is reported.
STEPS = [
    ("DRF view dispatch (everything in the view)", "rest_framework/views.py", "dispatch"),
    ("  signature check: verify_webhook", "vonage/signing.py", "verify_webhook"),
    ("    jwt.decode (HS256)", "jwt/api_jwt.py", "decode"),
    ("    replay guard: cache.add in Redis", "vonage/signing.py", "first_sighting"),
    ("  DRF JSON parsing (request.data)", "rest_framework/parsers.py", "parse"),
    ("  webhooks.handlers.answer", "webhooks/handlers.py", "answer"),
    ("  webhooks.handlers.event", "webhooks/handlers.py", "event"),
    (
        "    webhook_transaction: BEGIN with SET LOCAL, COMMIT",
        "callcentre/db.py",
        "webhook_transaction",
    ),
    ("    services.call_arrival", "conversations/services/calls.py", "call_arrival"),
    ("      customer_for_number", "conversations/services/customers.py", "customer_for_number"),
    ("    services.call_start", "conversations/services/calls.py", "call_start"),
    ("    services.event_apply", "conversations/services/call_events.py", "event_apply"),
    ("      selectors.member_of_leg", "conversations/selectors.py", "member_of_leg"),
    ("      conversation_for_call", "conversations/services/calls.py", "conversation_for_call"),
    ("      conversation_insert", "conversations/services/calls.py", "conversation_insert"),
    ("      member_for_leg", "conversations/services/calls.py", "member_for_leg"),
    ("      member_kind_for_new_leg", "conversations/services/calls.py", "member_kind_for_new_leg"),
    ("      event_store", "conversations/services/calls.py", "event_store"),
    ("      apply_effects", "conversations/services/call_events.py", "apply_effects"),
    ("    ivr.ivr_entry (menu + NCCO)", "routing/ivr.py", "ivr_entry"),
    ("      selectors.menu_entry (entry menu, hours)", "routing/selectors.py", "menu_entry"),
    ("      ivr.enqueue", "routing/ivr.py", "enqueue"),
    ("    conversation_record_ivr", "conversations/services/calls.py", "conversation_record_ivr"),
    ("    settle_tasks_of_leg (after commit)", "webhooks/handlers.py", "settle_tasks_of_leg"),
    ("    ncco_to_json", "vonage/ncco.py", "ncco_to_json"),
    ("    read_voice_event", "conversations/events.py", "read_voice_event"),
    ("  DRF response rendering", "rest_framework/renderers.py", "render"),
    ("bare view: select_and_insert", "bench/views.py", "select_and_insert"),
    ("all SQL: psycopg Cursor.execute", "psycopg/cursor.py", "execute"),
    ("commit", "django/db/backends/base/base.py", "commit"),
    ("prepared statements: callcentre.db.first_row", "callcentre/db.py", "first_row"),
    ("Model.save", "django/db/models/base.py", "save"),
    ("QuerySet.first", "django/db/models/query.py", "first"),
]


class CommandLog:
    """psycopg commands Django does not report: BEGIN, COMMIT (each a round trip)."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.recording = False

    def install(self) -> None:
        import psycopg

        original = psycopg.Connection._exec_command
        log = self

        def exec_command(connection, command, result_format=0):
            if log.recording:
                text = command if isinstance(command, str | bytes) else command.as_string(None)
                log.commands.append(text.decode() if isinstance(text, bytes) else text)
            return original(connection, command, result_format)

        psycopg.Connection._exec_command = exec_command


class SqlTimer:
    """A connection.execute_wrapper: counts statements and the time spent waiting for them."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements.append(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests profiled per path")
    parser.add_argument("--show-sql", action="store_true", help="print each statement in full")
    parser.add_argument("--top", type=int, default=25, help="rows of the raw cProfile listing")
    args = parser.parse_args()
    lock = bench.run_lock()  # noqa: F841 - a benchmark running now would skew both
    workdir = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    bench.configure_environment(
        argparse.Namespace(
            database_url=DATABASE_URL, redis_url=bench.DEFAULT_REDIS_URL, max_requests=None
        ),
        workdir,
    )
    bench.database_recreate(DATABASE_URL)
    bench.django_prepare()
    bench.redis_clear(bench.DEFAULT_REDIS_URL)
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        bench.redis_clear(bench.DEFAULT_REDIS_URL)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench import traffic
    from callcentre.vonage.signing import sign_webhook
    from conversations.tests import payloads

    client = Client(HTTP_HOST="127.0.0.1")

    def post(path: str, payload: dict, *, signed: bool):
        body = json.dumps(payload).encode()
        extra = {}
        if signed:
            token = sign_webhook(
                body=body,
                secret=settings.VONAGE_SIGNATURE_SECRET,
                api_key=settings.VONAGE_API_KEY,
            )
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        response = client.post(path, body, content_type="application/json", **extra)
        if response.status_code not in (200, 204):
            raise RuntimeError(f"{path} answered {response.status_code}: {response.content!r}")
        return response

    counter = iter(range(10**9))

    def bare(_: int) -> None:
        call = traffic.new_call(next(counter))
        post(
            "/bench/answer",
            payloads.answer(call.as_payload_call(), **{"from": call.number}),
            signed=False,
        )

    def answer(_: int) -> None:
        call = traffic.new_call(next(counter))
        post(
            "/webhooks/answer",
            payloads.answer(call.as_payload_call(), **{"from": call.number}),
            signed=True,
        )

    event_calls = [traffic.new_call(500_000 + index) for index in range(2 * args.requests + 1)]
    traffic.calls_create(event_calls)

    def event_sender(status: str, offset: int) -> Callable[[int], None]:
        def send(index: int) -> None:
            call = event_calls[index]
            payload = payloads.status(
                call.as_payload_call(),
                status,
                at=call.index * 300 + offset,
                **{"from": call.number},
            )
            post("/webhooks/event", payload, signed=True)

        return send

    paths: list[tuple[str, Callable[[int], None]]] = [
        ("(b) bare view: 1 SELECT + 1 INSERT", bare),
        ("(c) answer webhook", answer),
    ]
    paths += [
        (f"(d) event webhook: {status}", event_sender(status, offset))
        for status, offset in traffic.STATUSES
    ]

    # Warm the process (imports, first connection) before measuring anything.
    for index in range(20):
        bare(index)
        answer(index)

    command_log = CommandLog()
    command_log.install()
    print("SQL per request: Django's statements, then psycopg's own commands (BEGIN, COMMIT);")
    print("under gunicorn add one SELECT 1 per request (DATABASE_CONN_HEALTH_CHECKS)")
    for label, send in paths:
        timer = SqlTimer()
        command_log.commands.clear()
        command_log.recording = True
        with connection.execute_wrapper(timer):
            send(0)
        command_log.recording = False
        print(
            f"\n{label}: {len(timer.statements)} statements + {len(command_log.commands)} commands"
            f" = {len(timer.statements) + len(command_log.commands)} round trips"
        )
        for sql in timer.statements + command_log.commands:
            print(f"    {sql if args.show_sql else sql[:150]}")

    print(f"\nPer request, mean of {args.requests}, without the profiler (in-process)")
    print("(CPU ms: this process's own CPU time, without PostgreSQL's and Redis's)")
    print(f"{'path':<36} {'ms/request':>10} {'CPU ms':>8} {'SQL ms':>8} {'statements':>10}")
    for label, send in paths:
        timer = SqlTimer()
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timer):
            for index in range(1, args.requests + 1):
                send(index)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(
            f"{label:<36} {elapsed / args.requests * 1000:>10.2f} "
            f"{cpu / args.requests * 1000:>8.2f} "
            f"{timer.seconds / args.requests * 1000:>8.2f} "
            f"{len(timer.statements) / args.requests:>10.1f}"
        )

    summaries = []

    for label, send in paths:
        timer = SqlTimer()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            profiler.enable()
            for index in range(args.requests + 1, 2 * args.requests + 1):
                send(index)
            profiler.disable()
        elapsed = time.perf_counter() - started
        summaries.append((label, elapsed, timer, pstats.Stats(profiler)))

    print(f"\nPer request, mean of {args.requests}, under cProfile (which inflates Python time)")
    print(f"{'path':<36} {'ms/request':>10} {'SQL ms':>8} {'statements':>10}")
    for label, elapsed, timer, _ in summaries:
        print(
            f"{label:<36} {elapsed / args.requests * 1000:>10.2f} "
            f"{timer.seconds / args.requests * 1000:>8.2f} "
            f"{len(timer.statements) / args.requests:>10.1f}"
        )

    for label, elapsed, _, stats in summaries:
        print(f"\n{label}: cumulative ms per request (share of the request)")
        for step, file_end, function in STEPS:
            cumulative = sum(
                values[3]
                for (filename, _, name), values in stats.stats.items()
                if filename.endswith(file_end) and name == function
            )
            if cumulative:
                per_request = cumulative / args.requests * 1000
                share = cumulative / elapsed
                print(f"    {step:<48} {per_request:>7.2f} ms {share:>5.0%}")
    for label, _, _, stats in summaries[1:3]:
        print(f"\n{label}: top {args.top} by own time")
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    sys.exit(main())
