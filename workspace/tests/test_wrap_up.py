"""Wrap-up: dispositions, notes and follow-ups kept on the contact and its CDR; Ready now
refused without a required disposition; one extension."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent
from callcentre.errors import DomainError
from conversations.models import Conversation
from reports.models import CallDetailRecord
from reports.services import cdr_write
from routing.models import DispositionCode
from routing.tests.factories import QueueFactory, available_agent
from workspace.tests.helpers import customer_with_number, finished_chat, past_contact
from workspace.wrap_up import (
    WrapUpError,
    WrapUpFieldError,
    pending_wrap_ups,
    wrap_up_end,
    wrap_up_extend,
    wrap_up_save,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def billing():
    queue = QueueFactory(
        name="Billing", wrap_up_seconds=60, wrap_up_extension_seconds=30, disposition_required=True
    )
    DispositionCode.objects.create(queue=queue, code="refund", label="Refund agreed")
    DispositionCode.objects.create(queue=queue, code="old", label="Old code", is_active=False)
    return queue


@pytest.fixture
def bob(billing):
    return available_agent("Bob", skills={})


def test_a_finished_contact_waits_for_its_wrap_up_and_the_saved_one_is_kept(bob, billing):
    task = finished_chat(agent=bob, queue=billing, customer=customer_with_number())
    assert [pending.pk for pending in pending_wrap_ups(agent=bob)] == [task.pk]
    follow_up = timezone.localdate() + timedelta(days=3)

    wrap_up_save(
        agent=bob,
        task_id=task.pk,
        disposition="refund",
        notes="Refund of £20",
        follow_up_on=follow_up,
    )

    conversation = Conversation.objects.get(pk=task.conversation_id)
    assert (conversation.disposition, conversation.wrap_up_notes, conversation.follow_up_on) == (
        "refund",
        "Refund of £20",
        follow_up,
    )
    assert conversation.wrapped_up_at is not None and conversation.wrap_up_seconds is not None
    assert pending_wrap_ups(agent=bob) == []


def test_ready_now_is_refused_without_a_required_disposition_and_changes_nothing(bob, billing):
    task = finished_chat(agent=bob, queue=billing, customer=customer_with_number())
    until = Agent.objects.get(pk=bob.pk).wrap_up_until

    with pytest.raises(
        WrapUpError, match="Choose a disposition for the contact with Sarah Johnson \\(Billing\\)"
    ):
        wrap_up_end(agent=bob)

    assert Agent.objects.get(pk=bob.pk).wrap_up_until == until
    assert Conversation.objects.get(pk=task.conversation_id).wrapped_up_at is None


def test_ready_now_after_the_disposition_ends_the_wrap_up(bob, billing):
    task = finished_chat(agent=bob, queue=billing, customer=customer_with_number())
    wrap_up_save(agent=bob, task_id=task.pk, disposition="refund", notes="", follow_up_on=None)

    agent = wrap_up_end(agent=bob)

    assert agent.activity(timezone.now()) == "available"


def test_a_save_without_a_required_disposition_or_with_an_unknown_one_is_refused(bob, billing):
    task = finished_chat(agent=bob, queue=billing, customer=customer_with_number())

    with pytest.raises(WrapUpFieldError, match="Billing requires a disposition"):
        wrap_up_save(agent=bob, task_id=task.pk, disposition="", notes="x", follow_up_on=None)
    with pytest.raises(WrapUpFieldError, match="'old' is not a disposition of Billing"):
        wrap_up_save(agent=bob, task_id=task.pk, disposition="old", notes="x", follow_up_on=None)
    with pytest.raises(WrapUpFieldError, match="in the past"):
        wrap_up_save(
            agent=bob,
            task_id=task.pk,
            disposition="refund",
            notes="x",
            follow_up_on=timezone.localdate() - timedelta(days=1),
        )

    conversation = Conversation.objects.get(pk=task.conversation_id)
    assert (conversation.disposition, conversation.wrap_up_notes) == ("", "")


def test_an_agent_cannot_wrap_up_someone_elses_contact(bob, billing):
    task = finished_chat(agent=bob, queue=billing, customer=customer_with_number())
    eve = available_agent("Eve", skills={})

    with pytest.raises(WrapUpError, match="You finished no such contact"):
        wrap_up_save(agent=eve, task_id=task.pk, disposition="refund", notes="", follow_up_on=None)


def test_without_a_required_disposition_ready_now_wraps_up_what_waits(bob):
    support = QueueFactory(name="Support", wrap_up_seconds=60)
    task = finished_chat(agent=bob, queue=support, customer=None)

    wrap_up_end(agent=bob)

    conversation = Conversation.objects.get(pk=task.conversation_id)
    assert conversation.wrapped_up_at is not None and conversation.disposition == ""
    assert pending_wrap_ups(agent=bob) == []


def test_the_wrap_up_is_extended_once_by_the_queues_allowance(bob, billing):
    finished_chat(agent=bob, queue=billing, customer=None)
    before = Agent.objects.get(pk=bob.pk).wrap_up_until

    extended = wrap_up_extend(agent=bob)

    assert extended.wrap_up_until == before + timedelta(seconds=30)
    with pytest.raises(WrapUpError, match="extended this wrap-up already"):
        wrap_up_extend(agent=bob)
    assert Agent.objects.get(pk=bob.pk).wrap_up_until == before + timedelta(seconds=30)


def test_a_queue_without_an_allowance_is_not_extended(bob):
    finished_chat(agent=bob, queue=QueueFactory(name="Sales", wrap_up_seconds=60), customer=None)

    with pytest.raises(DomainError, match="cannot be extended"):
        wrap_up_extend(agent=bob)


def test_the_cdr_carries_the_disposition_and_wrap_up_time_whichever_comes_first(bob, billing):
    customer = customer_with_number()
    first = past_contact(customer=customer, queue=billing, agent=bob, days_ago=0)
    cdr_write(conversation_id=first.conversation_id)
    second = past_contact(customer=customer, queue=billing, agent=bob, days_ago=0)
    Conversation.objects.filter(pk__in=[first.conversation_id, second.conversation_id]).update(
        wrapped_up_at=None
    )

    wrap_up_save(agent=bob, task_id=first.pk, disposition="refund", notes="n", follow_up_on=None)
    wrap_up_save(agent=bob, task_id=second.pk, disposition="refund", notes="", follow_up_on=None)
    cdr_write(conversation_id=second.conversation_id)

    for task in (first, second):
        cdr = CallDetailRecord.objects.get(conversation_id=task.conversation_id)
        conversation = Conversation.objects.get(pk=task.conversation_id)
        assert cdr.disposition == "refund"
        assert cdr.wrap_up_seconds == conversation.wrap_up_seconds
        assert cdr.wrap_up_seconds is not None and cdr.wrap_up_seconds >= 0
