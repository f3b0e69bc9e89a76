"""Load mode end to end: Poisson callers through the sandbox, simulated agents through the
agent API with their tokens, the project on a live server (Celery eager), a fixed seed."""

import math
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from agents.models import Agent
from reports.erlang import erlang_a
from routing.models import Offer, Queue, Task
from routing.tests.factories import (
    ConversationFactory,
    IvrMenuFactory,
    IvrOptionFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)
from sandbox.load.agents import AgentRecord
from sandbox.load.callers import CallerRecord
from sandbox.load.plan import (
    Arrival,
    LoadPlan,
    PlanError,
    arrivals,
    parse_duration,
    parse_rate,
)
from sandbox.load.report import (
    CallWaste,
    Figures,
    Summary,
    all_busy_share,
    measure,
    report_text,
)
from sandbox.load.run import load_run
from sandbox.load.setup import AgentAccount

SPEED = 20


@pytest.fixture
def billing(transactional_db):
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="1", prompt="For sales", queue=QueueFactory(name="Sales"))
    queue = QueueFactory(name="Billing", wrap_up_seconds=30, max_wait_seconds=600)
    QueueSkillFactory(queue=queue, skill=SkillFactory(name="billing"), min_proficiency=5)
    IvrOptionFactory(menu=menu, digit="2", prompt="For billing", queue=queue)
    return queue


@pytest.fixture
def concurrent_sqlite(transactional_db):
    """On SQLite, a longer lock wait than the settings' 2 s (their transactions already begin
    IMMEDIATE): the load runs keep many writers waiting at once on a 2-core machine."""
    if connection.vendor != "sqlite":
        yield
        return
    options = connection.settings_dict["OPTIONS"]  # shared by every thread's connection
    saved = dict(options)
    options["timeout"] = 20
    connections.close_all()
    yield
    options.clear()
    options.update(saved)
    connections.close_all()


@pytest.fixture
def running(concurrent_sqlite, asgi_project_sandbox):
    """The sandbox at the plan's speed with wall-clock timestamps, both ways with the project
    (served by its ASGI application: the simulated agents take offers from its websocket)."""
    return asgi_project_sandbox(speed=SPEED, timestamps="wall", app_answer_delay=0.0)


def plan(**changes) -> LoadPlan:
    values = {
        "arrivals_per_hour": 360,
        "talk_seconds": 15,
        "agents": 2,
        "patience_seconds": None,
        "duration_seconds": 60,
        "speed": SPEED,
        "queue": "billing",
        "seed": 7,
    }
    return LoadPlan(**{**values, **changes})


@pytest.mark.slow
def test_patient_callers_are_all_answered_by_the_simulated_agents(
    billing, running, asgi_live_server
):
    # A long drain (a minute of real time): callers leave when they are done, so it only gives
    # a busy machine (a parallel test run) the time to answer the queue that built up.
    the_plan = plan(drain_seconds=1200)
    scheduled = arrivals(the_plan)

    summary = load_run(the_plan, control=running.control, app_url=asgi_live_server.url)

    print(report_text(summary))
    assert summary.scheduled == len(scheduled) >= 3
    assert summary.offered == summary.answered == len(scheduled)
    assert (summary.abandoned, summary.still_waiting, summary.dropped, summary.failed) == (0,) * 4
    assert summary.offers["accepted"] == len(scheduled)
    tasks = Task.objects.filter(queue=billing)
    assert sorted(tasks.values_list("state", flat=True)) == ["completed"] * len(scheduled)
    agents = Agent.objects.filter(vonage_user__startswith="load-agent-")
    assert sorted(agents.values_list("vonage_user", "status", "voice_load")) == [
        ("load-agent-1", "offline", 0),
        ("load-agent-2", "offline", 0),
    ]
    assert {task.agent.vonage_user for task in tasks} <= {"load-agent-1", "load-agent-2"}
    assert 0 < summary.measured.occupancy < 1
    # The queue is as it was.
    billing.refresh_from_db()
    assert (billing.wrap_up_seconds, billing.max_wait_seconds) == (30, 600)
    # Nobody's softphone is left up in the sandbox.
    assert running.control.calls(live=True) == []


