"""Handing a call on: cold transfers (to a queue, a named agent or a phone number), and who
a call can be handed to (shared with routing.parties: warm transfers and conferences).

How each goes through Vonage (CONTRACT §4, §5):

- **Cold, to a queue or an agent.** The customer's leg is given a new NCCO (`PUT
  /v1/calls/{uuid}` transfer): a word, then a room of its own with music
  (`startOnEnter: false`), since the conversation they leave ends behind them (their
  `endOnExit`). The room's name goes on the conversation (`attributes["room"]`,
  routing.rooms), where the next agent joins it; a new task waits in the queue, or is
  offered to the named agent at once (if they do not take it, it waits in the queue). The
  transferring agent's leg is hung up: its end completes their task and starts their wrap-up.
- **Cold, to a number.** The customer's new NCCO `connect`s them to the number, from one of
  the centre's numbers.
- **Consult and conference**: routing.parties.

Every one is a step of the call's record (conversations.steps.CallStep).
"""

import logging

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from callcentre.vonage import ncco
from callcentre.vonage.client import VonageError, get_client
from callcentre.vonage.inbound import phone_number
from conversations.call_record import open_step
from conversations.models import CallStep, Conversation
from conversations.services.calls import conversation_set_attributes
from conversations.services.steps import call_step_begin
from routing import ivr, recording, voice
from routing.control import (
    agent_leg_required,
    call_task_check,
    conversation_lock,
    customer_leg_required,
    customer_resume_if_held,
)
from routing.engine import offer_create
from routing.errors import RoutingError
from routing.ivr_decisions import voice_for
from routing.models import Queue, Task
from routing.prompts import hold_conversation
from routing.queueing import task_enqueue
from routing.rooms import waiting_room_name

logger = logging.getLogger(__name__)

TRANSFER_TEXT = "Please hold while I transfer your call."


# Who and where to


def agent_is_free(agent: Agent) -> bool:
    """Available, with a free voice slot, not wrapping up (the claim checks it again)."""
    return (
        agent.status == Agent.Status.AVAILABLE
        and agent.voice_load < agent.voice_capacity
        and (agent.wrap_up_until is None or agent.wrap_up_until <= timezone.now())
    )


def transfer_targets(*, agent: Agent) -> dict:
    """The queues and the other agents a call can go to, for the desktop's picker (an agent
    can take a consult or a named transfer when they are available with a free voice slot)."""
    queues = Queue.objects.filter(is_active=True).order_by("name")
    agents = (
        Agent.objects.exclude(pk=agent.pk)
        .filter(user__is_active=True)
        .order_by("display_name", "pk")
    )
    return {
        "queues": [{"id": queue.pk, "name": queue.name} for queue in queues],
        "agents": [
            {
                "id": other.pk,
                "name": other.display_name,
                "status": other.status,
                "is_free": agent_is_free(other),
            }
            for other in agents
        ],
    }


def number_required(number: str) -> str:
    digits = phone_number(number)
    if not digits or len(digits) < 7:
        raise RoutingError(f"{number!r} is not a phone number (E.164, e.g. +447700900123).")
    return digits


def agent_target(*, agent_id: int, agent: Agent) -> Agent:
    target = Agent.objects.filter(pk=agent_id, user__is_active=True).first()
    if target is None:
        raise RoutingError("No such agent.")
    if target.pk == agent.pk:
        raise RoutingError("You cannot transfer a call to yourself.")
    return target


def consult_none_open(conversation: Conversation) -> None:
    if open_step(conversation_id=conversation.pk, kind=CallStep.Kind.CONSULT) is not None:
        raise RoutingError("Complete or cancel the consult first.")


# Cold transfers


def customer_move(*, conversation: Conversation, leg_uuid: str, actions: list[ncco.Action]) -> None:
    """Give the customer's leg its new call flow (off hold first: mute and earmuff belong
    to the leg, not to the flow)."""
    customer_resume_if_held(conversation=conversation, leg_uuid=leg_uuid)
    get_client().transfer_to_ncco(leg_uuid, ncco.ncco_to_json(actions))


def customer_to_new_room(
    *, conversation: Conversation, queue: Queue, leg_uuid: str, text: str
) -> None:
    """The customer waits in a room of their own for the next agent (their old one ended
    when they left it: its name is not used again)."""
    moves = conversation.call_steps.filter(kind=CallStep.Kind.TRANSFER).count()
    room = f"waiting-{conversation.vonage_uuid}-{moves + 1}"
    conversation_set_attributes(conversation=conversation, room=room)
    caller_voice = voice_for(ivr.caller_menu(conversation=conversation))
    actions: list[ncco.Action] = [
        caller_voice.talk(text),
        hold_conversation(waiting_room_name(conversation)),
    ]
    if not recording.consent_asked(conversation):
        # A caller who has not heard the new queue's recording notice hears it now.
        actions = recording.with_notice(actions, queue=queue, voice=caller_voice)
    customer_move(conversation=conversation, leg_uuid=leg_uuid, actions=actions)


