"""What a load run plays: the traffic (rate, talk and patience times), the agents, the speed,
and the callers it draws from them with a seeded random generator.

Times here are call seconds (the simulated clock); `speed` says how many of them pass in one
real second.
"""

import random
import re
from dataclasses import dataclass

RATE_UNITS = {"s": 3600.0, "m": 60.0, "min": 60.0, "h": 1.0}
DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
FIRST_CALLER = 447700800000  # callers dial from +44 7700 8xxxxx, one number each


class PlanError(ValueError):
    """A load plan that cannot run, with the reason for the person who wrote it."""


@dataclass(frozen=True, kw_only=True)
class LoadPlan:
    arrivals_per_hour: float
    talk_seconds: float  # mean of the exponential talk time
    agents: int
    patience_seconds: float | None  # mean of the exponential patience; None: callers never leave
    duration_seconds: float  # callers arrive during this many call seconds
    speed: float
    queue: str
    seed: int | None = None
    wrap_up_seconds: float = 0.0
    drain_seconds: float | None = None  # after the arrivals; default: 10 talk times
    # The first call seconds of arrivals are played but not measured: the centre starts empty,
    # every agent free, and Erlang C is the steady state that follows.
    warmup_seconds: float = 0.0

    def __post_init__(self) -> None:
        checks = [
            (self.arrivals_per_hour > 0, "the arrival rate must be positive"),
            (self.talk_seconds > 0, "the talk time must be positive"),
            (self.agents >= 1, "at least one agent"),
            (self.patience_seconds is None or self.patience_seconds > 0, "patience: s or off"),
            (self.duration_seconds > 0, "the duration must be positive"),
            (self.speed > 0, "the speed must be positive"),
            (self.wrap_up_seconds >= 0, "the wrap-up cannot be negative"),
            (self.drain_seconds is None or self.drain_seconds >= 0, "the drain cannot be negative"),
            (
                0 <= self.warmup_seconds < self.duration_seconds,
                "the warm-up must be shorter than the duration",
            ),
        ]
        for passed, problem in checks:
            if not passed:
                raise PlanError(problem)

    @property
    def drain(self) -> float:
        return 10 * self.talk_seconds if self.drain_seconds is None else self.drain_seconds

    def real_seconds(self, call_seconds: float) -> float:
        return call_seconds / self.speed


@dataclass(frozen=True)
class Arrival:
    index: int
    at: float  # call seconds after the start
    talk: float
    patience: float | None
    number: str


def arrivals(plan: LoadPlan) -> list[Arrival]:
    """Poisson arrivals over the duration, each with its own talk time and patience."""
    generator = random.Random(plan.seed)
    rate = plan.arrivals_per_hour / 3600
    callers: list[Arrival] = []
    moment = generator.expovariate(rate)
    while moment < plan.duration_seconds:
        talk = generator.expovariate(1 / plan.talk_seconds)
        patience = (
            generator.expovariate(1 / plan.patience_seconds) if plan.patience_seconds else None
        )
        index = len(callers)
        callers.append(Arrival(index, moment, talk, patience, str(FIRST_CALLER + index)))
        moment += generator.expovariate(rate)
    return callers


def parse_rate(text: str) -> float:
    """Arrivals per hour from `120/h`, `2/min`, `0.5/s` or a bare number (per hour)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(?:/\s*(s|m|min|h))?\s*", text)
    if not match:
        raise PlanError(f"a rate is like 120/h, 2/min or 0.5/s, not {text!r}")
    return float(match.group(1)) * RATE_UNITS[match.group(2) or "h"]


def parse_duration(text: str) -> float:
    """Seconds from `1h`, `90m`, `30s` or a bare number of seconds."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|m|min|h)?\s*", text)
    if not match:
        raise PlanError(f"a duration is like 1h, 90m or 30s, not {text!r}")
    return float(match.group(1)) * DURATION_UNITS[match.group(2) or ""]


def parse_patience(text: str) -> float | None:
    if text.strip().lower() in ("off", "none", "never"):
        return None
    return parse_duration(text)