@pytest.mark.slow
def test_impatient_callers_abandon_while_the_one_agent_is_busy(billing, running, asgi_live_server):
    # Patience of 20 call seconds (1 s real): the first caller outlasts the offer, the accept
    # and the connect on a busy shared machine; the rest give up long before the run is cut off
    # two minutes of call time after the last arrival, the first caller still talking.
    the_plan = plan(
        agents=1, talk_seconds=3600, patience_seconds=20, arrivals_per_hour=720, drain_seconds=120
    )

    summary = load_run(the_plan, control=running.control, app_url=asgi_live_server.url)

    assert summary.offered == summary.scheduled >= 5
    assert summary.answered == 1  # the first caller keeps the agent for the rest of the run
    assert summary.abandoned == summary.offered - 1
    assert summary.offered == summary.answered + summary.abandoned + summary.still_waiting
    # Every task is settled: abandoned, or completed with an agent's leg that really joined.
    # A caller whose patience ran out the instant the agent's softphone answered gave up as
    # far as they know, while the centre saw the agent answer: that call counts as handled.
    tasks = Task.objects.filter(queue=billing)
    abandoned = tasks.filter(state=Task.State.ABANDONED).count()
    completed = tasks.filter(state=Task.State.COMPLETED)
    assert abandoned + completed.count() == summary.offered
    assert summary.answered <= completed.count() <= summary.answered + 1
    for task in completed:
        assert task.conversation.members.filter(kind="agent", joined_at__isnull=False).exists()


def test_the_plan_refuses_nonsense():
    with pytest.raises(PlanError):
        plan(agents=0)
    with pytest.raises(PlanError):
        parse_rate("fast")
    assert parse_rate("2/min") == parse_rate("120/h") == parse_rate("120") == 120
    assert parse_duration("1h") == parse_duration("60m") == 3600


def test_arrivals_are_repeatable_with_a_seed():
    assert arrivals(plan()) == arrivals(plan())
    assert arrivals(plan()) != arrivals(plan(seed=8))


def test_a_sandbox_at_another_speed_is_refused_before_anything_changes(
    billing, running, asgi_live_server
):
    with pytest.raises(PlanError, match="restart it with"):
        load_run(plan(speed=5), control=running.control, app_url=asgi_live_server.url)
    assert not Agent.objects.exists()
    assert Queue.objects.get(pk=billing.pk).wrap_up_seconds == 30


def calm_run(**changes) -> Summary:
    """A run's summary: 120/h of 3-minute calls planned on 8 agents, 116/h of 172.9 s drawn."""
    fields = dict(
        plan=plan(arrivals_per_hour=120, talk_seconds=180, agents=8),
        service_level_seconds=20,
        scheduled=348,
        offered=348,
        answered=348,
        arrivals_per_hour=116.0,
        talk_seconds=172.9,
        measured=Figures(
            probability_of_waiting=0.241,
            probability_all_busy=0.262,
            average_speed_of_answer=22.0,
            service_level=0.782,
            occupancy=0.720,
            abandoned=0.0,
        ),
        waste={"offer to accept": 9.7},
    )
    return Summary(**{**fields, **changes})


def test_the_report_sets_the_run_against_erlang_c_for_the_traffic_it_drew():
    summary = calm_run()

    lines = [line for line in report_text(summary).splitlines() if "note:" not in line]

    # No warm-up: the figures include the centre filling up from empty, and the report says so.
    assert (
        "note: the warm-up is 0.0 talk times; a centre that starts empty fills as "
        "1 - exp(-t / talk), so the calls in progress when it ended were still about 100% "
        "under the steady state's" in report_text(summary)
    )
    assert lines[5].split() == [
        "measured",
        "Erlang",
        "C:",
        "plan",
        "realised",
        "realised",
        "+",
        "waste",
        "waste",
        "both",
        "sides",
    ]
    # The plan's 120/h x 180 s is 6.0 Erlangs, the realised 116/h x 172.9 s 5.57.
    assert lines[6].split() == ["P(wait)", "0.241", "0.357", "0.265", "0.330", "0.330"]
    # Erlang C's own event, every agent busy when the caller queued, beside it.
    assert lines[7].split()[-6:] == ["arrival)", "0.262", "0.357", "0.265", "0.330", "0.330"]
    # With the waste on the caller's side too: answered 9.7 s later, so the service level is
    # the queue's at 20 - 9.7 s.
    with_waste = summary.realised_with_waste
    asa, level = lines[8].split(), lines[9].split()
    assert asa[-1] == f"{with_waste.average_speed_of_answer + 9.7:.1f}"
    assert level[-1] == f"{with_waste.service_level(20 - 9.7):.3f}"
    assert summary.as_dict()["erlang_c_realised"]["probability_of_waiting"] == pytest.approx(
        0.2649, abs=1e-4
    )


