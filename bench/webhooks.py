#!/usr/bin/env python
"""Webhook benchmark: the Vonage webhooks against bare Django views, on the production setup.

Usage: .venv/bin/python bench/webhooks.py [--duration 20] [--connections 64] [--workers N]
                                         [--rounds 1] [--open-loop-rate R]

Serves the project with gunicorn (deploy/gunicorn.conf.py, sync workers) on a loopback port,
on a fresh PostgreSQL database and Redis db 15, with DEBUG off, and loads it with wrk (64
connections by default), one phase after the other on the same server:

  (a) a bare Django view returning a constant NCCO            POST /bench/ncco
  (b) a bare Django view doing one indexed SELECT + one INSERT POST /bench/answer
  (c) the answer webhook, signed, a new call per request       POST /webhooks/answer
  (d) the event webhook, signed, status events of known calls  POST /webhooks/event

and prints requests/s, p50, p99 and errors for each, then (c) and (d) against (b) and the
goals. With --rounds N the phases run N times in turn (b c d b c d ...) and the goals take
the median of the rounds' figures, each ratio within its own round: on a machine whose speed
drifts (other tenants), a ratio of phases run minutes apart measures the drift.
wrk is a closed loop: every connection sends its next request as soon as it has an answer, so
the server is saturated and the mean latency is connections / throughput (Little's law). With
--open-loop-rate R each round also runs (c) and (d) with requests arriving at R per second as
independent calls do (bench/open_loop.py): the latency Vonage's webhooks see at that load,
below saturation. The goals are judged on the saturated phases.
A measurement, not a test: it exits 0 whatever the figures, 2 when the setup failed.
docs/benchmarks.md explains the phases and keeps the figures.
"""

import argparse
import fcntl
import http.client
import json
import math
import os
import platform
import re
import runpy
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import IO

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# Run as a script, Python puts bench/ first on the path; the project root is what we import from.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcentre_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
CACHE_KEY_PREFIX = "bench-webhooks"  # bench/settings.py puts the cache keys under it
GUNICORN_CONFIG = Path("deploy") / "gunicorn.conf.py"  # in the tree being served
# Copied to serve a snapshot; other engineers' edits during a run must not reach new workers.
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "var", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".local.env"
)
LUA_SCRIPT = BENCH_DIR / "wrk_requests.lua"
# Bare views may reuse their requests; this many is plenty.
UNSIGNED_REQUESTS = 4_000
# Signed requests are made for this much more than rate_ceiling * seconds.
HEADROOM = 1.1
# Two runs at once would share the database and the cores: the second waits for the first.
LOCK_PATH = Path(tempfile.gettempdir()) / "callcentre-bench-webhooks.lock"
LOCK_WAIT_SECONDS = 600
TIMEOUT_SECONDS = 5  # Vonage waits this long for an answer webhook before trying the fallback
WRK_TIMEOUT = f"{TIMEOUT_SECONDS}s"

GOAL_ANSWER_SHARE = 0.60
GOAL_EVENT_SHARE = 0.50
GOAL_P99_MS = 100.0


class SetupError(Exception):
    """The benchmark could not be set up or run; nothing was measured."""


@dataclass(frozen=True, kw_only=True)
class Phase:
    key: str
    title: str
    path: str
    wraps: bool


# Phases other benchmarks add (bench/ai.py): key -> how to prepare their requests, and how to
# count the rows they write.
EXTRA_PREPARERS: dict = {}
EXTRA_ROW_COUNTERS: dict = {}

PHASES = (
    Phase(key="a", title="bare view: constant NCCO", path="/bench/ncco", wraps=True),
    Phase(key="b", title="bare view: 1 SELECT + 1 INSERT", path="/bench/answer", wraps=True),
    Phase(key="c", title="answer webhook (signed)", path="/webhooks/answer", wraps=False),
    Phase(key="d", title="event webhook (signed)", path="/webhooks/event", wraps=False),
)


