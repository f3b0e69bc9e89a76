"""Erlang B, C and A against published worked examples and the published identities of the
models (each test names its source)."""

import math
from fractions import Fraction

import pytest

from reports.erlang import erlang_a, erlang_b, erlang_c
from reports.tests.erlang_helpers import (
    birth_and_death,
    served_by_uniformisation,
    waits_of_the_answered,
)


def erlang_c_by_the_textbook(agents: int, load: Fraction) -> Fraction:
    """C(N, A) = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A)), exactly."""
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    return top / (sum(load**k / math.factorial(k) for k in range(agents)) + top)


def test_the_call_centre_helper_example_100_calls_in_half_an_hour_of_3_minutes_14_agents():
    # Call Centre Helper's worked example, "Erlang C Formula - Made Simple With an Easy Worked
    # Example" (callcentrehelper.com): 100 calls in 30 minutes,
    # 180 s handle time, 14 agents, 20 s target: 10 Erlangs, 17.4% wait, 88.8% within 20 s,
    # 7.8 s ASA, 71.4% occupancy.
    model = erlang_c(arrivals_per_hour=200, handle_seconds=180, agents=14)
    assert model.offered_load == 10
    assert model.probability_of_waiting == pytest.approx(0.1741, abs=5e-5)
    assert model.service_level(20) == pytest.approx(0.888, abs=5e-4)
    assert model.average_speed_of_answer == pytest.approx(7.84, abs=5e-3)
    assert model.occupancy == pytest.approx(0.7143, abs=5e-5)


def test_two_agents_half_busy_wait_one_time_in_three():
    model = erlang_c(arrivals_per_hour=60, handle_seconds=60, agents=2)
    assert model.probability_of_waiting == pytest.approx(1 / 3)
    # M/M/2: Wq = C / (N mu - lambda) = (1/3) / (2/60 - 1/60) s = 20 s
    assert model.average_speed_of_answer == pytest.approx(20)


def test_one_agent_is_m_m_1():
    model = erlang_c(arrivals_per_hour=30, handle_seconds=60, agents=1)  # rho = 0.5
    assert model.probability_of_waiting == pytest.approx(0.5)
    assert model.average_speed_of_answer == pytest.approx(60)  # rho / (mu - lambda)
    assert model.service_level(0) == pytest.approx(0.5)
    assert model.service_level(60) == pytest.approx(1 - 0.5 * math.exp(-0.5))


@pytest.mark.parametrize(("agents", "load"), [(11, 10), (5, 4), (30, 25), (100, 92)])
def test_agrees_with_the_formula_in_factorials(agents, load):
    model = erlang_c(arrivals_per_hour=load * 3600 / 120, handle_seconds=120, agents=agents)
    expected = float(erlang_c_by_the_textbook(agents, Fraction(load)))
    assert model.probability_of_waiting == pytest.approx(expected, rel=1e-12)


def test_eleven_agents_on_ten_erlangs():
    assert erlang_c(
        arrivals_per_hour=300, handle_seconds=120, agents=11
    ).probability_of_waiting == pytest.approx(0.6821, abs=5e-5)


def test_more_work_than_agents_never_settles():
    model = erlang_c(arrivals_per_hour=120, handle_seconds=180, agents=6)  # 6 Erlangs
    assert not model.is_stable
    assert model.probability_of_waiting == 1.0
    assert model.average_speed_of_answer == math.inf
    assert model.service_level(20) == 0.0
    assert model.occupancy == 1.0


def test_no_traffic_means_no_waiting():
    model = erlang_c(arrivals_per_hour=0, handle_seconds=180, agents=3)
    assert (model.probability_of_waiting, model.average_speed_of_answer) == (0.0, 0.0)


@pytest.mark.parametrize(
    "arguments",
    [
        {"arrivals_per_hour": -1, "handle_seconds": 60, "agents": 1},
        {"arrivals_per_hour": 10, "handle_seconds": 0, "agents": 1},
        {"arrivals_per_hour": 10, "handle_seconds": 60, "agents": 0},
    ],
)
def test_nonsense_is_refused(arguments):
    with pytest.raises(ValueError):
        erlang_c(**arguments)


# Erlang B


def test_erlang_b_thirty_lines_carrying_twenty_five_erlangs_block_about_five_percent():
    # Wolfram Mathematica documentation, ErlangB (Queueing Processes guide): "if there are 30
    # call lines and the traffic is 25 Erlangs, then the blocking or loss probability is
    # approximately 0.05" (the tables give 0.0526).
    assert erlang_b(30, 25) == pytest.approx(0.0526, abs=5e-5)


def test_erlang_b_table_ten_circuits_carry_four_point_four_six_erlangs_at_one_percent():
    # The classic Erlang B table (e.g. ITU-T E.520-style traffic tables): 10 circuits at a
    # grade of service of 1% carry 4.46 Erlangs.
    assert erlang_b(10, 4.46) == pytest.approx(0.01, abs=2e-4)
    assert erlang_b(10, 4.50) > 0.01 > erlang_b(10, 4.40)


def test_erlang_b_one_line_is_a_over_one_plus_a():
    assert erlang_b(1, 3) == pytest.approx(3 / 4)
    assert erlang_b(0, 3) == 1.0


# Erlang A (M/M/N+M). Garnett, Mandelbaum and Reiman, "Designing a call center with impatient
# customers", Manufacturing & Service Operations Management 4(3), 2002 (GMR below).

ERLANG_A_POINTS = [
    # arrivals/h, handle s, agents, patience s
    (200, 180, 14, 60),  # the Call Centre Helper traffic with one-minute patience
    (200, 180, 10, 600),  # 10 Erlangs on 10 agents: Erlang C has no answer, Erlang A has
    (360, 180, 5, 180),  # 18 Erlangs on 5 agents: most callers give up
    (3600, 180, 190, 120),  # 180 Erlangs on 190 agents
]