def test_waste_both_sides_takes_each_calls_own_waste_as_the_callers_who_queued_or_not_lived_it():
    summary = calm_run(
        waste={"free agent to offer": 1.0, "accept to connected": 11.3},
        waste_per_call=[
            CallWaste(2.0, queued=False),  # found Bob free: quick
            CallWaste(30.0, queued=False),  # found Bob free, slower than the 20 s target
            CallWaste(5.0, queued=True),  # queued, then 5 s from Bob free to connected
        ],
    )
    queue = summary.realised_with_waste
    at_once = 1 - queue.probability_of_waiting
    both_sides = summary.erlang_c_models["waste both sides"]

    # Of the callers who find an agent free, half are connected within 20 s (the 30 s waste is
    # never within it); the ones who queue are when their queue wait is within 20 - 5 s.
    assert both_sides.service_level(20) == pytest.approx(
        at_once * 0.5 + queue.service_level(15) - at_once
    )
    assert both_sides.average_speed_of_answer == pytest.approx(
        queue.average_speed_of_answer + at_once * 16 + (1 - at_once) * 5
    )
    assert both_sides.probability_of_waiting == queue.probability_of_waiting
    assert summary.as_dict()["waste_per_call"][2] == {"seconds": 5.0, "queued": True}
    assert (
        "median / 90th percentile: every call 5.0 / 30.0 s; found an agent free 30.0 / 30.0 s; "
        "queued 5.0 / 5.0 s." in " ".join(report_text(summary).split())
    )


def impatient_run(**changes) -> Summary:
    """A run's summary with patience: 200/h of 3-minute calls on 10 agents, 60 s patience."""
    fields = dict(
        plan=plan(arrivals_per_hour=200, talk_seconds=180, agents=10, patience_seconds=60),
        service_level_seconds=20,
        scheduled=100,
        offered=100,
        answered=90,
        abandoned=10,
        arrivals_per_hour=200.0,
        talk_seconds=180.0,
        measured=Figures(
            probability_of_waiting=0.6,
            probability_all_busy=0.55,
            average_speed_of_answer=30.0,
            service_level=0.5,
            occupancy=0.85,
            abandoned=0.1,
        ),
        waste={"free agent to offer": 0.0},
    )
    return Summary(**{**fields, **changes})


def test_with_patience_the_report_sets_the_abandoning_against_erlang_a():
    summary = impatient_run()

    lines = report_text(summary).splitlines()

    header = next(i for i, line in enumerate(lines) if "Erlang A: plan" in line)
    expected = erlang_a(arrivals_per_hour=200, handle_seconds=180, agents=10, patience_seconds=60)
    assert lines[header + 1].split()[:3] == [
        "P(wait)",
        "0.600",
        f"{expected.probability_of_waiting:.3f}",
    ]
    assert lines[header + 2].split()[:3] == [
        "Abandoned",
        "0.100",
        f"{expected.probability_of_abandoning:.3f}",
    ]
    assert summary.as_dict()["erlang_a"]["realised"]["service_level"] == pytest.approx(
        expected.service_level(20)
    )
    # Without patience there is nothing to set against Erlang A.
    assert "Erlang A" not in report_text(
        Summary(**{**vars(summary), "plan": plan(arrivals_per_hour=200, talk_seconds=180)})
    )


def test_with_patience_a_caller_can_hang_up_in_the_waste_too():
    summary = impatient_run(
        waste={"accept to connected": 6.0},
        waste_per_call=[CallWaste(6.0, queued=False), CallWaste(6.0, queued=True)],
    )
    queue = summary.erlang_a_models()["realised + waste"]
    both_sides = summary.erlang_a_models()["waste both sides"]
    stays = math.exp(-6 / 60)  # through 6 s of waste, with a mean patience of 60 s

    # Whoever the queue would not lose, found an agent free or queued, may hang up in the
    # 6 s between an agent being free for them and being connected.
    assert both_sides.probability_of_abandoning == pytest.approx(
        1 - (1 - queue.probability_of_abandoning) * stays
    )
    assert both_sides.service_level(20) == pytest.approx(queue.service_level(14) * stays)
    # Without patience nobody hangs up in it.
    assert summary.erlang_c_models["waste both sides"].probability_of_abandoning == 0


def account(pk: int) -> AgentAccount:
    return AgentAccount(agent_id=pk, username="", vonage_user="", token="", session_key="")


def moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def test_all_busy_on_arrival_counts_the_callers_who_found_every_agent_busy():
    """Two agents; a caller who queues while both are with callers waited in Erlang C's
    sense, one who queues while one is free did not, however slow the routing was."""
    bob, carol = (AgentRecord(account=account(pk), available_at=0.0) for pk in (1, 2))

    def handled(*, queued: float, offered: float, hung_up: float, agent: int):
        caller = CallerRecord(arrival=None, hung_up_at=hung_up, outcome="answered")
        task = Task(pk=int(queued * 10), agent_id=agent, queued_at=moment(queued))
        offer = Offer(state=Offer.State.ACCEPTED, created_at=moment(offered))
        task._prefetched_objects_cache = {"offers": [offer]}
        return caller, task

    offered = [
        handled(queued=10, offered=10.5, hung_up=100, agent=1),  # both free
        handled(queued=20, offered=21.5, hung_up=90, agent=2),  # Carol free, routed slowly
        handled(queued=30, offered=90, hung_up=150, agent=2),  # both busy: waited
        handled(queued=95, offered=101, hung_up=160, agent=1),  # Carol on a new caller: waited
    ]

    share = all_busy_share(plan=plan(wrap_up_seconds=0), offered=offered, agents=[bob, carol])

    assert share == 0.5


