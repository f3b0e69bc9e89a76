"""The same callers through an ideal queue: what a centre with the plan's agents does with the
very arrivals, talk times and patience a run drew, first wasting nothing, then wasting what the
chain measured.

Erlang C is the mean over every run a plan could draw. One run's callers can sit far from it:
the number of calls in progress wanders over several talk times, so a window a few talk times
long samples only a few of its swings, and at 180 Erlangs that alone moves P(wait) by more than
0.1 from one seed to the next. Set against the replay of its own callers, what differs is the
chain, not the draw.

The queue is first come, first served over identical agents: each caller in order of arrival
takes the agent free earliest (at once if one is free, else when that agent is). With a waste,
the agent is held for it before the talk and the caller is connected after it: a caller who
found an agent free wastes one of the `found_free` seconds, one who queued one of `queued`,
drawn at random (seeded: the same replay every time) from the run's measured wastes of each
kind (a caller who finds an agent free hears the whole "please hold" while the chain connects
them), so that their spread counts as it does in the run. A caller whose patience ends
before they are connected hangs up; an agent they were already offered to is free again then.
"""

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass

from sandbox.load.plan import Arrival, LoadPlan


@dataclass(frozen=True)
class Replayed:
    """The measured callers' figures, with the attributes the report's Erlang models have."""

    probability_of_waiting: float
    probability_of_abandoning: float
    occupancy: float
    answers: tuple[float, ...]  # each answered measured caller's seconds from queueing
    measured: int

    @property
    def average_speed_of_answer(self) -> float:
        return sum(self.answers) / len(self.answers) if self.answers else 0.0

    def service_level(self, target_seconds: float) -> float:
        within = sum(1 for answer in self.answers if answer <= target_seconds)
        return within / self.measured if self.measured else 0.0


def replay(
    *,
    plan: LoadPlan,
    arrivals: list[Arrival],
    found_free: Sequence[float] = (0.0,),
    queued: Sequence[float] = (0.0,),
) -> Replayed:
    """The callers who arrive after the plan's warm-up, measured; the agents' busy time over
    the rest of the arrival window (as `sandbox.load.report.measure` takes them)."""
    draw = random.Random(0)
    free_at = [0.0] * plan.agents  # a heap: when each agent is next free
    window = (plan.warmup_seconds, plan.duration_seconds)
    busy = 0.0
    waited = abandoned = 0
    answers: list[float] = []
    measured = [arrival for arrival in arrivals if arrival.at >= plan.warmup_seconds]
    for arrival in sorted(arrivals, key=lambda arrival: arrival.at):
        earliest = heapq.heappop(free_at)
        start = max(arrival.at, earliest)
        waste = draw.choice(queued if earliest > arrival.at else found_free)
        connected = start + waste
        gives_up = arrival.at + arrival.patience if arrival.patience is not None else None
        if gives_up is not None and gives_up < connected:
            # Gone before an agent was free (who stays free), or while being connected.
            end, answer = max(earliest, gives_up), None
        else:
            end, answer = connected + arrival.talk, connected - arrival.at
        busy += overlap(start, end, window)
        heapq.heappush(free_at, end)
        if arrival.at < plan.warmup_seconds:
            continue
        waited += earliest > arrival.at
        if answer is None:
            abandoned += 1
        else:
            answers.append(answer)
    count = len(measured)
    return Replayed(
        probability_of_waiting=waited / count if count else 0.0,
        probability_of_abandoning=abandoned / count if count else 0.0,
        occupancy=busy / (plan.agents * (window[1] - window[0])),
        answers=tuple(answers),
        measured=count,
    )


def overlap(start: float, end: float, window: tuple[float, float]) -> float:
    return max(0.0, min(end, window[1]) - max(start, window[0]))
