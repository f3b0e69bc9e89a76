"""Contacts as the routing engine leaves them, for the workspace's tests."""

from datetime import timedelta

from django.utils import timezone

from agents.models import Agent
from conversations.models import Conversation, Customer, CustomerHandle
from routing.models import Offer, Queue, Task
from routing.offers import offer_accept
from routing.queueing import task_complete, task_enqueue
from routing.tests.factories import ConversationFactory

NUMBER = "447700900123"


def customer_with_number(name: str = "Sarah Johnson", number: str = NUMBER, **fields) -> Customer:
    customer = Customer.objects.create(name=name, **fields)
    CustomerHandle.objects.create(customer=customer, kind="phone", value=number)
    return customer


def offered_chat(*, agent: Agent, queue: Queue, customer: Customer | None) -> Task:
    """A customer's SMS chat, offered to the (available, free) agent by the engine."""
    conversation = ConversationFactory(
        channel="sms", customer=customer, from_address=NUMBER, to_address="447700900000"
    )
    task = task_enqueue(conversation=conversation, queue=queue)
    assert Offer.objects.get(task=task, state=Offer.State.PENDING).agent_id == agent.pk
    task.refresh_from_db()
    return task


def held_chat(*, agent: Agent, queue: Queue, customer: Customer | None) -> Task:
    task = offered_chat(agent=agent, queue=queue, customer=customer)
    offer = Offer.objects.get(task=task, state=Offer.State.PENDING)
    return offer_accept(offer_id=offer.pk, agent=agent)


def finished_chat(*, agent: Agent, queue: Queue, customer: Customer | None) -> Task:
    """A chat the agent held and closed: their wrap-up runs."""
    task = held_chat(agent=agent, queue=queue, customer=customer)
    task_complete(task_id=task.pk, agent=agent)
    task.refresh_from_db()
    return task


def past_contact(
    *,
    customer: Customer,
    queue: Queue,
    agent: Agent | None,
    days_ago: int,
    channel: str = "voice",
    disposition: str = "",
    notes: str = "",
    follow_up_on=None,
) -> Task:
    """A contact handled (or not) some days ago, with its wrap-up."""
    at = timezone.now() - timedelta(days=days_ago)
    conversation = ConversationFactory(
        channel=channel,
        customer=customer,
        state=Conversation.State.ENDED,
        started_at=at,
        ended_at=at + timedelta(minutes=5),
        disposition=disposition,
        wrap_up_notes=notes,
        follow_up_on=follow_up_on,
        wrapped_up_at=at + timedelta(minutes=6) if agent else None,
    )
    return Task.objects.create(
        conversation=conversation,
        queue=queue,
        channel=channel,
        state=Task.State.COMPLETED if agent else Task.State.ABANDONED,
        agent=agent,
        queued_at=at,
        assigned_at=at + timedelta(seconds=30) if agent else None,
        completed_at=at + timedelta(minutes=5) if agent else None,
        ended_at=None if agent else at + timedelta(minutes=1),
    )
