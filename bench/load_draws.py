#!/usr/bin/env python
"""How far one load run's draw sits from Erlang C: a plan's seeds replayed through an ideal
queue (sandbox/load/replay.py), no project, no sandbox, a few seconds.

Usage: .venv/bin/python bench/load_draws.py --rate 1800/h --talk 6m --agents 195 \
           --duration 45m --warmup 25m [--patience 1m] [--seeds 200]

For --seeds seeds of the plan (`manage.py sandbox_load`'s options, the same draws), it replays
the callers who arrive after the warm-up through a first-come-first-served queue of the
plan's agents that wastes nothing, and prints Erlang C for the plan beside the mean, standard
deviation and range of the replays' P(wait) and service level (20 s), then the seeds whose
replay is nearest Erlang C: a run on one of those measures a typical draw. The standard
deviation is how far a single run's figures can honestly be expected to sit from Erlang C.
With --patience the callers hang up as the run's do, and the reference is Erlang A (with the
share of callers who abandon beside the other two figures).
docs/benchmarks.md ("Load runs on the production layout") records the figures.
"""

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SERVICE_LEVEL_SECONDS = 20


def main() -> int:
    from reports.erlang import erlang_a, erlang_c
    from sandbox.load.plan import (
        LoadPlan,
        PlanError,
        arrivals,
        parse_duration,
        parse_patience,
        parse_rate,
    )
    from sandbox.load.replay import replay

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", required=True, help="arrivals: 1800/h")
    parser.add_argument("--talk", required=True, help="mean talk time: 6m")
    parser.add_argument("--agents", type=int, required=True)
    parser.add_argument("--duration", required=True, help="call time of arrivals: 45m")
    parser.add_argument("--warmup", default="0", help="not measured: 25m")
    parser.add_argument("--patience", default="off", help="mean patience: 1m, or off")
    parser.add_argument("--seeds", type=int, default=200)
    options = parser.parse_args()
    try:
        plans = [
            LoadPlan(
                arrivals_per_hour=parse_rate(options.rate),
                talk_seconds=parse_duration(options.talk),
                agents=options.agents,
                patience_seconds=parse_patience(options.patience),
                duration_seconds=parse_duration(options.duration),
                warmup_seconds=parse_duration(options.warmup),
                speed=1,
                queue="",
                seed=seed,
            )
            for seed in range(1, options.seeds + 1)
        ]
    except (PlanError, ValueError) as error:
        print(f"load_draws: {error}", file=sys.stderr)
        return 2
    first = plans[0]
    common = {
        "arrivals_per_hour": first.arrivals_per_hour,
        "handle_seconds": first.talk_seconds,
        "agents": first.agents,
    }
    model = (
        erlang_a(**common, patience_seconds=first.patience_seconds)
        if first.patience_seconds
        else erlang_c(**common)
    )
    name = "Erlang A" if first.patience_seconds else "Erlang C"
    figures: list[tuple[str, Callable[[Any], float]]] = [
        ("P(wait)", lambda queue: queue.probability_of_waiting),
        (
            f"service level ({SERVICE_LEVEL_SECONDS} s)",
            lambda queue: queue.service_level(SERVICE_LEVEL_SECONDS),
        ),
    ]
    if first.patience_seconds:
        figures.append(("abandoned", lambda queue: queue.probability_of_abandoning))
    expected = [figure(model) for _, figure in figures]
    draws = []
    for plan in plans:
        replayed = replay(plan=plan, arrivals=arrivals(plan))
        draws.append((plan.seed, [figure(replayed) for _, figure in figures]))
    patience = f", patience {first.patience_seconds:g} s" if first.patience_seconds else ""
    print(
        f"{first.arrivals_per_hour:g}/h x {first.talk_seconds:g} s on {first.agents} agents"
        f"{patience}, {first.duration_seconds:g} s, warm-up {first.warmup_seconds:g} s, "
        f"{len(plans)} seeds"
    )
    print(f"{'':22}{name:>10}{'mean':>8}{'sd':>8}{'min':>8}{'max':>8}")
    for column, (label, _) in enumerate(figures):
        values = [seed_figures[column] for _, seed_figures in draws]
        print(
            f"{label:22}{expected[column]:>10.3f}{statistics.mean(values):>8.3f}"
            f"{statistics.stdev(values):>8.3f}{min(values):>8.3f}{max(values):>8.3f}"
        )
    nearest = sorted(
        draws,
        key=lambda draw: sum(abs(got - want) for got, want in zip(draw[1], expected, strict=True)),
    )[:5]
    labels = ", ".join(label.split(" (")[0] for label, _ in figures)
    print(
        f"Seeds nearest {name} ({labels}): "
        + ", ".join(
            f"{seed} ({', '.join(f'{value:.3f}' for value in values)})" for seed, values in nearest
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
