"""The customer panel: who the contact is with, how they came in, what they want, and
their previous contacts on every channel (docs/desktop.md, "The customer panel").

Every function that returns a customer's data records the read in the audit trail; a
correction records the change.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from agents.models import Agent
from callcentre.errors import DomainError
from compliance.models import AuditEntry
from compliance.services import audit_change, audit_reads
from conversations.models import Conversation, Customer
from conversations.services.customers import customer_correct
from routing.models import IvrMenu, Task
from workspace.access import customer_get_for_agent, customer_is_current, task_get_for_agent
from workspace.wrap_up import disposition_labels, pending_wrap_ups

RECENT_CONTACTS = 5
HISTORY_LIMIT = 200  # the full history's newest contacts; `count` says how many there are
# VADER's usual cut-offs for its compound score.
POSITIVE, NEGATIVE = 0.05, -0.05


def sentiment_label(score: float | None) -> str:
    if score is None:
        return ""
    if score >= POSITIVE:
        return "Positive"
    if score <= NEGATIVE:
        return "Negative"
    return "Neutral"


def theirs_now(agent: Agent, customer_id: int) -> bool:
    pending = [task.pk for task in pending_wrap_ups(agent=agent)]
    return customer_is_current(agent=agent, customer_id=customer_id, pending_wrap_up=pending)


def customer_card(customer: Customer | None, number: str) -> dict:
    if customer is None:
        return {"id": None, "name": "", "email": "", "number": number, "handles": []}
    return {
        "id": customer.pk,
        "name": customer.name,
        "email": customer.email,
        "number": number,
        "handles": [
            {"kind": handle.kind, "value": handle.value} for handle in customer.handles.all()
        ],
        "is_vip": customer.is_vip,
        # Money as text: never a float.
        "account_value": str(customer.account_value)
        if customer.account_value is not None
        else None,
    }


def arrival(conversation: Conversation) -> dict:
    """How they came in: the channel, the number they called, their IVR path and words."""
    ivr = conversation.attributes.get("ivr") or {}
    choices = [choice for choice in ivr.get("choices", []) if isinstance(choice, dict)]
    menu_names = dict(
        IvrMenu.objects.filter(
            pk__in=[choice.get("menu_id") for choice in choices if choice.get("menu_id")]
        ).values_list("pk", "name")
    )
    said = conversation.attributes.get("speech") or []
    return {
        "channel": conversation.channel,
        "called": conversation.to_address,
        "started_at": conversation.started_at,
        "ivr": [
            {
                "menu": menu_names.get(choice.get("menu_id") or 0, ""),
                "digits": choice.get("digits") or "",
                "speech": choice.get("speech") or "",
                "outcome": choice.get("outcome") or "",
                "queue": choice.get("queue") or "",
            }
            for choice in choices
        ],
        "speech": [item.get("text", "") for item in said if isinstance(item, dict)],
        "intent": conversation.intent,
        "intent_confidence": conversation.intent_confidence,
        "sentiment": conversation.sentiment,
        "sentiment_label": sentiment_label(conversation.sentiment),
    }


def contacts_of(customer_id: int, *, exclude: int | None = None) -> QuerySet[Conversation]:
    """The customer's conversations on every channel, newest first, with their tasks."""
    tasks = Task.objects.select_related("queue", "agent").order_by("pk")
    conversations = (
        Conversation.objects.filter(customer_id=customer_id)
        .prefetch_related(Prefetch("tasks", tasks, to_attr="all_tasks"))
        .order_by("-started_at", "-pk")
    )
    if exclude is not None:
        conversations = conversations.exclude(pk=exclude)
    return conversations


def history_rows(conversations: list[Conversation], *, agent: Agent, current: bool) -> list[dict]:
    """One row per contact. Notes show for the contacts the agent held, or for all of them
    while the customer is the agent's now (`current`)."""
    queue_ids = [task.queue_id for c in conversations for task in c.all_tasks]  # type: ignore[attr-defined]
    labels = disposition_labels(queue_ids=queue_ids)
    rows = []
    for conversation in conversations:
        tasks: list[Task] = conversation.all_tasks  # type: ignore[attr-defined]
        last = tasks[-1] if tasks else None
        held = any(task.agent_id == agent.pk for task in tasks)
        rows.append(
            {
                "conversation_id": conversation.pk,
                "started_at": conversation.started_at,
                "channel": conversation.channel,
                "queue": last.queue.name if last else "",
                "agent": last.agent.display_name if last and last.agent else "",
                "outcome": last.get_state_display() if last else "",
                "is_callback": bool(last and last.is_callback),
                "disposition": conversation.disposition,
                "disposition_label": labels.get(
                    (last.queue_id, conversation.disposition), conversation.disposition
                )
                if last
                else conversation.disposition,
                "notes": conversation.wrap_up_notes if current or held else None,
                "notes_hidden": bool(conversation.wrap_up_notes) and not (current or held),
                "follow_up_on": conversation.follow_up_on,
            }
        )
    return rows