@pytest.mark.parametrize(("rate", "handle", "agents", "patience"), ERLANG_A_POINTS)
def test_erlang_a_matches_the_stationary_distribution_of_gmr_appendix_b(
    rate, handle, agents, patience
):
    # GMR Appendix B gives pi_n of the birth-and-death process (rates lambda up; n mu below N,
    # N mu + (n - N) theta above); P(W > 0) = P(n >= N) by PASTA and P(Ab) = theta E[Q] / lambda.
    model = erlang_a(
        arrivals_per_hour=rate, handle_seconds=handle, agents=agents, patience_seconds=patience
    )
    expected = birth_and_death(rate / 3600, 1 / handle, 1 / patience, agents)
    assert model.probability_of_waiting == pytest.approx(expected.waiting, rel=1e-9)
    assert model.probability_of_abandoning == pytest.approx(expected.abandoning, rel=1e-9)
    assert model.average_wait == pytest.approx(expected.queue_length / (rate / 3600), rel=1e-9)
    # GMR Appendix C, proof of Lemma 2, Palm's identity:
    # P(Ab) = (1 - 1/rho + (B/rho) / (B/pi_N - 1 + B)) P(W > 0), B = Erlang B.
    rho = rate / 3600 * handle / agents
    blocking = erlang_b(agents, rate / 3600 * handle)
    palm = 1 - 1 / rho + (blocking / rho) / (blocking / expected.all_busy - 1 + blocking)
    assert model.probability_of_abandoning == pytest.approx(
        palm * model.probability_of_waiting, rel=1e-9
    )
    # GMR Appendix C: the agents' utilisation lambda (1 - P(Ab)) / (N mu) stays below one.
    assert 0 < model.occupancy < 1


@pytest.mark.parametrize(("rate", "handle", "agents", "patience"), ERLANG_A_POINTS)
@pytest.mark.parametrize("target", [0, 10, 20, 60])
def test_erlang_a_service_level_is_the_share_answered_in_time_before_hanging_up(
    rate, handle, agents, patience, target
):
    model = erlang_a(
        arrivals_per_hour=rate, handle_seconds=handle, agents=agents, patience_seconds=patience
    )
    expected = served_by_uniformisation(rate / 3600, 1 / handle, 1 / patience, agents, target)
    assert model.service_level(target) == pytest.approx(expected, abs=1e-9)


def test_erlang_a_service_level_never_reaches_those_who_hang_up():
    model = erlang_a(arrivals_per_hour=360, handle_seconds=180, agents=5, patience_seconds=180)
    assert model.service_level(0) == pytest.approx(1 - model.probability_of_waiting)
    assert model.service_level(10**7) == pytest.approx(1 - model.probability_of_abandoning)


@pytest.mark.parametrize(("rate", "handle", "agents", "patience"), ERLANG_A_POINTS)
def test_erlang_a_speed_of_answer_is_the_mean_wait_of_the_answered(rate, handle, agents, patience):
    model = erlang_a(
        arrivals_per_hour=rate, handle_seconds=handle, agents=agents, patience_seconds=patience
    )
    expected = waits_of_the_answered(rate / 3600, 1 / handle, 1 / patience, agents)
    assert model.average_speed_of_answer == pytest.approx(expected, rel=1e-6)


def test_erlang_a_with_endless_patience_is_erlang_c():
    # Palm (1946) and GMR section 4: theta -> 0 gives M/M/N (Erlang C).
    patient = erlang_a(arrivals_per_hour=200, handle_seconds=180, agents=14, patience_seconds=1e7)
    model = erlang_c(arrivals_per_hour=200, handle_seconds=180, agents=14)
    assert patient.probability_of_waiting == pytest.approx(model.probability_of_waiting, rel=1e-4)
    assert patient.service_level(20) == pytest.approx(model.service_level(20), rel=1e-4)
    assert patient.average_speed_of_answer == pytest.approx(model.average_speed_of_answer, rel=1e-3)
    assert patient.probability_of_abandoning < 1e-5


def test_erlang_a_with_no_patience_is_erlang_b():
    # GMR Appendix C, proof of Theorem 1: P(Ab) -> Erlang B as theta -> infinity.
    hasty = erlang_a(arrivals_per_hour=200, handle_seconds=180, agents=14, patience_seconds=1e-4)
    assert hasty.probability_of_abandoning == pytest.approx(erlang_b(14, 10), rel=1e-4)


def test_erlang_a_with_patience_equal_to_handle_time_is_the_infinite_server_queue():
    # Palm: with theta = mu every caller leaves at rate mu whether served or not, so the
    # number in the system is Poisson(A) as in M/M/infinity; a caller waits iff it finds N+.
    model = erlang_a(arrivals_per_hour=200, handle_seconds=180, agents=14, patience_seconds=180)
    poisson = [math.exp(-10) * 10**k / math.factorial(k) for k in range(120)]
    assert model.probability_of_waiting == pytest.approx(sum(poisson[14:]), rel=1e-9)
    # E[(n - N)+] callers queue, each leaving at theta: P(Ab) = E[(n - N)+] / A.
    excess = sum((k - 14) * p for k, p in enumerate(poisson) if k > 14)
    assert model.probability_of_abandoning == pytest.approx(excess / 10, rel=1e-9)


def test_erlang_a_refuses_nonsense():
    with pytest.raises(ValueError):
        erlang_a(arrivals_per_hour=10, handle_seconds=60, agents=1, patience_seconds=0)
    with pytest.raises(ValueError):
        erlang_b(-1, 2)
