"""The Erlang C maths against textbook values."""

import math
from fractions import Fraction

import pytest

from sandbox.erlang import erlang_c


def erlang_c_by_the_textbook(agents: int, load: Fraction) -> Fraction:
    """C(N, A) = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A)), exactly."""
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    return top / (sum(load**k / math.factorial(k) for k in range(agents)) + top)


def test_the_call_centre_helper_example_100_calls_in_half_an_hour_of_3_minutes_14_agents():
    # 10 Erlangs on 14 agents: 17.4% wait, 88.8% within 20 s, 7.8 s ASA, 71.4% occupancy.
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