def open_work(customer_id: int) -> dict:
    """The customer's callbacks still waiting, and the follow-ups due today or later."""
    callbacks = (
        Task.objects.filter(
            conversation__customer_id=customer_id,
            is_callback=True,
            state__in=[Task.State.QUEUED, Task.State.OFFERED, Task.State.ASSIGNED],
        )
        .select_related("queue")
        .order_by("queued_at")
    )
    follow_ups = Conversation.objects.filter(
        customer_id=customer_id, follow_up_on__gte=timezone.localdate()
    ).order_by("follow_up_on")
    return {
        "callbacks": [
            {
                "task_id": task.pk,
                "queue": task.queue.name,
                "number": task.callback_number,
                "since": task.queued_at,
                "state": task.get_state_display(),
            }
            for task in callbacks
        ],
        "follow_ups": [
            {
                "conversation_id": conversation.pk,
                "on": conversation.follow_up_on,
                "disposition": conversation.disposition,
            }
            for conversation in follow_ups
        ],
    }


def contact_panel(*, agent: Agent, user: User | AnonymousUser, task_id: int) -> dict:
    """The customer panel of a contact offered to or held by the agent (audited)."""
    task = task_get_for_agent(agent=agent, task_id=task_id)
    conversation = task.conversation
    customer = conversation.customer
    panel: dict = {
        "task_id": task.pk,
        "conversation_id": conversation.pk,
        "customer": customer_card(customer, task.customer_number),
        "arrival": arrival(conversation),
        "previous": {"count": 0, "recent": []},
        "callbacks": [],
        "follow_ups": [],
        "can_edit": False,
    }
    if customer is None:
        return panel
    current = theirs_now(agent, customer.pk)
    previous = contacts_of(customer.pk, exclude=conversation.pk)
    panel["previous"] = {
        "count": previous.count(),
        "recent": history_rows(list(previous[:RECENT_CONTACTS]), agent=agent, current=current),
    }
    panel.update(open_work(customer.pk))
    panel["can_edit"] = current
    audit_reads(
        user=user, kind=AuditEntry.Kind.CUSTOMER, object_ids=[customer.pk], where="customer panel"
    )
    return panel


def customer_history(*, agent: Agent, user: User | AnonymousUser, customer_id: int) -> dict:
    """Every contact of a customer the agent may see (audited)."""
    customer = customer_get_for_agent(agent=agent, customer_id=customer_id)
    current = theirs_now(agent, customer.pk)
    audit_reads(
        user=user, kind=AuditEntry.Kind.CUSTOMER, object_ids=[customer.pk], where="customer history"
    )
    contacts = contacts_of(customer.pk)
    return {
        "customer": customer_card(customer, ""),
        "count": contacts.count(),
        "contacts": history_rows(list(contacts[:HISTORY_LIMIT]), agent=agent, current=current),
    }


class CustomerEditError(DomainError):
    """The agent may not correct this customer (not theirs now)."""


def customer_edit(
    *,
    agent: Agent,
    user: User | AnonymousUser,
    customer_id: int,
    name: str | None,
    email: str | None,
) -> dict:
    """Correct the name or e-mail of the agent's current customer (audited as a change)."""
    customer = customer_get_for_agent(agent=agent, customer_id=customer_id)
    current = theirs_now(agent, customer.pk)
    if not current:
        raise CustomerEditError("You can correct a customer only while their contact is yours.")
    changed = customer_correct(customer_id=customer.pk, name=name, email=email)
    if changed:
        audit_change(user=user, object_id=customer.pk, where="desktop: " + ", ".join(changed))
    customer.refresh_from_db()
    return customer_card(customer, "")
