"""Load mode: Poisson callers through the running sandbox, simulated agents through the agent
API, and a summary set against Erlang C (docs/sandbox.md, "Load mode")."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from callcentre.management import run_env
from sandbox.control_client import ControlClient, ControlError
from sandbox.load.plan import LoadPlan, PlanError, parse_duration, parse_patience, parse_rate
from sandbox.load.report import report_text
from sandbox.load.run import load_run


class Command(BaseCommand):
    help = (
        "Play Poisson traffic into a queue through the sandbox, with simulated agents taking "
        "offers from the agent websocket, and compare the figures with Erlang C."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rate", required=True, help="arrivals: 120/h, 2/min or 0.5/s")
        parser.add_argument("--talk", required=True, help="mean talk time (exponential): 180, 3m")
        parser.add_argument("--agents", type=int, required=True, help="simulated agents")
        parser.add_argument(
            "--patience",
            default="off",
            help="mean patience before hanging up (exponential), or off",
        )
        parser.add_argument("--duration", required=True, help="call time of arrivals: 1h, 30m")
        parser.add_argument("--speed", type=float, required=True, help="call time runs this faster")
        parser.add_argument(
            "--queue", required=True, help="the queue's name (reached from the menu)"
        )
        parser.add_argument("--seed", type=int, help="random seed, for a repeatable run")
        parser.add_argument("--wrap-up", default="0", help="agents' wrap-up after each call (0)")
        parser.add_argument(
            "--drain",
            help="after the arrivals, how long callers may finish (default 10 talk times)",
        )
        parser.add_argument(
            "--warmup",
            default="0",
            help="the first part of the arrivals, played but not measured (the centre starts "
            "empty; Erlang C is the steady state): 10m (default 0)",
        )
        parser.add_argument(
            "--app-url", default=run_env.app_url(), help="the project (default %(default)s)"
        )
        parser.add_argument(
            "--socket-url",
            help="the ASGI server of the agents' websocket, when not --app-url (production "
            "layout: uvicorn beside gunicorn)",
        )
        parser.add_argument(
            "--control-url",
            default=run_env.sandbox_control_url(),
            help="the sandbox's control port (default %(default)s)",
        )
        parser.add_argument("--json", help="also write the summary to this file as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = LoadPlan(
                arrivals_per_hour=parse_rate(options["rate"]),
                talk_seconds=parse_duration(options["talk"]),
                agents=options["agents"],
                patience_seconds=parse_patience(options["patience"]),
                duration_seconds=parse_duration(options["duration"]),
                speed=options["speed"],
                queue=options["queue"],
                seed=options["seed"],
                wrap_up_seconds=parse_duration(options["wrap_up"]),
                drain_seconds=parse_duration(options["drain"]) if options["drain"] else None,
                warmup_seconds=parse_duration(options["warmup"]),
            )
            with ControlClient(options["control_url"]) as control:
                summary = load_run(
                    plan,
                    control=control,
                    app_url=options["app_url"],
                    socket_url=options["socket_url"],
                    say=self.stdout.write,
                )
        except (PlanError, ControlError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(report_text(summary))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
