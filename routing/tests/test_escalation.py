"""Escalation on the real engine: a caller nobody free may take waits; when a step of the
queue falls due, the escalation run widens who may answer (or raises the priority), and the
engine offers the contact to the agent who now qualifies. The clock is moved by passing
`now=` to the run (and, for the beat's task, by setting the clock), never by sleeping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.presence import Actor
from routing import escalation, tasks
from routing.models import EscalationStep, Offer, Queue, Task
from routing.presence import agent_presence_set
from routing.queueing import task_enqueue
from routing.tests.factories import (
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)

# The engine matches after commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def billing():
    return SkillFactory(name="billing")


@pytest.fixture
def billing_queue(billing) -> Queue:
    queue = QueueFactory(name="Billing")
    QueueSkillFactory(queue=queue, skill=billing, min_proficiency=5)
    return queue


def step(queue: Queue, after_seconds: int, action: str, **fields) -> EscalationStep:
    return EscalationStep.objects.create(
        queue=queue, after_seconds=after_seconds, action=action, **fields
    )


def enqueue(queue: Queue) -> Task:
    task = task_enqueue(conversation=ConversationFactory(), queue=queue)
    task.refresh_from_db()
    return task


def escalate_after(task: Task, seconds: int) -> int:
    """The escalation run (what the beat's routing.escalate does) once the task has waited
    `seconds`; returns how many steps it applied."""
    return escalation.tasks_escalate(now=task.queued_at + timedelta(seconds=seconds))


def offered_to(task: Task) -> str | None:
    offer = Offer.objects.filter(task=task, state=Offer.State.PENDING).first()
    return offer.agent.display_name if offer else None


def requirements(task: Task) -> list[tuple[str | None, str, int]]:
    """The task's skill groups as (source queue, skill, minimum proficiency) rows."""
    return sorted(
        (
            group.source_queue.name if group.source_queue else None,
            skill.skill.name,
            skill.min_proficiency,
        )
        for group in task.skill_groups.select_related("source_queue")
        for skill in group.skills.select_related("skill")
    )


def state_of(task: Task) -> tuple[str, int, int, str | None]:
    task.refresh_from_db()
    return task.state, task.priority, task.escalation_level, offered_to(task)


def test_relax_proficiency_offers_the_caller_to_the_agent_now_proficient_enough(
    billing, billing_queue
):
    step(billing_queue, 60, EscalationStep.Action.RELAX_PROFICIENCY, amount=2)
    available_agent("Gus", skills={billing: 2}, idle_minutes=90)  # still short of 3
    available_agent("Finn", skills={billing: 3}, idle_minutes=10)
    task = enqueue(billing_queue)
    assert state_of(task) == (Task.State.QUEUED, 0, 0, None)  # billing >= 5: nobody

    assert escalate_after(task, 59) == 0
    assert state_of(task) == (Task.State.QUEUED, 0, 0, None)
    assert requirements(task) == [("Billing", "billing", 5)]

    assert escalate_after(task, 60) == 1
    assert state_of(task) == (Task.State.OFFERED, 0, 1, "Finn")
    assert requirements(task) == [("Billing", "billing", 3)]


def test_relax_proficiency_never_goes_below_1(billing, billing_queue):
    step(billing_queue, 30, EscalationStep.Action.RELAX_PROFICIENCY, amount=9)
    available_agent("Nell", skills={billing: 1})
    task = enqueue(billing_queue)

    assert escalate_after(task, 30) == 1

    assert requirements(task) == [("Billing", "billing", 1)]
    assert state_of(task) == (Task.State.OFFERED, 0, 1, "Nell")


def test_drop_a_skill_offers_the_caller_to_the_agent_without_that_skill(billing, billing_queue):
    spanish = SkillFactory(name="spanish")
    QueueSkillFactory(queue=billing_queue, skill=spanish, min_proficiency=5)
    step(billing_queue, 120, EscalationStep.Action.DROP_SKILL, skill=spanish)
    available_agent("Ana", skills={spanish: 9}, idle_minutes=90)  # no billing at all
    available_agent("Bob", skills={billing: 8}, idle_minutes=10)
    task = enqueue(billing_queue)
    assert state_of(task) == (Task.State.QUEUED, 0, 0, None)

    assert escalate_after(task, 119) == 0
    assert state_of(task) == (Task.State.QUEUED, 0, 0, None)
    assert requirements(task) == [("Billing", "billing", 5), ("Billing", "spanish", 5)]

    assert escalate_after(task, 120) == 1
    assert state_of(task) == (Task.State.OFFERED, 0, 1, "Bob")
    assert requirements(task) == [("Billing", "billing", 5)]


def test_add_a_queue_offers_the_caller_to_an_agent_qualified_for_that_queue(billing, billing_queue):
    sales_skill = SkillFactory(name="sales")
    sales = QueueFactory(name="Sales")
    QueueSkillFactory(queue=sales, skill=sales_skill, min_proficiency=5)
    step(billing_queue, 90, EscalationStep.Action.ADD_QUEUE, target_queue=sales)
    available_agent("Finn", skills={billing: 3}, idle_minutes=90)  # qualified for neither
    available_agent("Sid", skills={sales_skill: 4}, idle_minutes=60)  # nor is Sid for Sales
    available_agent("Sam", skills={sales_skill: 7}, idle_minutes=10)
    task = enqueue(billing_queue)
    assert state_of(task) == (Task.State.QUEUED, 0, 0, None)

    assert escalate_after(task, 89) == 0
    assert state_of(task) == (Task.State.QUEUED, 0, 0, None)
    assert requirements(task) == [("Billing", "billing", 5)]

    assert escalate_after(task, 90) == 1
    assert state_of(task) == (Task.State.OFFERED, 0, 1, "Sam")
    # Billing's own agents still qualify: the step adds a way in, it takes none away.
    assert requirements(task) == [("Billing", "billing", 5), ("Sales", "sales", 5)]
    assert task.queue == billing_queue


@pytest.mark.parametrize(
    ("waited", "steps_applied", "escalated_priority", "bob_gets"),
    [(59, 0, 0, "older"), (60, 1, 5, "escalated")],
)
def test_raise_priority_puts_the_caller_before_an_older_caller_of_lower_priority(
    billing, billing_queue, waited, steps_applied, escalated_priority, bob_gets
):
    escalating = QueueFactory(name="Billing escalating")
    QueueSkillFactory(queue=escalating, skill=billing, min_proficiency=5)
    step(escalating, 60, EscalationStep.Action.RAISE_PRIORITY, amount=5)
    bob = available_agent("Bob", skills={billing: 8}, status="away")
    older = enqueue(billing_queue)
    escalated = enqueue(escalating)

    assert escalate_after(escalated, waited) == steps_applied
    assert state_of(escalated) == (Task.State.QUEUED, escalated_priority, steps_applied, None)
    assert state_of(older) == (Task.State.QUEUED, 0, 0, None)

    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")

    offers = {"older": offered_to(older), "escalated": offered_to(escalated)}
    assert offers == {"older": None, "escalated": None, bob_gets: "Bob"}


def test_steps_apply_in_order_once_each_as_the_wait_grows(billing, billing_queue):
    step(billing_queue, 30, EscalationStep.Action.RELAX_PROFICIENCY, amount=1)
    step(billing_queue, 60, EscalationStep.Action.RELAX_PROFICIENCY, amount=1)
    available_agent("Finn", skills={billing: 3})
    task = enqueue(billing_queue)

    assert escalate_after(task, 30) == 1
    assert requirements(task) == [("Billing", "billing", 4)]
    assert escalate_after(task, 45) == 0  # the first step is not applied again
    assert requirements(task) == [("Billing", "billing", 4)]
    assert state_of(task) == (Task.State.QUEUED, 0, 1, None)

    assert escalate_after(task, 60) == 1
    assert requirements(task) == [("Billing", "billing", 3)]
    assert state_of(task) == (Task.State.OFFERED, 0, 2, "Finn")


def test_a_run_that_finds_several_steps_due_applies_them_all(billing, billing_queue):
    step(billing_queue, 30, EscalationStep.Action.RELAX_PROFICIENCY, amount=1)
    step(billing_queue, 60, EscalationStep.Action.RELAX_PROFICIENCY, amount=1)
    available_agent("Finn", skills={billing: 3})
    task = enqueue(billing_queue)

    assert escalate_after(task, 75) == 2

    assert requirements(task) == [("Billing", "billing", 3)]
    assert state_of(task) == (Task.State.OFFERED, 0, 2, "Finn")


def test_the_beats_escalate_task_applies_a_due_step(billing, billing_queue, monkeypatch):
    step(billing_queue, 60, EscalationStep.Action.RELAX_PROFICIENCY, amount=2)
    available_agent("Finn", skills={billing: 3})
    task = enqueue(billing_queue)

    later = task.queued_at + timedelta(seconds=60)
    monkeypatch.setattr(timezone, "now", lambda: later)
    tasks.escalate()

    assert requirements(task) == [("Billing", "billing", 3)]
    assert state_of(task) == (Task.State.OFFERED, 0, 1, "Finn")
