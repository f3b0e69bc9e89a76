"""Which customers an agent may see, and whose notes (docs/desktop.md, "Access").

An agent sees the customers of the contacts they were offered or held, nobody else. Of a
customer's previous contacts they read the notes of those they held themselves, and all of
them while the customer is theirs now (offered to them, held, or in their wrap-up).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from agents.models import Agent
from conversations.models import Customer
from routing.models import Offer, Task


def tasks_offered_or_held(*, agent: Agent) -> QuerySet[Task]:
    return Task.objects.filter(
        Q(agent=agent) | Q(pk__in=Offer.objects.filter(agent=agent).values("task_id"))
    )


def customer_get_for_agent(*, agent: Agent, customer_id: int) -> Customer:
    """The customer, if one of their contacts was offered to or held by the agent; else 404."""
    seen = tasks_offered_or_held(agent=agent).filter(conversation__customer_id=customer_id)
    customer = Customer.objects.filter(pk=customer_id).prefetch_related("handles").first()
    if customer is None or not seen.exists():
        raise Http404("No such customer for you.")
    return customer


def task_get_for_agent(*, agent: Agent, task_id: int) -> Task:
    """A contact offered to the agent now, or held by them (now or before); else 404."""
    task = (
        tasks_offered_or_held(agent=agent)
        .filter(pk=task_id)
        .select_related("queue", "agent", "conversation__customer")
        .first()
    )
    if task is None:
        raise Http404("No such contact for you.")
    return task


def customer_is_current(*, agent: Agent, customer_id: int, pending_wrap_up: list[int]) -> bool:
    """The customer is the agent's now: offered to them, held, or in their wrap-up
    (`pending_wrap_up`: the task ids the agent still has to wrap up)."""
    now = Task.objects.filter(conversation__customer_id=customer_id).filter(
        Q(agent=agent, state=Task.State.ASSIGNED)
        | Q(offers__agent=agent, offers__state=Offer.State.PENDING)
        | Q(pk__in=pending_wrap_up)
    )
    return now.exists()