@dataclass(kw_only=True)
class Result:
    key: str
    title: str
    round: int
    offered_rate: float | None  # requests/s offered by an open-loop phase; None: saturated
    requests: int
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    socket_error_kinds: dict
    errors: int
    spooled: int
    rows_written: int | None
    worker_boots: int
    ran_out: bool
    warmup_requests_per_second: float
    other_cpu_share: float
    other_cpu_top: str


def parse_args() -> argparse.Namespace:
    cores = len(os.sched_getaffinity(0))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per phase")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per phase")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--workers", type=int, default=2 * cores + 1, help="gunicorn workers (2 * cores + 1)"
    )
    parser.add_argument("--threads", type=int, default=min(2, cores), help="wrk threads")
    parser.add_argument(
        "--max-requests",
        type=int,
        help="gunicorn max_requests (worker recycling); default: the config's value",
    )
    parser.add_argument(
        "--rate-ceiling",
        type=int,
        default=3000,
        help="signed requests are pre-generated for this many requests/s over the phase",
    )
    parser.add_argument("--phases", default="abcd", help="which phases to run, e.g. 'bc'")
    parser.add_argument(
        "--rounds", type=int, default=1, help="run the phases this many times, in turn"
    )
    parser.add_argument(
        "--open-loop-rate",
        type=float,
        help="also run (c) and (d) open-loop, this many requests/s arriving (bench/open_loop.py)",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--json", type=Path, help="also write the setup and results here")
    parser.add_argument(
        "--keep-files", action="store_true", help="keep the work directory (server log, requests)"
    )
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="serve the working tree itself, not a copy taken at the start",
    )
    args = parser.parse_args()
    if (
        args.connections < args.threads
        or min(args.duration, args.warmup, args.workers, args.rounds) < 1
    ):
        parser.error("need connections >= threads, and duration, warmup, workers and rounds >= 1")
    if set(args.phases) - {phase.key for phase in PHASES}:
        parser.error(f"--phases takes letters from {''.join(p.key for p in PHASES)!r}")
    if args.open_loop_rate is not None and not 0 < args.open_loop_rate <= args.rate_ceiling:
        parser.error("--open-loop-rate must be above 0 and at most --rate-ceiling")
    return args


def say(message: str) -> None:
    print(message, flush=True)


# Setup -------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is not installed: installing the Debian package with apt-get ...")
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        raise SetupError("wrk is not installed and there is no apt-get: install wrk, then rerun")
    attempts = (
        [apt_get, "install", "-y", "wrk"],
        [apt_get, "update"],
        [apt_get, "install", "-y", "wrk"],
    )
    output = ""
    for command in attempts:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        output = completed.stdout + completed.stderr
        if command[1] == "install" and completed.returncode == 0 and shutil.which("wrk"):
            return shutil.which("wrk")
    hint = "" if os.geteuid() == 0 else " (apt-get needs root: sudo apt-get install -y wrk)"
    tail = "\n".join(output.strip().splitlines()[-5:])
    raise SetupError(f"could not install wrk with apt-get{hint}:\n{tail}")


def snapshot_tree(destination: Path) -> Path:
    """Copy the working tree; gunicorn's restarted workers then load the code migrated."""
    shutil.copytree(ROOT, destination, ignore=SNAPSHOT_IGNORE, symlinks=True)
    return destination


def code_version() -> str:
    completed = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout.strip() or "unknown commit"


