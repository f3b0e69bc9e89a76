"""Staffing: the Erlang calculator against published worked examples, its page and API
(supervisors only, bad input refused), and a day's plan from the weeks of history."""

from datetime import date

import pytest

from agents.tests.factories import AgentFactory, UserFactory
from reports.rollups import rollup_days
from reports.staffing import StaffingError, StaffingQuestion, staffing_needed, staffing_plan
from reports.tests.history_helpers import contact
from routing.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db


def test_the_call_centre_helper_example_needs_14_agents_and_20_with_shrinkage():
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example":
    # 100 calls in 30 minutes of 180 s, 80 % answered in 20 s, 30 % shrinkage: 10 Erlangs,
    # 14 agents (13 answer only 79.6 % in time), 88.8 % in 20 s, 7.8 s ASA, 71.4 % occupancy,
    # 17.4 % wait; 14 ÷ (1 − 0.3) = 20 to schedule.
    answer = staffing_needed(StaffingQuestion(arrivals_per_hour=200, handle_seconds=180))

    assert (answer.model, answer.agents, answer.scheduled) == ("Erlang C", 14, 20)
    assert answer.offered_load == pytest.approx(10)
    assert answer.service_level_percent == pytest.approx(88.8, abs=0.05)
    assert answer.average_speed_of_answer == pytest.approx(7.8, abs=0.05)
    assert answer.occupancy_percent == pytest.approx(71.4, abs=0.05)
    assert answer.waiting_percent == pytest.approx(17.4, abs=0.05)
    assert answer.abandon_percent == 0


def test_the_textbook_example_of_360_calls_a_half_hour_of_four_minutes():
    # The Erlang C calculation of the Mitan / Westbay tutorial ("The Erlang-C formula"), 360
    # calls per half hour of 240 s, 55 agents, 15 s target: 48 Erlangs, 87.3 % occupancy,
    # 23.9 % of callers wait, 8.2 s ASA, 84.6 % answered within 15 s. For 80 % in 15 s, 55
    # is the fewest (54 answer 79.3 % in time).
    answer = staffing_needed(
        StaffingQuestion(
            arrivals_per_hour=720,
            handle_seconds=240,
            target_percent=80,
            target_seconds=15,
            shrinkage_percent=0,
        )  # fmt: skip
    )
    assert (answer.agents, answer.scheduled) == (55, 55)
    assert answer.offered_load == pytest.approx(48)
    assert answer.occupancy_percent == pytest.approx(87.3, abs=0.05)
    assert answer.waiting_percent == pytest.approx(23.9, abs=0.05)
    assert answer.average_speed_of_answer == pytest.approx(8.2, abs=0.05)
    assert answer.service_level_percent == pytest.approx(84.6, abs=0.05)


def test_callers_who_hang_up_need_fewer_agents_with_erlang_a():
    patient = staffing_needed(StaffingQuestion(arrivals_per_hour=200, handle_seconds=180))
    impatient = staffing_needed(
        StaffingQuestion(arrivals_per_hour=200, handle_seconds=180, patience_seconds=60)
    )

    assert impatient.model == "Erlang A"
    assert impatient.agents <= patient.agents
    assert impatient.service_level_percent >= 80
    assert 0 < impatient.abandon_percent < 10


def test_no_calls_need_nobody_and_nonsense_is_refused():
    assert staffing_needed(StaffingQuestion(arrivals_per_hour=0, handle_seconds=180)).agents == 0
    with pytest.raises(StaffingError, match="Shrinkage"):
        staffing_needed(StaffingQuestion(arrivals_per_hour=10, handle_seconds=180,
                                         shrinkage_percent=100))  # fmt: skip
    with pytest.raises(StaffingError, match="handle time"):
        staffing_needed(StaffingQuestion(arrivals_per_hour=10, handle_seconds=0))


def test_a_plan_from_the_same_weekday_of_the_last_weeks(settings):
    settings.REPORTS_TIME_ZONE = "Europe/London"
    billing = QueueFactory(name="Billing")
    # Mondays 2, 9 and 16 March: 10, 20 and 30 contacts at 09:xx, 240 s handled + 60 s wrap-up.
    for day, calls in [(2, 10), (9, 20), (16, 30)]:
        for n in range(calls):
            contact(f"2026-03-{day:02d} 09:{n % 60:02d}", queue=billing, wait=5, handle=240,
                    wrap_up=60, caller=f"447700{day}{n:04d}")  # fmt: skip
    contact("2026-03-17 10:00", queue=billing, wait=5, handle=240)  # a Tuesday: not read
    rollup_days(first=date(2026, 3, 2), last=date(2026, 3, 17))

    plan = staffing_plan(
        day=date(2026, 3, 23),
        weeks=3,
        interval_minutes=60,
        question=StaffingQuestion(arrivals_per_hour=0, handle_seconds=180),
    )

    [nine] = plan
    assert nine.starts == "09:00"
    assert nine.offered_per_interval == pytest.approx(20)  # (10 + 20 + 30) ÷ 3
    assert nine.handle_seconds == pytest.approx(300)
    expected = staffing_needed(StaffingQuestion(arrivals_per_hour=20, handle_seconds=300))
    assert nine.staffing == expected


@pytest.fixture
def supervisor(client):
    client.force_login(UserFactory(username="sam", is_staff=True))
    return client


def test_the_api_answers_supervisors_and_refuses_bad_input(supervisor):
    response = supervisor.post(
        "/api/staffing/erlang",
        {"arrivals_per_hour": 200, "handle_seconds": 180, "patience_seconds": None},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["agents"], response.json()["scheduled"]) == (14, 20)

    bad = supervisor.post(
        "/api/staffing/erlang",
        {"arrivals_per_hour": -5, "handle_seconds": 180},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "arrivals_per_hour" in bad.json()


def test_agents_get_no_staffing(client):
    client.force_login(AgentFactory().user)
    assert client.post("/api/staffing/erlang", {}).status_code == 403
    assert client.get("/admin/dashboard/staffing/").status_code == 302


def test_the_page_calculates_and_shows_its_form_errors(supervisor):
    page = supervisor.get(
        "/admin/dashboard/staffing/",
        {"calculate": 1, "arrivals_per_hour": 200, "handle_seconds": 180, "target_percent": 80,
         "target_seconds": 20, "shrinkage_percent": 30},
    )  # fmt: skip
    assert page.status_code == 200
    assert 'data-figure="agents">14<' in page.content.decode()
    assert 'data-figure="scheduled">20<' in page.content.decode()

    bad = supervisor.get(
        "/admin/dashboard/staffing/",
        {"calculate": 1, "arrivals_per_hour": 200, "handle_seconds": 180, "target_percent": 80,
         "target_seconds": 20, "shrinkage_percent": 120},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "Ensure this value is less than or equal to 99" in bad.content.decode()