def test_the_warm_up_callers_hold_agents_but_only_the_later_callers_are_measured(billing):
    """One agent, 100 call seconds of arrivals at x1, the first 50 a warm-up. Ada arrives in
    it and is answered at once; Ben arrives after it and waits for Ada's hang-up. Only Ben
    is measured, and the agent's time with Ada after the warm-up counts as busy."""
    bob = available_agent("Bob", skills={})
    start = 1_000_000.0

    def caller(index: int, *, at: float, offered: float, connected: float, hung_up: float):
        arrival = Arrival(index=index, at=at, talk=hung_up - connected, patience=None, number="")
        conversation = ConversationFactory(vonage_uuid=f"CON-{index}")
        task = Task.objects.create(
            conversation=conversation,
            queue=billing,
            channel="voice",
            state=Task.State.COMPLETED,
            agent=bob,
            queued_at=moment(start + at),
            assigned_at=moment(start + offered + 0.5),
        )
        Offer.objects.create(
            task=task,
            agent=bob,
            state=Offer.State.ACCEPTED,
            created_at=moment(start + offered),
            expires_at=moment(start + offered + 20),
        )
        return CallerRecord(
            arrival=arrival,
            conversation_uuid=conversation.vonage_uuid,
            queued_at=start + at,
            connected_at=start + connected,
            hung_up_at=start + hung_up,
            outcome="answered",
        )

    callers = [
        caller(1, at=10, offered=10, connected=11, hung_up=70),  # Ada, in the warm-up
        caller(2, at=60, offered=70, connected=71, hung_up=90),  # Ben, waits for Bob
    ]
    agents = [AgentRecord(account=account(bob.pk), available_at=start)]
    the_plan = plan(agents=1, duration_seconds=100, speed=1, warmup_seconds=50, talk_seconds=12.5)

    summary = measure(
        plan=the_plan, queue=billing, started_at=start, callers=callers, agents=agents
    )

    assert (summary.offered, summary.answered, summary.measured_callers) == (2, 2, 1)
    assert summary.arrivals_per_hour == 72.0  # one caller in the 50 s after the warm-up
    assert summary.talk_seconds == 19.0  # Ben's
    measured = summary.measured
    assert (measured.probability_of_waiting, measured.probability_all_busy) == (1.0, 1.0)
    assert measured.average_speed_of_answer == 11.0
    # Bob busy 50-70 with Ada and 70-90 with Ben, of the 50 s after the warm-up.
    assert measured.occupancy == pytest.approx(0.8)
    # The waste is Ben's: Bob free at 70, offered at once, connected at 71.
    assert sum(summary.waste.values()) == pytest.approx(1.0)
    assert summary.waste_per_call == [CallWaste(pytest.approx(1.0), queued=True)]  # Bob was busy
    assert "after the 50 s warm-up" in report_text(summary)
    assert "note: the warm-up" not in report_text(summary)  # 50 s is 4 talk times of 12.5 s
    # The same two callers through an ideal queue: Ben waits for Ada's 59 s to end at 69 s.
    ideal = summary.replay_models()["replay"]
    assert (ideal.probability_of_waiting, ideal.answers) == (1.0, (9.0,))
    assert "through an ideal queue" in report_text(summary)
    # Without the warm-up Ada is measured too: one of the two waited.
    everyone = measure(
        plan=plan(agents=1, duration_seconds=100, speed=1),
        queue=billing,
        started_at=start,
        callers=callers,
        agents=agents,
    )
    assert everyone.measured.probability_of_waiting == 0.5
    # A caller dropped after queueing is counted, and the report says what happened to them.
    callers[1].outcome, callers[1].problem = "failed", "the sandbox does not answer"
    dropped = measure(
        plan=the_plan, queue=billing, started_at=start, callers=callers, agents=agents
    )
    assert (dropped.offered, dropped.dropped, dropped.failed) == (2, 1, 0)
    assert "problem: the sandbox does not answer" in report_text(dropped)


def test_the_warm_up_must_be_shorter_than_the_duration():
    with pytest.raises(PlanError, match="warm-up"):
        plan(duration_seconds=60, warmup_seconds=60)
