"""Running a load plan: the simulated agents log in, callers arrive on their schedule, the run
drains, the agents log out, and the summary is measured.

The project (its web server, Celery and beat) and the sandbox must already run, the sandbox at
the plan's speed with wall-clock timestamps (`manage.py run_sandbox --speed 10 --timestamps
wall --app-answer-delay 0`): agents' softphone legs run on the sandbox's own speed, and the
project's timers on the wall clock.
"""

import threading
import time
from collections.abc import Callable

from sandbox.control_client import ControlClient
from sandbox.load.agents import SimulatedAgent
from sandbox.load.callers import SimulatedCaller
from sandbox.load.plan import LoadPlan, PlanError, arrivals
from sandbox.load.report import Summary, measure
from sandbox.load.setup import centre_prepare, centre_restore

SETTLE_LIMIT_SECONDS = 30.0  # real seconds for the last hang-ups' webhooks to land
PROGRESS_SECONDS = 10.0


def sandbox_check(control: ControlClient, plan: LoadPlan) -> str:
    """The sandbox's first number, once its speed and timestamps suit the plan."""
    state = control.state()
    fix = (
        f"restart it with `manage.py run_sandbox --speed {plan.speed:g} --timestamps wall "
        "--app-answer-delay 0`"
    )
    if state["speed"] != plan.speed:
        raise PlanError(
            f"the sandbox runs at x{state['speed']:g}, the plan at x{plan.speed:g}: agents' "
            f"legs would run at the sandbox's speed; {fix}"
        )
    if state.get("timestamps") != "wall":
        raise PlanError(
            "the sandbox stamps webhooks with call time, which runs ahead of the wall clock "
            f"and would hold agents in wrap-up; {fix}"
        )
    return state["numbers"][0]


def load_run(
    plan: LoadPlan,
    *,
    control: ControlClient,
    app_url: str,
    socket_url: str | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> Summary:
    centre_number = sandbox_check(control, plan)
    centre = centre_prepare(plan)
    try:
        return play(
            plan,
            centre=centre,
            control=control,
            app_url=app_url,
            socket_url=socket_url,
            number=centre_number,
            say=say,
        )
    finally:
        centre_restore(centre)


def play(plan, *, centre, control, app_url, socket_url, number, say) -> Summary:
    agents = [
        SimulatedAgent(
            account=account, plan=plan, app_url=app_url, control=control, socket_url=socket_url
        )
        for account in centre.accounts
    ]
    for agent in agents:
        agent.start()
    for agent in agents:
        agent.ready.wait(timeout=30)
    problems = [problem for agent in agents for problem in agent.record.problems]
    if problems:
        for agent in agents:
            agent.stop()
        raise PlanError(f"the agents could not log in: {problems[0]}")

    schedule = arrivals(plan)
    say(f"{len(schedule)} callers in {plan.duration_seconds:g} call seconds, {len(agents)} agents")
    started_at = time.time()
    cut_off_at = started_at + plan.real_seconds(plan.duration_seconds + plan.drain)
    callers: list[SimulatedCaller] = []
    progress = Progress(started_at=started_at, plan=plan, callers=callers, say=say)
    try:
        for arrival in schedule:
            progress.wait_until(started_at + plan.real_seconds(arrival.at))
            caller = SimulatedCaller(
                control=control,
                plan=plan,
                arrival=arrival,
                centre_number=number,
                digit=centre.digit,
                cut_off_at=cut_off_at,
            )
            callers.append(caller)
            caller.thread.start()
        for caller in callers:
            while caller.thread.is_alive():
                progress.tick()
                caller.thread.join(timeout=1)
    finally:
        for agent in agents:
            agent.stop()
    settle(control)
    return measure(
        plan=plan,
        queue=centre.queue,
        started_at=started_at,
        callers=[caller.record for caller in callers],
        agents=[agent.record for agent in agents],
    )


def settle(control: ControlClient) -> None:
    """Waits until every leg has ended and the project has answered every webhook, so that
    what the project stored is final when it is measured (at most SETTLE_LIMIT_SECONDS)."""
    deadline = time.time() + SETTLE_LIMIT_SECONDS
    while time.time() < deadline:
        state = control.state()
        if state["live_calls"] == 0 and state["webhooks_pending"] == 0:
            return
        time.sleep(0.2)


class Progress:
    """A line every PROGRESS_SECONDS of real time: where the run is and how callers fared."""

    def __init__(self, *, started_at: float, plan: LoadPlan, callers: list, say) -> None:
        self.started_at = started_at
        self.plan = plan
        self.callers = callers
        self.say = say
        self.next_at = started_at + PROGRESS_SECONDS
        self.event = threading.Event()

    def wait_until(self, moment: float) -> None:
        while (remaining := moment - time.time()) > 0:
            self.tick()
            self.event.wait(min(remaining, 1.0))

    def tick(self) -> None:
        now = time.time()
        if now < self.next_at:
            return
        self.next_at = now + PROGRESS_SECONDS
        outcomes: dict[str, int] = {}
        for caller in self.callers:
            record = caller.record
            state = record.outcome
            if state == "pending" and record.connected_at:
                state = "talking"
            elif state == "pending":
                state = "holding" if record.queued_at else "in the menu"
            outcomes[state] = outcomes.get(state, 0) + 1
        elapsed = (now - self.started_at) * self.plan.speed
        self.say(
            f"  {elapsed / 60:6.1f} min: "
            + ", ".join(f"{count} {state}" for state, count in sorted(outcomes.items()))
        )
