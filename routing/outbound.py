"""Click-to-call: an agent calls a customer from the desktop (docs/softphone.md).

The call is a contact like an inbound one: a voice Conversation (direction outbound) with
the customer found or made by number, and a Task in OUTBOUND_QUEUE assigned to the agent
from the start (their voice slot claimed as an offer's would be). After commit the agent's
own leg is placed first (their softphone rings); its NCCO then connects the customer, with
one of the centre's numbers as caller ID, in the same Vonage conversation. From there it
settles as any call does (routing.settlement): the customer leaving completes it and the
agent wraps up; the post-call pipeline writes its CDR. An agent leg that never answers
abandons the attempt (an outbound task never goes back to a queue).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.services import agent_count_accepted, agent_slot_claim
from callcentre.celery import enqueue
from callcentre.realtime import agent_changed_later, board_changed_later
from callcentre.vonage import ncco
from callcentre.vonage.client import VonageError, get_client
from callcentre.vonage.inbound import phone_number
from conversations.models import Channel, Conversation
from conversations.services.calls import member_add_agent_leg
from conversations.services.customers import customer_for_number
from routing.errors import RoutingError
from routing.models import Queue, Task
from routing.queueing import task_abandon_while_connecting
from routing.voice import event_url

logger = logging.getLogger(__name__)

MIN_DIGITS = 7  # shorter is no E.164 number anyone can be called on


def outbound_caller_id() -> str:
    if not settings.VONAGE_NUMBERS:
        raise RoutingError(
            "Calling out needs one of the centre's numbers as caller ID (VONAGE_NUMBERS)."
        )
    return str(settings.VONAGE_NUMBERS[0]).removeprefix("+")


def outbound_call_start(*, agent: Agent, number: str) -> Task:
    """The agent calls `number`: the contact is theirs now; the calls are placed after commit."""
    digits = phone_number(number)
    if len(digits) < MIN_DIGITS:
        raise RoutingError(f"{number!r} is not a phone number (E.164, e.g. +447700900123).")
    caller_id = outbound_caller_id()
    queue = Queue.objects.filter(name=settings.OUTBOUND_QUEUE, is_active=True).first()
    if queue is None:
        raise RoutingError(
            f"Calling out needs the active queue {settings.OUTBOUND_QUEUE!r} (OUTBOUND_QUEUE)."
        )
    now = timezone.now()
    with transaction.atomic():
        if not agent_slot_claim(agent_id=agent.pk, channel=Channel.VOICE, now=now):
            raise RoutingError("You can call out when you are available and not on a call.")
        conversation = Conversation.objects.create(
            channel=Channel.VOICE,
            direction=Conversation.Direction.OUTBOUND,
            customer=customer_for_number(number=digits),
            from_address=caller_id,
            to_address=digits,
            started_at=now,
            attributes={"outbound": {"agent_id": agent.pk}},
        )
        task = Task.objects.create(
            conversation=conversation,
            queue=queue,
            channel=Channel.VOICE,
            priority=queue.priority,
            state=Task.State.ASSIGNED,  # born assigned: nobody else may take it
            agent=agent,
            queued_at=now,
            assigned_at=now,
            attributes={"outbound": True},
        )
        agent_count_accepted(agent_id=agent.pk)
        agent_changed_later(agent.pk)
        board_changed_later()
        transaction.on_commit(
            lambda: enqueue("routing.outbound_connect", task.pk, run_here_if_broker_down=True)
        )
    return task


def outbound_connect(*, task_id: int) -> None:
    """Place the agent's leg; when they answer, its NCCO rings the customer."""
    task = (
        Task.objects.select_related("agent", "conversation")
        .filter(pk=task_id, state=Task.State.ASSIGNED)
        .first()
    )
    if task is None or task.agent is None:
        return
    conversation = task.conversation
    try:
        created = get_client().create_call(
            to={"type": "app", "user": task.agent.vonage_user},
            ncco=ncco.ncco_to_json(
                [
                    ncco.Connect(
                        endpoint=ncco.PhoneEndpoint(number=conversation.to_address),
                        from_number=conversation.from_address,
                        event_url=event_url(),
                    )
                ]
            ),
            event_url=event_url(),
            from_number=conversation.from_address,
        )
    except VonageError as error:
        logger.error("could not place the outbound call of task %s: %s", task_id, error)
        outbound_call_failed(task_id=task_id)
        return
    with transaction.atomic():
        # The leg's first events may have filed it as a call of its own under this Vonage
        # conversation uuid: member_add_agent_leg moves them here and drops that stray first.
        member_add_agent_leg(
            conversation=conversation, agent_id=task.agent.pk, leg_uuid=created.uuid
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            vonage_uuid=created.conversation_uuid
        )
        agent_changed_later(task.agent.pk)


def outbound_call_failed(*, task_id: int) -> None:
    """Vonage would not place the call: the attempt is abandoned and the agent freed."""
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(pk=task_id).first()
        if task is not None and task.state == Task.State.ASSIGNED:
            task_abandon_while_connecting(task=task, now=timezone.now())
            Conversation.objects.filter(pk=task.conversation_id).update(
                state=Conversation.State.ENDED, ended_at=timezone.now()
            )
            agent_changed_later(task.agent_id)
