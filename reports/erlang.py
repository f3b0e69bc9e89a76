"""Erlang B, C and A: the queueing models a contact centre is staffed and judged by.

- Erlang B (M/M/N/N): callers who find every agent busy are lost; `erlang_b(agents, load)`.
- Erlang C (M/M/N): callers wait as long as it takes.
- Erlang A (M/M/N+M, Palm 1946; Garnett, Mandelbaum and Reiman 2002): callers wait an
  exponentially distributed time with mean `patience_seconds` and hang up if no agent took
  them by then.

    prediction = erlang_c(arrivals_per_hour=200, handle_seconds=180, agents=14)
    prediction.probability_of_waiting   # 0.174
    prediction.service_level(20)        # 0.888: answered within 20 s
    impatient = erlang_a(arrivals_per_hour=200, handle_seconds=180, agents=14,
                         patience_seconds=60)
    impatient.probability_of_abandoning

Loads are in Erlangs (arrival rate x handle time); times are seconds. Every figure is exact
(no heavy-traffic approximation); the Erlang A ones use the incomplete gamma function
gamma(a, x) = integral_0^x t^(a-1) e^-t dt, computed here in logarithms so that hundreds of
agents neither overflow nor underflow.
"""

import math
from dataclasses import dataclass


def erlang_b(agents: int, load: float) -> float:
    """B(N, A): the share of callers lost when all N agents are busy and nobody may wait."""
    if agents < 0 or load < 0:
        raise ValueError("Erlang B needs 0+ agents and a load of 0+ Erlangs")
    blocking = 1.0
    for servers in range(1, agents + 1):  # the recurrence: no factorials to overflow
        blocking = load * blocking / (servers + load * blocking)
    return blocking


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
        blocking = erlang_b(agents, load)
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


def log_lower_gamma(a: float, x: float) -> float:
    """ln gamma(a, x), the lower incomplete gamma function, for a > 0 and x >= 0.

    The power series below x = a + 1, the continued fraction for the upper part above it
    (Numerical Recipes, 3rd ed., section 6.2: gser and gcf), both in logarithms.
    """
    if x <= 0:
        return -math.inf
    if x < a + 1:
        term = total = 1 / a
        n = 0
        while abs(term) > abs(total) * 1e-17 and n < 100_000:
            n += 1
            term *= x / (a + n)
            total += term
        return -x + a * math.log(x) + math.log(total)
    # Lentz's method for Gamma(a, x) = e^-x x^a / (x + 1 - a - 1(1-a)/(x + 3 - a - ...)).
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    fraction = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        step = d * c
        fraction *= step
        if abs(step - 1) < 1e-16:
            break
    log_upper = -x + a * math.log(x) + math.log(fraction)
    log_complete = math.lgamma(a)
    return log_complete + math.log1p(-math.exp(log_upper - log_complete))


