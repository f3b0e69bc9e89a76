from datetime import timedelta

import pytest
from django.utils import timezone

from routing.models import Task
from routing.statistics import queue_statistics, task_position, task_wait_estimate
from routing.tests.factories import (
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)

pytestmark = pytest.mark.django_db


def add_task(queue, *, state, queued_seconds_ago, **fields) -> Task:
    now = timezone.now()
    return Task.objects.create(
        conversation=ConversationFactory(),
        queue=queue,
        channel="voice",
        state=state,
        queued_at=now - timedelta(seconds=queued_seconds_ago),
        **fields,
    )


def test_live_statistics_of_a_queue():
    now = timezone.now()
    billing = SkillFactory(name="billing")
    queue = QueueFactory(
        name="Billing", service_level_seconds=20, short_abandon_seconds=5, wrap_up_seconds=30
    )
    QueueSkillFactory(queue=queue, skill=billing, min_proficiency=5)
    available_agent("Bob", skills={billing: 8})
    available_agent("Carol", skills={billing: 9}, voice_load=1)
    available_agent("Dave", skills={billing: 6}, wrap_up_until=now + timedelta(seconds=10))
    available_agent("Erin", skills={billing: 9}, status="away")
    available_agent("Finn", skills={billing: 2})  # not qualified for this queue
    add_task(queue, state="queued", queued_seconds_ago=90)
    add_task(queue, state="offered", queued_seconds_ago=30)
    add_task(queue, state="queued", queued_seconds_ago=40, is_callback=True)
    # Answered in 10 s and in 60 s; talked for 120 s each.
    for waited in (10, 60):
        add_task(
            queue,
            state="completed",
            queued_seconds_ago=600,
            assigned_at=now - timedelta(seconds=600 - waited),
            completed_at=now - timedelta(seconds=600 - waited - 120),
        )
    # Abandoned after 30 s (counts) and after 3 s (a short abandon: does not count).
    add_task(
        queue, state="abandoned", queued_seconds_ago=300, ended_at=now - timedelta(seconds=270)
    )
    add_task(
        queue, state="abandoned", queued_seconds_ago=200, ended_at=now - timedelta(seconds=197)
    )

    [stats] = queue_statistics(now=now)

    assert (stats.name, stats.waiting, stats.callbacks_waiting) == ("Billing", 2, 1)
    assert stats.longest_wait_seconds == 90
    assert (stats.answered_today, stats.abandoned_today) == (2, 1)
    assert stats.service_level_percent == 33.3  # 1 of 3 within 20 s
    assert (stats.agents_available, stats.agents_busy, stats.agents_wrap_up) == (1, 1, 1)
    # What the last of the 3 contacts waiting is told: Bob, free, takes the first; the other
    # two wait for an agent to finish, at 150 s a contact (120 s talk + 30 s wrap-up) over
    # 3 staff.
    assert stats.estimated_wait_seconds == 100


def test_position_counts_priority_then_arrival():
    queue = QueueFactory(name="Sales")
    first = add_task(queue, state="queued", queued_seconds_ago=60)
    second = add_task(queue, state="queued", queued_seconds_ago=30)
    urgent = add_task(queue, state="queued", queued_seconds_ago=5, priority=10)

    assert [task_position(task=task) for task in (urgent, first, second)] == [1, 2, 3]


def test_an_empty_queue_has_no_service_level_yet_and_no_wait():
    QueueFactory(name="Quiet")

    [stats] = queue_statistics()

    assert (stats.waiting, stats.service_level_percent, stats.estimated_wait_seconds) == (
        0,
        None,
        0,
    )


def test_an_empty_queue_whose_agents_are_all_busy_has_no_wait():
    sales = SkillFactory(name="sales")
    queue = QueueFactory(name="Sales")
    QueueSkillFactory(queue=queue, skill=sales, min_proficiency=1)
    available_agent("Bob", skills={sales: 5}, voice_load=1)

    [stats] = queue_statistics()

    assert (stats.waiting, stats.agents_busy, stats.estimated_wait_seconds) == (0, 1, 0)


