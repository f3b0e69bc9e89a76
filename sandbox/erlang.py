"""The Erlang C model of one queue: Poisson arrivals, exponential handle times, N agents, callers
who wait as long as it takes (M/M/N). Load mode sets its measurements against these figures.

    prediction = erlang_c(arrivals_per_hour=360, handle_seconds=180, agents=14)
    prediction.probability_of_waiting   # 0.174
    prediction.service_level(20)        # 0.888: answered within 20 s
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ErlangC:
    arrivals_per_hour: float
    handle_seconds: float
    agents: int

    @property
    def offered_load(self) -> float:
        """Erlangs: the agents' worth of work that arrives (A = arrival rate x handle time)."""
        return self.arrivals_per_hour * self.handle_seconds / 3600

    @property
    def is_stable(self) -> bool:
        """Fewer Erlangs than agents; otherwise the queue grows without end."""
        return self.offered_load < self.agents

    @property
    def probability_of_waiting(self) -> float:
        """C(N, A): the chance that an arriving caller finds every agent busy."""
        load, agents = self.offered_load, self.agents
        if not self.is_stable:
            return 1.0
        # Erlang B by its recurrence (no factorials to overflow), then C from B.
        blocking = 1.0
        for servers in range(1, agents + 1):
            blocking = load * blocking / (servers + load * blocking)
        return agents * blocking / (agents - load * (1 - blocking))

    @property
    def average_speed_of_answer(self) -> float:
        """Mean wait in seconds over every caller, those answered at once included."""
        if not self.is_stable:
            return math.inf
        return self.probability_of_waiting * self.handle_seconds / (self.agents - self.offered_load)

    @property
    def occupancy(self) -> float:
        """The share of the agents' time spent handling calls."""
        return min(1.0, self.offered_load / self.agents)

    def service_level(self, target_seconds: float) -> float:
        """The share of callers answered within `target_seconds`."""
        if not self.is_stable:
            return 0.0
        decay = (self.agents - self.offered_load) * target_seconds / self.handle_seconds
        return 1 - self.probability_of_waiting * math.exp(-decay)


def erlang_c(*, arrivals_per_hour: float, handle_seconds: float, agents: int) -> ErlangC:
    if arrivals_per_hour < 0 or handle_seconds <= 0 or agents < 1:
        raise ValueError("Erlang C needs arrivals >= 0, a positive handle time and 1+ agents")
    return ErlangC(arrivals_per_hour, handle_seconds, agents)
