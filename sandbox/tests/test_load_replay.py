"""The replay: a run's own callers through an ideal first-come-first-served queue."""

import pytest

from sandbox.load.plan import Arrival, LoadPlan
from sandbox.load.replay import replay


def plan(**changes) -> LoadPlan:
    values = {
        "arrivals_per_hour": 360,
        "talk_seconds": 10,
        "agents": 2,
        "patience_seconds": None,
        "duration_seconds": 20,
        "speed": 1,
        "queue": "billing",
    }
    return LoadPlan(**{**values, **changes})


def caller(index: int, at: float, talk: float, patience: float | None = None) -> Arrival:
    return Arrival(index=index, at=at, talk=talk, patience=patience, number=str(index))


ADA, BEN, CY = caller(0, 0, 10), caller(1, 1, 10), caller(2, 2, 5)


def test_a_caller_who_finds_both_agents_busy_waits_for_the_first_one_free():
    replayed = replay(plan=plan(), arrivals=[CY, ADA, BEN])  # in any order

    # Ada and Ben are answered at once; Cy waits from 2 s until Ada's agent is free at 10 s.
    assert replayed.answers == (0.0, 0.0, 8.0)
    assert replayed.probability_of_waiting == pytest.approx(1 / 3)
    assert replayed.service_level(5) == pytest.approx(2 / 3)
    assert replayed.average_speed_of_answer == pytest.approx(8 / 3)
    # 10 + 10 + 5 busy seconds of 2 agents x 20 s.
    assert replayed.occupancy == pytest.approx(25 / 40)


def test_the_waste_holds_the_agent_before_the_talk_and_delays_the_answer_by_the_callers_kind():
    replayed = replay(plan=plan(), arrivals=[ADA, BEN, CY], found_free=[1], queued=[2])

    # Ada's agent is held 0-11 s and Ben's 1-12 s; Cy takes Ada's at 11 s and is connected 2 s
    # later.
    assert replayed.answers == (1.0, 1.0, 11.0)
    assert replayed.occupancy == pytest.approx((11 + 11 + 7) / 40)


def test_an_impatient_caller_hangs_up_and_leaves_the_agent_to_the_next():
    impatient = caller(2, 2, 5, patience=3)  # gone at 5 s, the first agent free at 10 s
    dan = caller(3, 6, 1)

    replayed = replay(plan=plan(), arrivals=[ADA, BEN, impatient, dan])

    assert replayed.probability_of_abandoning == pytest.approx(1 / 4)
    assert replayed.answers == (0.0, 0.0, 4.0)  # Dan takes the agent at 10 s
    assert replayed.probability_of_waiting == pytest.approx(2 / 4)


def test_only_the_callers_after_the_warm_up_are_measured_but_all_of_them_hold_agents():
    replayed = replay(plan=plan(warmup_seconds=2), arrivals=[ADA, BEN, CY])

    assert replayed.measured == 1
    assert replayed.answers == (8.0,)  # Cy, behind Ada and Ben
    # From 2 s to 20 s: Ada 2-10, Ben 2-11, Cy 10-15.
    assert replayed.occupancy == pytest.approx((8 + 9 + 5) / 36)


def test_each_caller_wastes_one_of_the_measured_wastes_of_their_kind_the_same_every_time():
    callers = [caller(index, at=index * 20.0, talk=5) for index in range(200)]  # never queue
    long_plan = plan(duration_seconds=4000)

    replayed = replay(plan=long_plan, arrivals=callers, found_free=[1, 30], queued=[2])

    # About half waste 1 s and half 30 s: half are answered within 20 s, none waits.
    assert set(replayed.answers) == {1.0, 30.0}
    assert 0.4 < replayed.service_level(20) < 0.6
    assert replayed.probability_of_waiting == 0
    assert replay(plan=long_plan, arrivals=callers, found_free=[1, 30], queued=[2]) == replayed
