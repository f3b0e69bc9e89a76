"""bench/load_draws.py: a plan's draws replayed, set beside Erlang C."""

import subprocess
import sys
from pathlib import Path

from reports.erlang import erlang_a, erlang_c

SCRIPT = Path(__file__).resolve().parent.parent / "load_draws.py"


def run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments], capture_output=True, text=True, timeout=60
    )


def test_the_draws_are_set_beside_erlang_c_for_the_plan():
    done = run(
        "--rate",
        "200/h",
        "--talk",
        "3m",
        "--agents",
        "14",
        "--duration",
        "3h",
        "--warmup",
        "30m",
        "--seeds",
        "20",
    )

    assert done.returncode == 0, done.stderr
    expected = erlang_c(arrivals_per_hour=200, handle_seconds=180, agents=14)
    wait_row = next(line for line in done.stdout.splitlines() if line.startswith("P(wait)"))
    assert wait_row.split()[1] == f"{expected.probability_of_waiting:.3f}"
    assert "Seeds nearest Erlang C" in done.stdout


def test_with_patience_the_draws_are_set_beside_erlang_a_with_the_callers_who_abandon():
    done = run(
        *("--rate", "240/h", "--talk", "3m", "--agents", "14", "--patience", "1m"),
        *("--duration", "3h", "--warmup", "30m", "--seeds", "20"),
    )

    assert done.returncode == 0, done.stderr
    expected = erlang_a(arrivals_per_hour=240, handle_seconds=180, agents=14, patience_seconds=60)
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()}
    assert rows["P(wait)"][1] == f"{expected.probability_of_waiting:.3f}"
    assert rows["abandoned"][1] == f"{expected.probability_of_abandoning:.3f}"
    assert 0 < float(rows["abandoned"][2]) < 0.2  # the replays' callers do hang up
    assert "Seeds nearest Erlang A (P(wait), service level, abandoned)" in done.stdout


def test_a_plan_it_cannot_read_is_refused_with_the_reason():
    done = run("--rate", "fast", "--talk", "3m", "--agents", "14", "--duration", "3h")

    assert done.returncode == 2
    assert "a rate is like 120/h" in done.stderr
