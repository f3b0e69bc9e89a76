"""Erlang A by brute force, to check the closed forms of reports.erlang against: the
birth-and-death chain of M/M/N+M solved by summing its stationary weights, and a tagged
caller's fate followed step by step (uniformisation)."""

import math
from dataclasses import dataclass


@dataclass
class Stationary:
    waiting: float  # P(n >= N)
    abandoning: float  # theta E[Q] / lambda
    queue_length: float  # E[Q]
    all_busy: float  # pi_N
    queue_weights: list[float]  # P(j waiting | n >= N), j = 0, 1, ...


def birth_and_death(lam: float, mu: float, theta: float, agents: int) -> Stationary:
    weights = [1.0]
    n = 0
    while n < agents or weights[-1] > 1e-300 * sum(weights) and weights[-1] > 0:
        n += 1
        rate = n * mu if n <= agents else agents * mu + (n - agents) * theta
        weights.append(weights[-1] * lam / rate)
        if n > agents + 100_000:
            break
    total = sum(weights)
    queued = weights[agents:]
    queue_length = sum(j * w for j, w in enumerate(queued)) / total
    return Stationary(
        waiting=sum(queued) / total,
        abandoning=theta * queue_length / lam,
        queue_length=queue_length,
        all_busy=weights[agents] / total,
        queue_weights=[w / sum(queued) for w in queued],
    )


def served_by_uniformisation(
    lam: float, mu: float, theta: float, agents: int, target: float
) -> float:
    """The share of callers answered within `target` seconds, by following a caller who finds
    j callers waiting: each step one caller ahead leaves (an agent frees, N mu, or one of the k
    ahead gives up, k theta), or the caller itself gives up (theta)."""
    chain = birth_and_death(lam, mu, theta, agents)
    weights = chain.queue_weights
    while len(weights) > 1 and weights[-1] < 1e-18:
        weights.pop()
    top = len(weights) - 1
    rate = agents * mu + top * theta + theta
    # ahead[k]: probability the caller is still waiting with k ahead, after each jump.
    ahead = list(weights)
    served_after = [0.0]
    for _ in range(int(rate * target + 12 * math.sqrt(rate * target + 1) + 20)):
        served = served_after[-1] + ahead[0] * agents * mu / rate
        moved = [0.0] * len(ahead)
        for k, p in enumerate(ahead):
            stay = 1 - (agents * mu + k * theta + theta) / rate
            moved[k] += p * stay
            if k:
                moved[k - 1] += p * (agents * mu + k * theta) / rate
        ahead = moved
        served_after.append(served)
    poisson = math.exp(-rate * target)
    answered = 0.0
    for jumps, served in enumerate(served_after):
        if jumps:
            poisson *= rate * target / jumps
        answered += poisson * served
    return 1 - chain.waiting + chain.waiting * answered


def waits_of_the_answered(lam: float, mu: float, theta: float, agents: int) -> float:
    """Mean wait of the answered callers. A caller with j ahead would wait V = the sum of
    exponentials of rates N mu + k theta (k = j..0) and is answered iff its patience outlasts V:
    E[V; answered] = E[V e^(-theta V)] = L(theta) sum 1 / (r_k + theta), L the transform."""
    chain = birth_and_death(lam, mu, theta, agents)
    wait = answered = 0.0
    transform, inverse_sum = 1.0, 0.0
    for j, weight in enumerate(chain.queue_weights):
        rate = agents * mu + j * theta
        transform *= rate / (rate + theta)
        inverse_sum += 1 / (rate + theta)
        wait += weight * transform * inverse_sum
        answered += weight * transform
    served = 1 - chain.waiting + chain.waiting * answered
    return chain.waiting * wait / served