def test_the_screens_show_what_the_last_caller_in_the_queue_is_told():
    sales = SkillFactory(name="sales")
    queue = QueueFactory(name="Sales", wrap_up_seconds=30)
    QueueSkillFactory(queue=queue, skill=sales, min_proficiency=1)
    available_agent("Bob", skills={sales: 5}, voice_load=1)
    first = add_task(queue, state="queued", queued_seconds_ago=90)
    last = add_task(queue, state="queued", queued_seconds_ago=30)

    [stats] = queue_statistics()

    # 180 s a call (nothing handled today) + 30 s wrap-up, one busy agent: the first caller
    # waits for him to finish one call, the last for two.
    assert task_wait_estimate(task=first).estimated_wait_seconds == 210
    assert task_wait_estimate(task=last).estimated_wait_seconds == 420
    assert stats.estimated_wait_seconds == 420


def test_no_wait_is_promised_when_no_agent_who_could_serve_the_queue_is_signed_in():
    sales = SkillFactory(name="sales")
    support = SkillFactory(name="support")
    queue = QueueFactory(name="Sales")
    QueueSkillFactory(queue=queue, skill=sales, min_proficiency=1)
    available_agent("Bob", skills={sales: 5}, status="away")
    available_agent("Carol", skills={sales: 5}, status="offline")
    available_agent("Dave", skills={support: 5})  # signed in, but not for Sales
    task = add_task(queue, state="queued", queued_seconds_ago=30)

    [stats] = queue_statistics()
    estimate = task_wait_estimate(task=task)

    assert (estimate.position, estimate.estimated_wait_seconds) == (1, None)
    assert (stats.waiting, stats.estimated_wait_seconds) == (1, None)


def test_a_free_agent_means_no_wait_for_the_contacts_they_take():
    sales = SkillFactory(name="sales")
    queue = QueueFactory(name="Sales", wrap_up_seconds=20)
    QueueSkillFactory(queue=queue, skill=sales, min_proficiency=1)
    available_agent("Bob", skills={sales: 5})
    available_agent("Carol", skills={sales: 5}, voice_load=1)
    first = add_task(queue, state="queued", queued_seconds_ago=60)
    second = add_task(queue, state="queued", queued_seconds_ago=30)

    # Bob takes the first; the second waits for one of the two to finish: 200 s over 2.
    assert task_wait_estimate(task=first).estimated_wait_seconds == 0
    assert task_wait_estimate(task=second).estimated_wait_seconds == 100


def test_a_callback_keeps_its_place_ahead_of_later_callers():
    queue = QueueFactory(name="Sales")
    callback = add_task(queue, state="queued", queued_seconds_ago=60, is_callback=True)
    caller = add_task(queue, state="queued", queued_seconds_ago=30)

    assert [task_position(task=task) for task in (callback, caller)] == [1, 2]


def test_a_waiting_callers_estimate_counts_the_work_ahead_of_them():
    billing = SkillFactory(name="billing")
    queue = QueueFactory(name="Billing", wrap_up_seconds=20)
    QueueSkillFactory(queue=queue, skill=billing, min_proficiency=5)
    available_agent("Bob", skills={billing: 8}, voice_load=1)
    available_agent("Carol", skills={billing: 8}, voice_load=1)
    add_task(queue, state="offered", queued_seconds_ago=90)
    add_task(queue, state="queued", queued_seconds_ago=60, is_callback=True)
    third = add_task(queue, state="queued", queued_seconds_ago=30)
    add_task(queue, state="queued", queued_seconds_ago=10)

    estimate = task_wait_estimate(task=third)

    # Nothing handled today: 180 s a contact, plus 20 s wrap-up; 3 contacts' work over 2 agents.
    assert (estimate.position, estimate.estimated_wait_seconds) == (3, 300)


def test_an_inactive_queue_gives_a_position_but_no_estimate():
    queue = QueueFactory(name="Old", is_active=False)
    task = add_task(queue, state="queued", queued_seconds_ago=5)

    estimate = task_wait_estimate(task=task)

    assert (estimate.position, estimate.estimated_wait_seconds) == (1, None)
