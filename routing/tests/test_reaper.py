"""The reaper: what lost events, crashed workers and dead phones leave stuck gets settled."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from agents.models import Agent
from conversations.models import Conversation, Member
from routing.models import Offer, Task
from routing.offers import offer_accept
from routing.queueing import task_enqueue
from routing.reaper import routing_reap
from routing.settlement import leg_ended
from routing.tests.factories import (
    ConversationFactory,
    available_agent,
)

pytestmark = pytest.mark.django_db(transaction=True)


def call_waiting(queue, **options) -> Task:
    conversation = ConversationFactory()
    conversation.members.create(
        kind=Member.Kind.CUSTOMER, channel="voice", leg_uuid=f"{conversation.vonage_uuid}-leg"
    )
    task = task_enqueue(conversation=conversation, queue=queue, **options)
    task.refresh_from_db()
    return task


def caller_hung_up_unnoticed(task: Task, *, at) -> None:
    """The hang-up event was stored but routing never heard of it (the worker died)."""
    Member.objects.filter(conversation=task.conversation_id, kind=Member.Kind.CUSTOMER).update(
        call_status="completed", state=Member.State.LEFT, left_at=at
    )
    Conversation.objects.filter(pk=task.conversation_id).update(
        state=Conversation.State.ENDED, ended_at=at
    )


def accepted(task: Task, agent: Agent) -> Task:
    """The agent accepted (the agent leg is placed through the fake Vonage)."""
    offer = Offer.objects.get(task=task, state=Offer.State.PENDING)
    offer_accept(offer_id=offer.pk, agent=agent)
    task.refresh_from_db()
    return task


def agent_leg(task: Task) -> Member:
    return Member.objects.get(conversation=task.conversation_id, kind=Member.Kind.AGENT)


def loads(*agents: Agent) -> list[int]:
    return [Agent.objects.get(pk=agent.pk).voice_load for agent in agents]


def test_a_caller_who_hung_up_unnoticed_is_abandoned_and_the_offer_withdrawn(
    billing, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    task = call_waiting(billing)
    assert task.state == Task.State.OFFERED
    hung_up = timezone.now()
    caller_hung_up_unnoticed(task, at=hung_up)

    report = routing_reap()

    assert report.tasks_abandoned == 1
    task.refresh_from_db()
    assert (task.state, task.ended_at) == (Task.State.ABANDONED, hung_up)
    assert Offer.objects.get(task=task).state == Offer.State.CANCELLED
    assert loads(bob) == [0]


def test_a_call_that_ended_unnoticed_is_completed_and_the_agent_wraps_up(
    billing, billing_skill, vonage_api
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    task = accepted(call_waiting(billing), bob)
    Member.objects.filter(pk=agent_leg(task).pk).update(
        call_status="answered", joined_at=task.assigned_at
    )
    ended = task.assigned_at + timedelta(seconds=100)
    caller_hung_up_unnoticed(task, at=ended)

    report = routing_reap(now=ended + timedelta(seconds=5))

    assert report.tasks_completed == 1
    task.refresh_from_db()
    assert (task.state, task.completed_at) == (Task.State.COMPLETED, ended)
    bob.refresh_from_db()
    assert (bob.voice_load, bob.wrap_up_until, bob.talk_seconds_today) == (
        0,
        ended + timedelta(seconds=30),
        100,
    )


def test_a_caller_gone_while_the_agent_leg_still_rings_waits_for_that_legs_end(
    billing, billing_skill, vonage_api
):
    """The agent leg's `answered` may still be on its way (Vonage orders no events across
    legs): the reaper leaves the task to that leg's end, unless the leg never ends."""
    bob = available_agent("Bob", skills={billing_skill: 8})
    task = accepted(call_waiting(billing), bob)
    left = task.assigned_at + timedelta(seconds=3)
    caller_hung_up_unnoticed(task, at=left)

    assert routing_reap(now=left + timedelta(seconds=10)).tasks_abandoned == 0
    assert Task.objects.get(pk=task.pk).state == Task.State.ASSIGNED
    report = routing_reap(now=left + timedelta(seconds=91))

    assert report.tasks_abandoned == 1
    task.refresh_from_db()
    assert (task.state, task.ended_at) == (Task.State.ABANDONED, left)
    assert loads(bob) == [0]


def test_an_agent_leg_that_ended_unnoticed_completes_the_task(billing, billing_skill, vonage_api):
    bob = available_agent("Bob", skills={billing_skill: 8})
    task = accepted(call_waiting(billing), bob)
    left = task.assigned_at + timedelta(seconds=60)
    Member.objects.filter(pk=agent_leg(task).pk).update(
        call_status="completed",
        joined_at=task.assigned_at + timedelta(seconds=5),
        left_at=left,
    )

    assert routing_reap().tasks_completed == 1

    task.refresh_from_db()
    assert (task.state, task.completed_at) == (Task.State.COMPLETED, left)
    assert loads(bob) == [0]


def test_an_agent_who_never_answered_gives_the_call_to_the_next_agent(
    billing, billing_skill, vonage_api
):
    bob = available_agent("Bob", skills={billing_skill: 8}, idle_minutes=10)
    task = accepted(call_waiting(billing), bob)
    carol = available_agent("Carol", skills={billing_skill: 8}, idle_minutes=5)

    # Still ringing, within Vonage's ringing time: left alone.
    assert routing_reap(now=task.assigned_at + timedelta(seconds=60)).tasks_returned == 0
    report = routing_reap(now=task.assigned_at + timedelta(seconds=91))

    assert report.tasks_returned == 1
    task.refresh_from_db()
    assert task.attributes["returned"] == "agent never connected"
    assert Offer.objects.get(task=task, state=Offer.State.PENDING).agent == carol
    bob.refresh_from_db()
    assert (bob.voice_load, bob.missed_offers_in_a_row) == (0, 1)