def agent_leg_hang_up_later(*, task: Task) -> None:
    """After commit, end the handing-on agent's leg (its end completes their task)."""
    leg = voice.agent_live_leg(task=task)
    if leg is None or leg.leg_uuid is None:
        return
    leg_uuid = leg.leg_uuid

    def hang_up() -> None:
        try:
            get_client().hangup(leg_uuid)
        except VonageError as error:  # the conversation it was in ended already
            logger.info("could not hang up agent leg %s: %s", leg_uuid, error)

    transaction.on_commit(hang_up)


def call_transfer_to_queue(*, task: Task, agent: Agent, queue_id: int) -> Task:
    """Cold transfer: the customer waits in the queue for its next agent."""
    call_task_check(task)
    agent_leg_required(task)
    queue = Queue.objects.filter(pk=queue_id, is_active=True).first()
    if queue is None:
        raise RoutingError("No such queue.")
    with transaction.atomic():
        conversation = conversation_lock(task)
        leg_uuid = customer_leg_required(conversation)
        consult_none_open(conversation)
        new_task = task_enqueue(
            conversation=conversation, queue=queue, attributes={"transferred_from": task.pk}
        )
        call_step_begin(
            conversation_id=conversation.pk,
            kind=CallStep.Kind.TRANSFER,
            agent_id=agent.pk,
            task_id=task.pk,
            target_kind=CallStep.Target.QUEUE,
            target=queue.name,
            party_task_id=new_task.pk,
        )
        customer_to_new_room(
            conversation=conversation,
            queue=queue,
            leg_uuid=leg_uuid,
            text=f"Please hold while I transfer you to {queue.name}.",
        )
        agent_leg_hang_up_later(task=task)
    return new_task


def call_transfer_to_agent(*, task: Task, agent: Agent, agent_id: int) -> Task:
    """Cold transfer to a named agent: offered to them at once, in this call's queue (if
    they do not take it, it waits there for the next agent)."""
    call_task_check(task)
    agent_leg_required(task)
    target = agent_target(agent_id=agent_id, agent=agent)
    with transaction.atomic():
        conversation = conversation_lock(task)
        leg_uuid = customer_leg_required(conversation)
        consult_none_open(conversation)
        new_task = task_enqueue(
            conversation=conversation, queue=task.queue, attributes={"transferred_from": task.pk}
        )
        if offer_create(task=new_task, agent_id=target.pk, now=timezone.now()) is None:
            raise RoutingError(f"{target.display_name} is not available to take it.")
        call_step_begin(
            conversation_id=conversation.pk,
            kind=CallStep.Kind.TRANSFER,
            agent_id=agent.pk,
            task_id=task.pk,
            target_kind=CallStep.Target.AGENT,
            target=target.display_name,
            party_task_id=new_task.pk,
        )
        customer_to_new_room(
            conversation=conversation, queue=task.queue, leg_uuid=leg_uuid, text=TRANSFER_TEXT
        )
        agent_leg_hang_up_later(task=task)
    return new_task


def call_transfer_to_number(*, task: Task, agent: Agent, number: str) -> None:
    """Cold transfer out of the centre: the customer is connected to the number, which sees
    one of the centre's numbers calling."""
    call_task_check(task)
    agent_leg_required(task)
    digits = number_required(number)
    with transaction.atomic():
        conversation = conversation_lock(task)
        leg_uuid = customer_leg_required(conversation)
        consult_none_open(conversation)
        call_step_begin(
            conversation_id=conversation.pk,
            kind=CallStep.Kind.TRANSFER,
            agent_id=agent.pk,
            task_id=task.pk,
            target_kind=CallStep.Target.NUMBER,
            target=f"+{digits}",
        )
        caller_voice = voice_for(ivr.caller_menu(conversation=conversation))
        customer_move(
            conversation=conversation,
            leg_uuid=leg_uuid,
            actions=[
                caller_voice.talk(TRANSFER_TEXT),
                ncco.Connect(
                    endpoint=ncco.PhoneEndpoint(number=digits),
                    event_url=voice.event_url(),
                    **voice.caller_id(),
                ),
            ],
        )
        agent_leg_hang_up_later(task=task)