@dataclass(frozen=True)
class ErlangA:
    """M/M/N+M. With a = N mu / theta and x = lambda / theta (theta = 1 / patience), GMR's
    A(a, x) = a e^x x^-a gamma(a, x) is the stationary weight of "all agents busy" (every
    queue length) over that of exactly N busy; the figures follow from it.
    """

    arrivals_per_hour: float
    handle_seconds: float
    agents: int
    patience_seconds: float

    @property
    def offered_load(self) -> float:
        return self.arrivals_per_hour * self.handle_seconds / 3600

    @property
    def _a(self) -> float:
        return self.agents * self.patience_seconds / self.handle_seconds

    @property
    def _x(self) -> float:
        return self.arrivals_per_hour / 3600 * self.patience_seconds

    @property
    def _log_gamma(self) -> float:
        return log_lower_gamma(self._a, self._x)

    @property
    def _log_weight(self) -> float:
        """ln A(a, x)."""
        a, x = self._a, self._x
        return math.log(a) + x - a * math.log(x) + self._log_gamma

    @property
    def probability_of_waiting(self) -> float:
        """P(W > 0) = A E / (1 + (A - 1) E), E = Erlang B (GMR 2002, section 4)."""
        if self.arrivals_per_hour == 0:
            return 0.0
        blocking = erlang_b(self.agents, self.offered_load)
        if blocking == 0:
            return 0.0
        log_weight = self._log_weight
        log_product = log_weight + math.log(blocking)
        if log_product < -700:
            return math.exp(log_product)
        return 1 / (math.exp(-log_product) + 1 - math.exp(-log_weight))

    @property
    def probability_of_abandoning_if_waiting(self) -> float:
        """P(Ab | W > 0) = 1 / (rho A) + 1 - 1 / rho, rho = lambda / (N mu)."""
        if self.arrivals_per_hour == 0:
            return 0.0
        rho = self._x / self._a
        share = math.exp(-math.log(rho) - self._log_weight) + 1 - 1 / rho
        return min(1.0, max(0.0, share))

    @property
    def probability_of_abandoning(self) -> float:
        """The share of all callers who hang up before an agent takes them."""
        return self.probability_of_waiting * self.probability_of_abandoning_if_waiting

    @property
    def average_wait(self) -> float:
        """Mean seconds in the queue over every caller, those who hang up included (Little)."""
        return self.probability_of_abandoning * self.patience_seconds

    @property
    def average_speed_of_answer(self) -> float:
        """Mean wait in seconds over the answered callers, those answered at once included."""
        answered = 1 - self.probability_of_abandoning
        if self.arrivals_per_hour == 0 or answered <= 0:
            return 0.0
        # E[V e^-V; V > 0] in patience units, V the wait the caller would have if patient:
        # its density given a wait is a exp(-a v + x (1 - e^-v)) / A(a, x) (derived from
        # GMR's stationary distribution); integrated by Simpson's rule around its peak.
        a, x, log_weight = self._a, self._x, self._log_weight

        def integrand(v: float) -> float:
            return v * math.exp(math.log(a) - (a + 1) * v + x * -math.expm1(-v) - log_weight)

        # Past its peak the log of the integrand falls at least as slope * v + bend * v^2 / 2:
        # stop where it has fallen by 50.
        peak = max(0.0, math.log(x / (a + 1)))
        slope, bend = max(a + 1 - x, 0.0), min(x, a + 1)
        end = peak + (math.sqrt(slope**2 + 100 * bend) - slope) / bend
        steps = 4000
        width = end / steps
        total = integrand(0) + integrand(end)
        for step in range(1, steps):
            total += (4 if step % 2 else 2) * integrand(step * width)
        answered_wait = total * width / 3 * self.patience_seconds
        return self.probability_of_waiting * answered_wait / answered

    @property
    def occupancy(self) -> float:
        """The share of the agents' time spent on the callers they answer."""
        return self.offered_load * (1 - self.probability_of_abandoning) / self.agents

    def service_level(self, target_seconds: float) -> float:
        """The share of all callers answered within `target_seconds` (the ones who hang up
        count as not answered): 1 - P(W > 0) + P(W > 0) x
        [gamma(a + 1, x) - gamma(a + 1, x e^(-t / patience))] / (x gamma(a, x)).
        """
        waiting = self.probability_of_waiting
        if waiting == 0:
            return 1.0
        a, x = self._a, self._x
        log_scale = math.log(x) + self._log_gamma
        by_then = x * math.exp(-target_seconds / self.patience_seconds)
        served = math.exp(log_lower_gamma(a + 1, x) - log_scale) - math.exp(
            log_lower_gamma(a + 1, by_then) - log_scale
        )
        return 1 - waiting + waiting * served


def erlang_a(
    *, arrivals_per_hour: float, handle_seconds: float, agents: int, patience_seconds: float
) -> ErlangA:
    if arrivals_per_hour < 0 or handle_seconds <= 0 or agents < 1 or patience_seconds <= 0:
        raise ValueError(
            "Erlang A needs arrivals >= 0, a positive handle time and patience and 1+ agents"
        )
    return ErlangA(arrivals_per_hour, handle_seconds, agents, patience_seconds)