def test_an_unanswered_agent_leg_whose_event_was_not_acted_on_returns_the_call(
    billing, billing_skill, vonage_api
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    task = accepted(call_waiting(billing), bob)
    Member.objects.filter(pk=agent_leg(task).pk).update(
        call_status="unanswered", left_at=task.assigned_at + timedelta(seconds=30)
    )

    assert routing_reap().tasks_returned == 1

    task.refresh_from_db()
    assert task.state == Task.State.QUEUED  # Bob just missed it: not offered to him again yet
    assert loads(bob) == [0]


def test_calls_in_progress_and_callbacks_are_left_alone(billing, billing_skill, vonage_api):
    bob = available_agent("Bob", skills={billing_skill: 8})
    talking = accepted(call_waiting(billing), bob)
    Member.objects.filter(pk=agent_leg(talking).pk).update(
        call_status="answered", joined_at=talking.assigned_at
    )
    callback = call_waiting(billing, is_callback=True, callback_number="447700900123")
    caller_hung_up_unnoticed(callback, at=timezone.now())
    waiting = call_waiting(billing)

    report = routing_reap(now=timezone.now() + timedelta(minutes=30))

    assert (report.tasks_abandoned, report.tasks_completed, report.tasks_returned) == (0, 0, 0)
    states = [Task.objects.get(pk=task.pk).state for task in (talking, callback, waiting)]
    assert states == [Task.State.ASSIGNED, Task.State.QUEUED, Task.State.QUEUED]


def test_expired_offers_and_ended_wrap_ups_are_settled_too(billing, billing_skill):
    bob = available_agent("Bob", skills={billing_skill: 8}, idle_minutes=10)
    task = call_waiting(billing)
    dave = available_agent(
        "Dave", skills={billing_skill: 8}, wrap_up_until=timezone.now() + timedelta(seconds=10)
    )

    report = routing_reap(now=timezone.now() + timedelta(seconds=21))

    assert (report.offers_expired, report.agents_woken) == (1, 1)
    assert Offer.objects.get(task=task, state=Offer.State.PENDING).agent == dave
    assert Offer.objects.get(task=task, agent=bob).state == Offer.State.TIMED_OUT


def test_the_reaper_settles_once_and_a_late_event_changes_nothing(billing, billing_skill):
    bob = available_agent("Bob", skills={billing_skill: 8})
    task = call_waiting(billing)
    caller_hung_up_unnoticed(task, at=timezone.now())

    first, second = routing_reap(), routing_reap()
    leg_ended(member=Member.objects.get(conversation=task.conversation_id))

    assert (bool(first), bool(second)) == (True, False)
    assert Task.objects.get(pk=task.pk).state == Task.State.ABANDONED
    assert loads(bob) == [0]


@pytest.mark.slow
@pytest.mark.postgres
def test_reapers_in_several_processes_settle_each_task_once(billing, billing_skill, vonage_api):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks and SKIP LOCKED are what is under test")
    agents = [
        available_agent(f"Agent{number}", skills={billing_skill: 8}, voice_capacity=1)
        for number in range(10)
    ]
    offered = [call_waiting(billing) for _ in range(10)]
    waiting = [call_waiting(billing) for _ in range(10)]
    hung_up = timezone.now()
    for task in offered + waiting:
        caller_hung_up_unnoticed(task, at=hung_up)
    reports, errors = [], []
    start = threading.Barrier(4)

    def reaper():
        try:
            start.wait()
            reports.append(routing_reap())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reaper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # A reaper that found a task locked by another skipped it: one more pass finds nothing.
    reports.append(routing_reap())

    assert errors == []
    assert sum(report.tasks_abandoned for report in reports) == 20
    assert not reports[-1]
    assert set(Task.objects.values_list("state", flat=True)) == {Task.State.ABANDONED}
    assert loads(*agents) == [0] * 10
    # Agents freed by one abandon may be offered another gone caller: withdrawn in turn.
    assert set(Offer.objects.values_list("state", flat=True)) == {Offer.State.CANCELLED}


def test_an_agent_leg_that_outlived_the_caller_is_hung_up_when_the_reaper_completes_the_call(
    billing, billing_skill, vonage_api
):
    """Vonage ends the agent's leg with the caller's (endOnExit) and a follow-up hangs up
    what is left; when both were lost, the reaper's completion hangs it up."""
    bob = available_agent("Bob", skills={billing_skill: 8})
    task = accepted(call_waiting(billing), bob)
    leg = agent_leg(task)
    Member.objects.filter(pk=leg.pk).update(
        call_status="answered",
        state=Member.State.JOINED,
        joined_at=task.assigned_at + timedelta(seconds=5),
    )
    left = task.assigned_at + timedelta(seconds=65)
    caller_hung_up_unnoticed(task, at=left)
    vonage_api.received.clear()

    assert routing_reap().tasks_completed == 1

    task.refresh_from_db()
    assert (task.state, task.completed_at) == (Task.State.COMPLETED, left)
    hang_ups = [
        request.body
        for request in vonage_api.received
        if request.method == "PUT" and request.path.endswith(leg.leg_uuid)
    ]
    assert hang_ups == [{"action": "hangup"}]
