"""What a load run measured, set against Erlang C for the same rate, talk time and agents.

Times come from two clocks that are the same wall clock: the callers' and agents' records
(`time.time()`) and the project's task and offer timestamps (`timezone.now()`). Durations are
real seconds times the speed, i.e. call seconds.

- offered: callers who reached the queue (a task exists for their call);
  answered + abandoned + still waiting (+ dropped: the call ended under them) = offered.
- P(wait): the share of offered callers not offered to an agent at once (their first offer came
  more than IMMEDIATE_REAL_SECONDS after they joined the queue: routing on the enqueue's own
  commit takes milliseconds). On a loaded machine a routing slower than that counts as a
  wait, so the report also gives
- P(all busy): Erlang C's own event, the share of offered callers who joined the queue while
  every simulated agent was busy with another caller (from the accepted offer of that caller
  to their hang-up plus wrap-up) or not available yet: the traffic's answer, whatever the
  project's speed (its slowness shows in ASA, service level and the waste).
- ASA and service level: from joining the queue to being connected with the agent, what the
  caller lives; the service level counts answers within the queue's target over all offered.
- occupancy: agents' busy time (offer to hang-up) in the arrival window over agents x window.
- wasted agent time: per answered call, the time between the agent being free for this caller
  (the later of the caller queueing and the agent's previous hang-up plus wrap-up) and the
  caller being connected: the routing, the offer's way to the agent's websocket (publish,
  Redis, the ASGI process), the accept, connecting the softphone and the caller's "please
  hold" prompt. Erlang C assumes none of it.
- the warm-up (`--warmup`): the callers who arrive in it are played (they hold agents and
  queue as any other) but the figures and the realised traffic are taken over the callers
  who arrive after it, and the occupancy over the rest of the arrival window: the centre
  starts empty, every agent free, and Erlang C is the steady state that follows. The
  counts of offered, answered, dropped... stay over every caller.
- the Erlang columns: for the plan; for the realised traffic; for it with the waste added to
  each call's handle time (the agent is held that long); and "waste both sides", which also
  adds the waste to each caller's answer (the caller lives it too: a caller an agent was
  free for at once is connected after the waste, one who queued after their queue wait plus
  the waste). The waste a caller lives depends on whether they queued: one who found an agent
  free hears the whole "please hold" prompt while the chain connects them, one who queued
  heard it long before. So the model's callers who find an agent free are answered after a
  waste drawn from the measured callers who found one free, and its callers who queue after
  their queue wait plus a waste drawn from the measured callers who queued (each call's own,
  not the mean: a call that wasted more than the target is never within it). With patience
  (Erlang A) a caller can also hang up in the waste. That last column is what a chain that
  wastes this much should measure.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from reports.erlang import ErlangA, ErlangC, erlang_a, erlang_c
from routing.models import Offer, Queue, Task
from sandbox.load.agents import AgentRecord
from sandbox.load.callers import CallerRecord
from sandbox.load.plan import Arrival, LoadPlan
from sandbox.load.replay import Replayed, overlap, replay

IMMEDIATE_REAL_SECONDS = 0.1
# A warm-up this many talk times long leaves the calls in progress within 2 % of the steady
# state's (the number in progress of a centre that starts empty grows as 1 - exp(-t / talk)).
STEADY_TALK_TIMES = 4


@dataclass(frozen=True)
class CallWaste:
    seconds: float  # call seconds from an agent being free for the caller to connected
    queued: bool  # no agent was free when the caller joined the queue


def wastes_of_kind(calls: tuple[CallWaste, ...], *, queued: bool) -> list[float]:
    """The wastes of the calls that queued (or found an agent free); every call's when none
    did."""
    kind = [call.seconds for call in calls if call.queued == queued]
    return kind or [call.seconds for call in calls]


@dataclass(frozen=True)
class AnsweredAfterWaste:
    """An Erlang model whose callers are connected some seconds after an agent is free for
    them: a caller who finds an agent free after one of the wastes of the `calls` that did,
    a caller who queues after their queue wait and one of the wastes of the calls that
    queued, each as likely (the other kind's when a kind has none). The same P(wait) and
    occupancy. With patience (Erlang A), a caller can hang up in the waste too: the model's
    exponential patience is memoryless, so a caller still there when an agent is free for them
    stays through a waste of d seconds with probability exp(-d / patience)."""

    model: ErlangC | ErlangA
    calls: tuple[CallWaste, ...]
    patience_seconds: float | None = None

    def _stays(self, delay: float) -> float:
        return math.exp(-delay / self.patience_seconds) if self.patience_seconds else 1.0

    def delays(self, *, queued: bool) -> list[float]:
        return wastes_of_kind(self.calls, queued=queued)

    @property
    def probability_of_waiting(self) -> float:
        return self.model.probability_of_waiting

    @property
    def probability_of_abandoning(self) -> float:
        in_queue = getattr(self.model, "probability_of_abandoning", 0.0)
        at_once = 1 - self.model.probability_of_waiting
        after_queueing = self.model.probability_of_waiting - in_queue
        return (
            in_queue
            + at_once * mean([1 - self._stays(delay) for delay in self.delays(queued=False)])
            + after_queueing * mean([1 - self._stays(delay) for delay in self.delays(queued=True)])
        )

    @property
    def average_speed_of_answer(self) -> float:
        waiting = self.model.probability_of_waiting
        return (
            self.model.average_speed_of_answer
            + (1 - waiting) * mean(self.delays(queued=False))
            + waiting * mean(self.delays(queued=True))
        )

    @property
    def occupancy(self) -> float:
        return self.model.occupancy

    def service_level(self, target_seconds: float) -> float:
        """Found an agent free and wasted no more than the target, or queued and were
        answered within the target less the waste (the model's share answered after
        queueing, by then); and stayed through the waste."""
        at_once = 1 - self.model.probability_of_waiting  # the model's share at 0 s
        found_free = at_once * mean(
            [
                self._stays(delay) if delay <= target_seconds else 0.0
                for delay in self.delays(queued=False)
            ]
        )
        after_queueing = mean(
            [
                max(0.0, self.model.service_level(target_seconds - delay) - at_once)
                * self._stays(delay)
                if delay <= target_seconds
                else 0.0
                for delay in self.delays(queued=True)
            ]
        )
        return found_free + after_queueing


Model = ErlangC | ErlangA | AnsweredAfterWaste | Replayed


@dataclass
class Figures:
    probability_of_waiting: float
    probability_all_busy: float
    average_speed_of_answer: float
    service_level: float
    occupancy: float
    abandoned: float  # the share of the measured callers who hung up while waiting


@dataclass
class Summary:
    plan: LoadPlan
    service_level_seconds: int
    scheduled: int
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    still_waiting: int = 0
    dropped: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)
    arrivals_per_hour: float = 0.0
    talk_seconds: float = 0.0
    offers: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    measured: Figures | None = None
    talk_occupancy: float = 0.0
    waste: dict[str, float] = field(default_factory=dict)  # mean call seconds per answered call
    waste_per_call: list[CallWaste] = field(default_factory=list)  # each answered call's
    measured_callers: int = 0  # offered callers who arrived after the warm-up
    arrivals: list[Arrival] = field(default_factory=list)  # the offered callers' draws

    @property
    def predicted(self) -> ErlangC:
        return erlang_c(
            arrivals_per_hour=self.plan.arrivals_per_hour,
            handle_seconds=self.plan.talk_seconds,
            agents=self.plan.agents,
        )

    @property
    def realised(self) -> ErlangC:
        """Erlang C for the traffic this run drew: its arrival rate and mean talk time."""
        return erlang_c(
            arrivals_per_hour=self.arrivals_per_hour,
            handle_seconds=self.talk_seconds,
            agents=self.plan.agents,
        )

    @property
    def realised_with_waste(self) -> ErlangC:
        return erlang_c(
            arrivals_per_hour=self.arrivals_per_hour,
            handle_seconds=self.talk_seconds + self.wasted_seconds,
            agents=self.plan.agents,
        )

    def erlang_a_models(self) -> dict[str, Model]:
        """Erlang A (M/M/N+M) for the plan, the realised traffic and it with the waste: with
        --patience, what the callers' abandoning is set against."""
        patience = self.plan.patience_seconds
        if patience is None:
            return {}
        shapes = {
            "Erlang A: plan": (self.plan.arrivals_per_hour, self.plan.talk_seconds),
            "realised": (self.arrivals_per_hour, self.talk_seconds),
            "realised + waste": (self.arrivals_per_hour, self.talk_seconds + self.wasted_seconds),
        }
        models: dict[str, Model] = {
            name: erlang_a(
                arrivals_per_hour=rate,
                handle_seconds=handle,
                agents=self.plan.agents,
                patience_seconds=patience,
            )
            for name, (rate, handle) in shapes.items()
            if rate > 0 and handle > 0
        }
        if "realised + waste" in models:
            models["waste both sides"] = AnsweredAfterWaste(
                models["realised + waste"], self.call_wastes, patience_seconds=patience
            )
        return models

    @property
    def erlang_c_models(self) -> dict[str, Model]:
        """The plan's, and the realised traffic's when the measured callers drew any (none
        answered: no talk time to model)."""
        if self.arrivals_per_hour <= 0 or self.talk_seconds <= 0:
            return {"Erlang C: plan": self.predicted}
        return {
            "Erlang C: plan": self.predicted,
            "realised": self.realised,
            "realised + waste": self.realised_with_waste,
            "waste both sides": AnsweredAfterWaste(self.realised_with_waste, self.call_wastes),
        }

    def replay_models(self) -> dict[str, Model]:
        """The offered callers through an ideal queue (sandbox.load.replay): wasting nothing,
        and wasting what the measured calls of their kind did (found an agent free, or
        queued)."""
        if not self.arrivals:
            return {}
        calls = self.call_wastes
        return {
            "replay": replay(plan=self.plan, arrivals=self.arrivals),
            "replay + waste": replay(
                plan=self.plan,
                arrivals=self.arrivals,
                found_free=wastes_of_kind(calls, queued=False),
                queued=wastes_of_kind(calls, queued=True),
            ),
        }

    @property
    def wasted_seconds(self) -> float:
        return sum(self.waste.values())

    @property
    def call_wastes(self) -> tuple[CallWaste, ...]:
        """Each answered call's waste; the mean for every call when they were not kept."""
        return tuple(self.waste_per_call) or (CallWaste(self.wasted_seconds, queued=False),)

    def waste_percentile(self, share: float, *, queued: bool | None = None) -> float:
        """The waste under which `share` of the calls (that queued, or found an agent free)
        fall."""
        ordered = sorted(
            call.seconds for call in self.call_wastes if queued is None or call.queued == queued
        )
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def as_dict(self) -> dict:
        models = self.erlang_c_models

        def figures(model: Model) -> dict[str, float]:
            return {
                "probability_of_waiting": model.probability_of_waiting,
                "average_speed_of_answer": model.average_speed_of_answer,
                "service_level": model.service_level(self.service_level_seconds),
                "occupancy": model.occupancy,
            }

        erlang_a_figures = {
            name: {**figures(model), "probability_of_abandoning": model.probability_of_abandoning}
            for name, model in self.erlang_a_models().items()
        }
        return {
            "erlang_a": erlang_a_figures,
            "warmup_seconds": self.plan.warmup_seconds,
            "measured_callers": self.measured_callers,
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "still_waiting": self.still_waiting,
            "dropped": self.dropped,
            "failed": self.failed,
            "arrivals_per_hour": self.arrivals_per_hour,
            "talk_seconds": self.talk_seconds,
            "offers": self.offers,
            "measured": vars(self.measured) if self.measured else None,
            **{
                key: figures(models[name]) if name in models else None
                for key, name in (
                    ("erlang_c", "Erlang C: plan"),
                    ("erlang_c_realised", "realised"),
                    ("erlang_c_realised_with_waste", "realised + waste"),
                    ("erlang_c_waste_both_sides", "waste both sides"),
                )
            },
            "talk_occupancy": self.talk_occupancy,
            "wasted_seconds_per_answered_call": self.wasted_seconds,
            "wasted_seconds_median": self.waste_percentile(0.5),
            "wasted_seconds_90th_percentile": self.waste_percentile(0.9),
            "waste_per_call": [vars(call) for call in self.waste_per_call],
            **{
                name.replace(" + ", "_with_"): figures(model)
                for name, model in self.replay_models().items()
            },
            "waste": self.waste,
        }


def seconds_between(start: datetime | float | None, end: datetime | float | None) -> float | None:
    if start is None or end is None:
        return None
    start = start.timestamp() if isinstance(start, datetime) else start
    end = end.timestamp() if isinstance(end, datetime) else end
    return end - start


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def measure(
    *,
    plan: LoadPlan,
    queue: Queue,
    started_at: float,
    callers: list[CallerRecord],
    agents: list[AgentRecord],
) -> Summary:
    speed = plan.speed
    summary = Summary(
        plan=plan, service_level_seconds=queue.service_level_seconds, scheduled=len(callers)
    )
    tasks = {
        task.conversation.vonage_uuid: task
        for task in Task.objects.filter(
            queue=queue, conversation__vonage_uuid__in=[c.conversation_uuid for c in callers]
        )
        .select_related("conversation")
        .prefetch_related("offers")
    }
    offered = [(c, tasks[c.conversation_uuid]) for c in callers if c.conversation_uuid in tasks]
    for caller in callers:
        queued = caller.conversation_uuid in tasks
        summary.failed += not queued
        # A caller who never queued, or one dropped after queueing: what went wrong for them.
        if not queued or caller.outcome == "failed":
            problem = caller.problem or "no task in the queue for this call"
            if problem not in summary.problems:
                summary.problems.append(problem)
    summary.offered = len(offered)
    summary.arrivals = [caller.arrival for caller, _ in offered]
    for outcome, attribute in (
        ("answered", "answered"),
        ("abandoned", "abandoned"),
        ("waiting", "still_waiting"),
    ):
        setattr(summary, attribute, sum(1 for c, _ in offered if c.outcome == outcome))
    summary.dropped = summary.offered - summary.answered - summary.abandoned - summary.still_waiting
    # Everyone's offers and conflicts are counted; the figures are the measured callers'.
    all_offers = [offer for _, task in offered for offer in task.offers.all()]
    summary.offers = {"made": len(all_offers)}
    for state in Offer.State:
        summary.offers[state.value] = sum(1 for offer in all_offers if offer.state == state)
    summary.conflicts = sum(agent.conflicts for agent in agents)
    measured = [(c, t) for c, t in offered if c.arrival.at >= plan.warmup_seconds]
    summary.measured_callers = len(measured)
    summary.arrivals_per_hour = len(measured) / (plan.duration_seconds - plan.warmup_seconds) * 3600
    answered = [(c, t) for c, t in measured if c.outcome == "answered"]
    # The talk times the answered callers drew, not the ones they had: the end of the drain
    # cuts the last long calls short, which would make the realised traffic lighter than it was.
    summary.talk_seconds = mean([c.arrival.talk for c, _ in answered])
    if not measured:
        return summary

    waited = 0
    for _, task in measured:
        first = min((offer.created_at for offer in task.offers.all()), default=None)
        delay = seconds_between(task.queued_at, first)
        if delay is None or delay > IMMEDIATE_REAL_SECONDS:
            waited += 1
    waits = [seconds_between(t.queued_at, c.connected_at) * speed for c, t in answered]
    target = queue.service_level_seconds
    window = (
        started_at + plan.real_seconds(plan.warmup_seconds),
        started_at + plan.real_seconds(plan.duration_seconds),
    )
    busy = talk_busy = 0.0
    # Every answered caller's time with an agent in the window: the warm-up's too.
    for caller, task in ((c, t) for c, t in offered if c.outcome == "answered"):
        accepted = accepted_offer(task)
        if accepted is not None:
            busy += overlap(accepted.created_at.timestamp(), caller.hung_up_at, window)
        talk_busy += overlap(caller.connected_at, caller.hung_up_at, window)
    capacity = plan.agents * (window[1] - window[0])
    summary.measured = Figures(
        probability_of_waiting=waited / len(measured),
        probability_all_busy=all_busy_share(
            plan=plan, offered=offered, agents=agents, measured=measured
        ),
        average_speed_of_answer=mean(waits),
        service_level=sum(1 for wait in waits if wait <= target) / len(measured),
        occupancy=busy / capacity,
        abandoned=sum(1 for c, _ in measured if c.outcome == "abandoned") / len(measured),
    )
    summary.talk_occupancy = talk_busy / capacity
    summary.waste, summary.waste_per_call = waste(
        plan=plan, offered=offered, agents=agents, measured=measured
    )
    return summary


def accepted_offer(task: Task) -> Offer | None:
    accepted = [offer for offer in task.offers.all() if offer.state == Offer.State.ACCEPTED]
    return accepted[-1] if accepted else None


def all_busy_share(
    *,
    plan: LoadPlan,
    offered: list[tuple[CallerRecord, Task]],
    agents: list[AgentRecord],
    measured: list[tuple[CallerRecord, Task]] | None = None,
) -> float:
    """The share of the measured callers (default: every offered caller) who joined the queue
    while every agent was busy with another offered caller or not available yet (Erlang C's
    "all servers busy on arrival")."""
    measured = offered if measured is None else measured
    wrap_up = plan.real_seconds(plan.wrap_up_seconds)
    busy: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for caller, task in offered:
        offer = accepted_offer(task)
        if offer is not None and task.agent_id is not None:
            ended = caller.hung_up_at + wrap_up if caller.hung_up_at is not None else float("inf")
            busy[task.agent_id].append((offer.created_at.timestamp(), ended))
    available_at = [agent.available_at for agent in agents]
    ids = [agent.account.agent_id for agent in agents]
    all_busy = 0
    for _, task in measured:
        at = task.queued_at.timestamp()
        free = sum(
            1
            for agent_id, since in zip(ids, available_at, strict=True)
            if since is not None
            and since <= at
            and not any(start < at < end for start, end in busy[agent_id])
        )
        all_busy += free == 0
    return all_busy / len(measured)


def waste(
    *,
    plan: LoadPlan,
    offered: list[tuple[CallerRecord, Task]],
    agents: list[AgentRecord],
    measured: list[tuple[CallerRecord, Task]] | None = None,
) -> tuple[dict[str, float], list[CallWaste]]:
    """Call seconds between 'agent free for this caller' and connected, over the measured
    callers (default: every offered caller): each part's mean per answered call, and each
    answered call's whole waste. Every offered caller moves the agents' clocks."""
    counted_tasks = {id(task) for _, task in (offered if measured is None else measured)}
    free_since = {agent.account.agent_id: agent.available_at for agent in agents}
    seen_at = {offer_id: at for agent in agents for offer_id, at in agent.offer_seen_at.items()}
    wrap_up = plan.real_seconds(plan.wrap_up_seconds)
    parts: dict[str, list[float]] = defaultdict(list)
    per_call: list[CallWaste] = []
    handled = sorted(
        ((c, t) for c, t in offered if t.agent_id is not None and t.assigned_at is not None),
        key=lambda pair: pair[1].assigned_at,
    )
    for caller, task in handled:
        offer = accepted_offer(task)
        previous_free = free_since.get(task.agent_id)
        if caller.hung_up_at is not None:
            free_since[task.agent_id] = caller.hung_up_at + wrap_up
        if caller.outcome != "answered" or offer is None or previous_free is None:
            continue
        if id(task) not in counted_tasks:
            continue
        ready = max(task.queued_at.timestamp(), previous_free)
        offered_at = offer.created_at.timestamp()
        parts["free agent to offer"].append(max(0.0, offered_at - ready))
        seen = seen_at.get(offer.pk)
        if seen is not None and seen <= task.assigned_at.timestamp():
            parts["offer to the agent's websocket"].append(seen - offered_at)
            parts["websocket to accept"].append(task.assigned_at.timestamp() - seen)
        else:  # taken from the API (a missed message): no split
            parts["offer to accept (API)"].append(task.assigned_at.timestamp() - offered_at)
        parts["accept to connected"].append(caller.connected_at - task.assigned_at.timestamp())
        seconds = max(offered_at, ready) - ready + caller.connected_at - offered_at
        queued = previous_free > task.queued_at.timestamp()
        per_call.append(CallWaste(seconds * plan.speed, queued=queued))
    # Per answered call (a part only some calls have counts as 0 for the others), so that
    # the parts add up to the mean waste.
    counted = len(per_call)
    means = {name: sum(values) / counted * plan.speed for name, values in parts.items()}
    return means, per_call


def report_text(summary: Summary) -> str:
    plan = summary.plan
    patience = f"{plan.patience_seconds:g} s" if plan.patience_seconds else "off"
    lines = [
        f"Load run: {plan.arrivals_per_hour:g}/h to {plan.queue}, talk {plan.talk_seconds:g} s, "
        f"{plan.agents} agents, patience {patience}, wrap-up {plan.wrap_up_seconds:g} s, "
        f"{plan.duration_seconds:g} s at x{plan.speed:g} (seed {plan.seed})",
        f"Callers:  offered {summary.offered} = answered {summary.answered} + abandoned "
        f"{summary.abandoned} + still waiting {summary.still_waiting}"
        + (f" + dropped {summary.dropped}" if summary.dropped else "")
        + f"   (arrivals {summary.scheduled}, never queued {summary.failed})",
        f"Realised: {summary.arrivals_per_hour:.1f} arrivals/h, talk {summary.talk_seconds:.1f} s "
        "mean"
        + (
            f" (the {summary.measured_callers} callers after the {plan.warmup_seconds:g} s "
            "warm-up, as every figure below)"
            if plan.warmup_seconds
            else ""
        ),
        "Offers:   "
        + ", ".join(f"{count} {state.replace('_', ' ')}" for state, count in summary.offers.items())
        + f"; {summary.conflicts} accepts too late (409)",
    ]
    for problem in summary.problems[:5]:
        lines.append(f"  problem: {problem}")
    filled = plan.warmup_seconds / plan.talk_seconds
    if filled < STEADY_TALK_TIMES:
        lines.append(
            f"  note: the warm-up is {filled:.1f} talk times; a centre that starts empty fills as "
            f"1 - exp(-t / talk), so the calls in progress when it ended were still about "
            f"{math.exp(-filled):.0%} under the steady state's, which Erlang C is: give --warmup "
            f"{STEADY_TALK_TIMES} talk times or more"
        )
    if summary.measured is None:
        lines.append("Nobody reached the queue: nothing to measure.")
        return "\n".join(lines)
    wasted = summary.wasted_seconds
    handle = summary.talk_seconds + wasted
    parts = ", ".join(f"{name} {value:.1f} s" for name, value in summary.waste.items())
    lines += [
        "",
        comparison(summary, summary.erlang_c_models),
        "",
    ]
    replays, erlang_a_models = summary.replay_models(), summary.erlang_a_models()
    if replays:
        lines += [
            comparison(
                summary,
                replays,
                abandoning=plan.patience_seconds is not None,
            ),
            "",
            "The same callers (their arrivals, talk times and patience) through an ideal queue of",
            f"{plan.agents} agents, first come first served: wasting nothing, and each wasting "
            "one of",
            "the measured wastes of their kind (found an agent free, or queued). Erlang C is the",
            "mean over every run the plan could draw; the replay is this run's draw, so what",
            "differs from it is the chain.",
            "",
        ]
    if erlang_a_models:
        lines += [
            comparison(summary, erlang_a_models, abandoning=True),
            "",
            "With patience, Erlang A (M/M/N+M: exponential patience of the plan's mean) for the",
            "same four; the callers who hung up count as not answered in the service level.",
            "",
        ]
    lines += [
        "Erlang C for the plan's rate and talk time; for the realised traffic (the arrivals and",
        "talk times this run drew); for it with the wasted agent time added to each call; and",
        "with each call's waste also added to its caller's answer (waste both sides).",
        f"Talk occupancy {summary.talk_occupancy:.3f} (connected to hang-up).",
        f"Wasted agent time per answered call: {wasted:.1f} s "
        f"({wasted / handle if handle else 0:.1%} of handle time)"
        f"{': ' + parts if parts else ''}.",
        "Waste per call, median / 90th percentile: "
        + "; ".join(
            f"{kind} {summary.waste_percentile(0.5, queued=queued):.1f} / "
            f"{summary.waste_percentile(0.9, queued=queued):.1f} s"
            for kind, queued in (
                ("every call", None),
                ("found an agent free", False),
                ("queued", True),
            )
        )
        + ".",
    ]
    return "\n".join(lines)


def comparison(summary: Summary, models: dict[str, Model], *, abandoning: bool = False) -> str:
    measured = summary.measured
    assert measured is not None
    target = summary.service_level_seconds
    rows = [
        ("P(wait)", measured.probability_of_waiting, "probability_of_waiting", "{:.3f}"),
        (
            "P(all busy on arrival)",
            measured.probability_all_busy,
            "probability_of_waiting",
            "{:.3f}",
        ),
        ("ASA (s)", measured.average_speed_of_answer, "average_speed_of_answer", "{:.1f}"),
        (f"Service level ({target} s)", measured.service_level, "service_level", "{:.3f}"),
        ("Occupancy", measured.occupancy, "occupancy", "{:.3f}"),
    ]
    if abandoning:
        rows.insert(1, ("Abandoned", measured.abandoned, "probability_of_abandoning", "{:.3f}"))
    lines = [f"{'':24}{'measured':>10}" + "".join(f"{title:>18}" for title in models)]
    for name, got, figure, shape in rows:
        predictions = [
            model.service_level(target) if figure == "service_level" else getattr(model, figure)
            for model in models.values()
        ]
        lines.append(
            f"{name:24}{shape.format(got):>10}"
            + "".join(f"{shape.format(value):>18}" for value in predictions)
        )
    return "\n".join(lines)