def configure_environment(args: argparse.Namespace, workdir: Path, *, source: Path = ROOT) -> None:
    """The production settings, from the environment as in production, for us and gunicorn."""
    python_path = os.environ.get("PYTHONPATH")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(source) + (os.pathsep + python_path if python_path else ""),
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "VONAGE_SIGNATURE_SECRET": secrets.token_urlsafe(32),
            "VONAGE_API_KEY": f"bench{secrets.token_hex(4)}",
            "VONAGE_VERIFY_SIGNATURES": "1",
            "SPOOL_DIR": str(workdir / "spool"),
            "VAR_DIR": str(workdir / "var"),
            "DEMO_PASSWORD": secrets.token_urlsafe(16),
            "GUNICORN_ACCESS_LOG": "0",
        }
    )
    # Production runs collectstatic; an empty directory keeps WhiteNoise from warning.
    (workdir / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)
    if args.max_requests is not None:
        os.environ["GUNICORN_MAX_REQUESTS"] = str(args.max_requests)


def database_recreate(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    parsed = dj_database_url.parse(url)
    name = parsed["NAME"]
    if "bench" not in name:
        raise SetupError(f"refusing to drop database {name!r}: its name must contain 'bench'")
    try:
        with psycopg.connect(
            host=parsed["HOST"] or None,
            port=parsed["PORT"] or None,
            user=parsed["USER"] or None,
            password=parsed["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise SetupError(f"could not recreate database {name!r}: {error}") from None


def django_prepare() -> None:
    """Migrate the fresh database, load the demo data (the IVR menu) and the callers."""
    import django
    from django.core.management import call_command

    try:
        django.setup()
        from bench import traffic

        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    except Exception as error:  # the code being measured does not even start: nothing to run
        raise SetupError(f"could not set up Django and migrate: {error!r}") from error
    try:
        call_command("load_demo", stdout=StringIO())
    except Exception as error:  # a demo-data bug must not stop the measurement
        say(
            f"warning: load_demo failed ({error!r}); measuring without the demo menu and "
            "queues, so the answer webhook may answer with its no-menu NCCO"
        )
    traffic.customers_create()


def redis_clear(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    keys = list(client.scan_iter(match=f"{CACHE_KEY_PREFIX}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    return len(keys)


def versions(wrk_path: str, redis_url: str) -> dict:
    import django
    import gunicorn
    import redis
    import rest_framework
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres_version = cursor.fetchone()[0].split()[0]
    wrk_banner = subprocess.run([wrk_path, "-v"], capture_output=True, text=True).stdout
    wrk_match = re.search(r"wrk (\S+)", wrk_banner)
    redis_info = redis.Redis.from_url(redis_url).info("server")
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = model.group(1).strip() if model else cpu
    return {
        "python": platform.python_version(),
        "django": django.__version__,
        "djangorestframework": rest_framework.VERSION,
        "gunicorn": gunicorn.__version__,
        "postgresql": postgres_version,
        "redis": redis_info.get("redis_version", "?"),
        "wrk": wrk_match.group(1) if wrk_match else "?",
        "cpu": cpu,
        "commit": code_version(),
    }


def run_lock() -> IO:
    handle = open(LOCK_PATH, "a")  # held (and closed) by the process until it exits
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    waiting = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise SetupError(f"another run still holds {LOCK_PATH}") from None
            if not waiting:
                say(f"another bench/webhooks.py run holds {LOCK_PATH}: waiting for it to finish")
                waiting = True
            time.sleep(1)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_table() -> dict[int, tuple[int, str, int, float]]:
    """pid: (parent pid, command name, start time, CPU seconds so far), for every process."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone since the listing
        # Kernel workers rename themselves as they go: kworker/1:0-events is "kworker".
        name = text[text.index("(") + 1 : text.rindex(")")].split("/")[0]
        fields = text[text.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        table[int(entry.name)] = (int(fields[1]), name, int(fields[19]), seconds)
    return table


class OtherCpu:
    """CPU used during a phase by everything but the benchmark (other people's tests...).

    Ours: this process and its children (gunicorn, wrk), PostgreSQL except the backends of
    other databases, and Redis. Processes that both start and end inside the phase are not
    seen, so this is a lower bound.
    """

    def __init__(self) -> None:
        self.before = process_table()
        self.started = time.monotonic()

    def share(self) -> tuple[float, str]:
        """The share of the machine used by others, and who used the most."""
        from django.db import connection

        after = process_table()
        elapsed = time.monotonic() - self.started
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname IS NOT NULL AND datname <> current_database()"
            )
            other_backends = {row[0] for row in cursor.fetchall()}
        children = defaultdict(list)
        for pid, (parent, _, _, _) in after.items():
            children[parent].append(pid)
        ours, stack = set(), [os.getpid()]
        while stack:
            pid = stack.pop()
            ours.add(pid)
            stack.extend(children[pid])
        by_name: dict[str, float] = defaultdict(float)
        for pid, (_, name, start, seconds) in after.items():
            if pid in ours or name == "redis-server":
                continue
            if name == "postgres" and pid not in other_backends:
                continue
            previous = self.before.get(pid)
            same_process = previous is not None and previous[2] == start
            by_name[name] += seconds - (previous[3] if same_process else 0.0)
        capacity = elapsed * len(os.sched_getaffinity(0))
        top = sorted(by_name.items(), key=lambda item: -item[1])[:3]
        who = ", ".join(f"{name} {seconds / capacity:.0%}" for name, seconds in top if seconds > 0)
        return sum(by_name.values()) / capacity, who


# Server ------------------------------------------------------------------------------------


class Server:
    """gunicorn in a session of its own, so that Ctrl-C reaches us and we stop it cleanly."""

    def __init__(self, *, workers: int, log_path: Path, source: Path) -> None:
        self.workers = workers
        self.log_path = log_path
        command = [sys.executable, "-m", "gunicorn"]
        if (source / GUNICORN_CONFIG).exists():
            command += ["--config", str(source / GUNICORN_CONFIG)]
        else:
            command += ["--worker-class", "sync"]
        command += [
            "--bind",
            "127.0.0.1:0",
            "--workers",
            str(workers),
            "callcentre.wsgi:application",
        ]
        self.log = open(log_path, "wb")  # closed in stop()
        self.process = subprocess.Popen(
            command, cwd=source, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            self.port = self.wait_until_listening()
            self.wait_until_serving()
        except BaseException:
            self.stop()
            raise

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 25) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def errors(self, limit: int = 8) -> list[str]:
        """The first distinct error lines of the log (the spooled webhooks log why)."""
        found: list[str] = []
        for line in self.log_text().splitlines():
            message = re.sub(r"^\S+ \S+ ", "", line)  # without the timestamp
            if re.search(r"ERROR|CRITICAL|Error:|Exception:", line) and message not in found:
                found.append(message)
                if len(found) == limit:
                    break
        return found

    def boots(self) -> int:
        return self.log_text().count("Booting worker with pid")

    def wait_until_listening(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            text = self.log_text()
            listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if listening and text.count("Booting worker with pid") >= self.workers:
                return int(listening.group(1))
            time.sleep(0.2)
        raise SetupError(f"gunicorn did not start in {timeout:.0f} s:\n{self.log_tail()}")

    def wait_until_serving(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("POST", "/bench/ncco", body=b"{}")
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
                raise SetupError(f"GET /bench/ncco answered {status}:\n{self.log_tail()}")
            except OSError:
                time.sleep(0.2)
        raise SetupError(f"gunicorn did not answer in {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: workers finish their request
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# Load --------------------------------------------------------------------------------------


def run_wrk(
    *, wrk_path: str, url: str, prefix: Path, args: argparse.Namespace, seconds: int, wraps: bool
) -> dict:
    command = [
        wrk_path,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        url,
        "--",
        str(prefix),
        str(args.threads),
        "wrap" if wraps else "once",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    raise SetupError(
        f"wrk gave no result (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
    )


def signed_count(args: argparse.Namespace, seconds: int, rate: float | None = None) -> int:
    return math.ceil((rate or args.rate_ceiling) * seconds * HEADROOM)


def prepare_phase(
    phase: Phase, *, host: str, args: argparse.Namespace, workdir: Path, rate: float | None
) -> tuple[Path, Path]:
    """Write the warm-up and measured requests; for (d), create the calls they are about."""
    from bench import traffic

    warmup_prefix = workdir / f"{phase.key}-warmup"
    measure_prefix = workdir / f"{phase.key}-measure"
    if phase.key in EXTRA_PREPARERS:
        for prefix, seconds in ((warmup_prefix, args.warmup), (measure_prefix, args.duration)):
            EXTRA_PREPARERS[phase.key](
                prefix=prefix, host=host, args=args, count=signed_count(args, seconds, rate)
            )
        return warmup_prefix, measure_prefix
    started = time.monotonic()
    if phase.wraps:
        for prefix in (warmup_prefix, measure_prefix):
            traffic.write_thread_files(
                prefix,
                traffic.unsigned_answers(
                    host=host, path=phase.path, count=UNSIGNED_REQUESTS, threads=args.threads
                ),
            )
        return warmup_prefix, measure_prefix
    warmup_count = signed_count(args, args.warmup, rate)
    measure_count = signed_count(args, args.duration, rate)
    if phase.key == "c":
        for prefix, count in ((warmup_prefix, warmup_count), (measure_prefix, measure_count)):
            traffic.write_thread_files(
                prefix, traffic.signed_answers(host=host, count=count, threads=args.threads)
            )
        elapsed = time.monotonic() - started
        say(f"    signed {warmup_count + measure_count:,} answer requests in {elapsed:.1f} s")
        return warmup_prefix, measure_prefix
    first_index = 0
    total_events = 0
    for prefix, count in ((warmup_prefix, warmup_count), (measure_prefix, measure_count)):
        calls = traffic.event_calls(count=count, threads=args.threads, first_index=first_index)
        flat = [call for thread_calls in calls for call in thread_calls]
        first_index += len(flat)
        traffic.calls_create(flat)
        requests = traffic.signed_events(host=host, calls_per_thread=calls)
        total_events += sum(len(thread_requests) for thread_requests in requests)
        traffic.write_thread_files(prefix, requests)
    say(
        f"    created {first_index:,} answered calls and signed {total_events:,} status events"
        f" in {time.monotonic() - started:.1f} s"
    )
    return warmup_prefix, measure_prefix


def rows_written(phase: Phase) -> int | None:
    from bench.models import BareAnswer
    from conversations.models import Conversation, Event

    if phase.key in EXTRA_ROW_COUNTERS:
        return EXTRA_ROW_COUNTERS[phase.key]()
    if phase.key == "b":
        return BareAnswer.objects.count()
    if phase.key == "c":
        return Conversation.objects.count()
    if phase.key == "d":
        return Event.objects.filter(kind=Event.Kind.STATUS).count()
    return None


def spooled(workdir: Path) -> int:
    spool = workdir / "spool"
    return len(list(spool.glob("*.json"))) if spool.exists() else 0


def run_phase(
    phase: Phase,
    *,
    round_number: int,
    offered_rate: float | None = None,
    server: Server,
    wrk_path: str,
    args: argparse.Namespace,
    workdir: Path,
) -> Result:
    heading = f"round {round_number}: " if args.rounds > 1 else ""
    title = phase.title if offered_rate is None else f"{phase.title} at {offered_rate:.0f}/s"
    say(f"{heading}({phase.key}) {title}: {phase.path}")
    host = f"127.0.0.1:{server.port}"
    url = f"http://{host}{phase.path}"
    warmup_prefix, measure_prefix = prepare_phase(
        phase, host=host, args=args, workdir=workdir, rate=offered_rate
    )

    def load(prefix: Path, seconds: int) -> dict:
        if offered_rate is None:
            return run_wrk(
                wrk_path=wrk_path,
                url=url,
                prefix=prefix,
                args=args,
                seconds=seconds,
                wraps=phase.wraps,
            )
        from bench import open_loop

        return open_loop.run(
            prefix,
            threads=args.threads,
            host="127.0.0.1",
            port=server.port,
            rate=offered_rate,
            seconds=seconds,
            timeout=TIMEOUT_SECONDS,
        )

    warmup = load(warmup_prefix, args.warmup)
    time.sleep(1)  # let the requests still in flight finish before counting rows
    rows_before, spooled_before, boots_before = (
        rows_written(phase),
        spooled(workdir),
        server.boots(),
    )
    other_cpu = OtherCpu()
    measured = load(measure_prefix, args.duration)
    other_cpu_share, other_cpu_top = other_cpu.share()
    time.sleep(1)
    rows_after = rows_written(phase)
    socket_errors = sum(
        measured[name] for name in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    result = Result(
        key=phase.key,
        title=title,
        round=round_number,
        offered_rate=offered_rate,
        requests=measured["requests"],
        requests_per_second=measured["requests"] / (measured["duration_us"] / 1e6),
        p50_ms=measured["p50_us"] / 1000,
        p90_ms=measured["p90_us"] / 1000,
        p99_ms=measured["p99_us"] / 1000,
        max_ms=measured["max_us"] / 1000,
        non2xx=measured["non2xx"],
        socket_errors=socket_errors,
        socket_error_kinds={
            name: measured[name]
            for name in ("connect_errors", "read_errors", "write_errors", "timeouts")
            if measured[name]
        },
        errors=measured["non2xx"] + socket_errors,
        spooled=spooled(workdir) - spooled_before,
        rows_written=None if rows_after is None else rows_after - rows_before,
        worker_boots=server.boots() - boots_before,
        ran_out=measured["threads_out_of_requests"] > 0,
        warmup_requests_per_second=warmup["requests"] / (warmup["duration_us"] / 1e6),
        other_cpu_share=other_cpu_share,
        other_cpu_top=other_cpu_top,
    )
    say(
        f"    {result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, errors {result.errors}"
    )
    for prefix in (warmup_prefix, measure_prefix):
        for path in workdir.glob(f"{prefix.name}.*"):
            path.unlink()
    return result


def phase_plan(args: argparse.Namespace) -> list[tuple[int, Phase, float | None]]:
    """(round, phase, offered rate): each round the saturated phases, then the open-loop ones."""
    rates = [None] if args.open_loop_rate is None else [None, args.open_loop_rate]
    return [
        (round_number, phase, rate)
        for round_number in range(1, args.rounds + 1)
        for rate in rates
        for phase in PHASES
        if phase.key in args.phases and (rate is None or not phase.wraps)
    ]


# Report ------------------------------------------------------------------------------------


def gunicorn_max_requests(source: Path) -> int:
    config = source / GUNICORN_CONFIG
    return int(runpy.run_path(str(config)).get("max_requests", 0)) if config.exists() else 0


def setup_line(args: argparse.Namespace, info: dict, *, source: Path) -> str:
    config = str(GUNICORN_CONFIG) if (source / GUNICORN_CONFIG).exists() else "no config file"
    code = "working tree" if source == ROOT else "snapshot of the working tree"
    return (
        f"setup: {len(os.sched_getaffinity(0))} cores ({info['cpu']}), "
        f"gunicorn {info['gunicorn']} {args.workers} sync workers ({config}, "
        f"max_requests {gunicorn_max_requests(source)}), "
        f"wrk {info['wrk']} -t{args.threads} -c{args.connections}, "
        f"{args.duration} s per phase after {args.warmup} s warm-up; Python {info['python']}, "
        f"Django {info['django']}, DRF {info['djangorestframework']}, "
        f"PostgreSQL {info['postgresql']}, Redis {info['redis']}; "
        f"code: {code} at {info['commit']} + local changes"
    )


def print_table(results: list[Result]) -> None:
    say("")
    say(
        f"{'phase':<36} {'round':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'spooled':>8} {'rows':>7} {'boots':>6} {'other CPU':>9}"
    )
    for result in results:
        rows = "-" if result.rows_written is None else f"{result.rows_written}"
        say(
            f"({result.key}) {result.title:<32} {result.round:>5} "
            f"{result.requests_per_second:>8.0f} "
            f"{result.p50_ms:>8.1f} {result.p99_ms:>8.1f} {result.errors:>7} "
            f"{result.spooled:>8} {rows:>7} {result.worker_boots:>6} "
            f"{result.other_cpu_share:>9.0%}"
        )
    say(
        "errors = non-2xx + socket errors (wrk); spooled = webhooks answered 200 after a failure "
        "(payload spooled); rows = rows written during the phase (about the request count); "
        "boots = gunicorn workers (re)started during the phase (max_requests); "
        "other CPU = share of the machine used by other processes meanwhile (at least)"
    )
    for result in results:
        if result.socket_errors:
            kinds = ", ".join(
                f"{count} {name}" for name, count in result.socket_error_kinds.items()
            )
            say(f"({result.key}) socket errors: {kinds} (timeouts: no answer in {WRK_TIMEOUT})")
    for result in results:
        if result.other_cpu_share >= 0.05:
            say(f"({result.key}) other CPU: {result.other_cpu_top}")
    for result in results:
        if result.ran_out:
            say(
                f"INVALID ({result.key}): a wrk thread ran out of signed requests; "
                "rerun with a higher --rate-ceiling"
            )


def median_of_rounds(values: list[float]) -> tuple[float, str]:
    """The median, and how the rounds spread around it ("" for a single round)."""
    middle = statistics.median(values)
    if len(values) == 1:
        return middle, ""
    return middle, f" (median of {len(values)} rounds: {min(values):.0%}-{max(values):.0%})"


def goals(results: list[Result], *, connections: int) -> list[tuple[str, bool | None]]:
    open_loop_results = [result for result in results if result.offered_rate is not None]
    results = [result for result in results if result.offered_rate is None]
    rounds: dict[int, dict[str, Result]] = defaultdict(dict)
    for result in results:
        rounds[result.round][result.key] = result
    lines: list[tuple[str, bool | None]] = []
    for key, name, share in (("c", "answer", GOAL_ANSWER_SHARE), ("d", "event", GOAL_EVENT_SHARE)):
        ratios = [
            phases[key].requests_per_second / phases["b"].requests_per_second
            for phases in rounds.values()
            if key in phases and "b" in phases
        ]
        if ratios:
            ratio, spread = median_of_rounds(ratios)
            lines.append(
                (
                    f"({key})/(b) {name} throughput {ratio:.0%} of the bare view{spread}"
                    f" (goal >= {share:.0%})",
                    ratio >= share,
                )
            )
    for key in ("c", "d"):
        of_key = [result for result in results if result.key == key]
        if of_key:
            p99 = statistics.median(result.p99_ms for result in of_key)
            throughput = statistics.median(result.requests_per_second for result in of_key)
            # Little's law: with every connection always waiting for an answer, the mean
            # latency is connections / throughput, and p99 cannot be below the mean.
            mean_ms = connections / throughput * 1000
            needed = connections / GOAL_P99_MS * 1000
            median = f"median of {len(of_key)} rounds: " if len(of_key) > 1 else ""
            lines.append(
                (
                    f"({key}) p99 {median}{p99:.1f} ms (goal < {GOAL_P99_MS:.0f} ms; {connections}"
                    f" connections at this rate wait {mean_ms:.0f} ms on average, the goal"
                    f" needs over {needed:.0f} req/s)",
                    p99 < GOAL_P99_MS,
                )
            )
    for key in ("c", "d"):
        of_key = [result for result in open_loop_results if result.key == key]
        if of_key:
            p99 = statistics.median(result.p99_ms for result in of_key)
            served = statistics.median(result.requests_per_second for result in of_key)
            lines.append(
                (
                    f"({key}) open loop, {of_key[0].offered_rate:.0f} req/s arriving, served"
                    f" {served:.0f}: p99 {p99:.1f} ms (the latency below saturation; the goal is"
                    " judged on the saturated phase above)",
                    None,
                )
            )
    failures = sum(result.errors + result.spooled for result in results + open_loop_results)
    lines.append((f"errors {failures} in all phases, spooled included (goal 0)", failures == 0))
    return lines


# Main --------------------------------------------------------------------------------------


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    server: Server | None = None
    try:
        lock = run_lock()  # noqa: F841 - held until the process exits
        wrk_path = ensure_wrk()
        source = ROOT if args.no_snapshot else snapshot_tree(workdir / "src")
        sys.path.insert(0, str(source))  # this process imports the code it serves
        configure_environment(args, workdir, source=source)
        say(f"preparing: database {args.database_url}, Redis {args.redis_url}, work dir {workdir}")
        step = time.monotonic()
        database_recreate(args.database_url)
        django_prepare()
        redis_clear(args.redis_url)
        info = versions(wrk_path, args.redis_url)
        say(f"    database migrated and loaded in {time.monotonic() - step:.1f} s")
        step = time.monotonic()
        server = Server(workers=args.workers, log_path=workdir / "gunicorn.log", source=source)
        # Every worker imports the URLconf (and the views) on its first request: not in a phase.
        subprocess.run(
            [
                wrk_path,
                f"-t{args.threads}",
                f"-c{args.connections}",
                "-d2s",
                f"http://127.0.0.1:{server.port}/bench/ncco",
            ],
            capture_output=True,
            check=False,
        )
        say(f"    gunicorn serving, every worker warm, in {time.monotonic() - step:.1f} s")
        say(setup_line(args, info, source=source))
        say(f"load average before measuring: {load_average()} (other work here skews the figures)")
        say(f"serving on 127.0.0.1:{server.port}")
        results = [
            run_phase(
                phase,
                round_number=round_number,
                offered_rate=offered_rate,
                server=server,
                wrk_path=wrk_path,
                args=args,
                workdir=workdir,
            )
            for round_number, phase, offered_rate in phase_plan(args)
        ]
        print_table(results)
        say("")
        for line, met in goals(results, connections=args.connections):
            say(f"{({True: 'PASS', False: 'MISS', None: 'INFO'})[met]}  {line}")
        if any(result.errors or result.spooled for result in results):
            args.keep_files = True
            say("\nfirst errors in the server log:")
            for line in server.errors():
                say(f"    {line}")
        say(f"\nwhole run {time.monotonic() - started:.0f} s; load average now {load_average()}")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "date": datetime.now(UTC).isoformat(timespec="seconds"),
                        "setup": setup_line(args, info, source=source),
                        "workers": args.workers,
                        "connections": args.connections,
                        "duration": args.duration,
                        "rounds": args.rounds,
                        "versions": info,
                        "results": [asdict(result) for result in results],
                    },
                    indent=2,
                )
            )
        return 0
    except SetupError as error:
        say(f"setup failed: {error}")
        return 2
    except KeyboardInterrupt:
        say("interrupted: stopping the server")
        return 130
    finally:
        if server is not None:
            step = time.monotonic()
            server.stop()
            say(f"gunicorn stopped in {time.monotonic() - step:.1f} s")
            if server.process.returncode not in (0, None):
                say(f"gunicorn exited with {server.process.returncode}")
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        try:
            redis_clear(args.redis_url)
        except Exception as error:  # cleaning up is best effort
            say(f"could not clear the benchmark's Redis keys: {error}")
        if args.keep_files:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
