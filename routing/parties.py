"""A second party on a call: warm transfers (consult a second agent or number while the
customer holds; complete, or cancel back to the customer) and conferences (a third party
in, and dropped). Cold transfers are routing.transfer.

How it goes through Vonage (CONTRACT §4, §5): a call is placed (`POST /v1/calls`) to the
second agent's Client SDK user, or to the number, with an NCCO that joins the call's own
conversation (`startOnEnter`, without `endOnExit`). In a consult the customer is on hold
first (routing.control: earmuffed and muted, so the two agents talk alone). A consulted or
conferenced agent holds a task of their own (assigned to them, their voice slot taken), so
their desktop shows the call; if their phone never answers, the task is cancelled.
Completing a consult takes the customer off hold and hangs up the consulting agent;
cancelling hangs up the consulted party and takes the customer off hold.

Every one is a step of the call's record (conversations.steps.CallStep).
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.services import agent_slot_claim, agent_slot_give_back
from callcentre.vonage import ncco
from callcentre.vonage.client import VonageError, get_client
from conversations.call_record import open_parties, open_step
from conversations.models import CallStep, Conversation
from conversations.services.calls import member_add_agent_leg
from conversations.services.steps import call_step_begin, call_step_end, call_step_set_party
from routing import recording, voice
from routing.control import (
    agent_leg_required,
    agents_on_call,
    call_hold,
    call_task_check,
    changed,
    conversation_lock,
    customer_leg_required,
    customer_resume_if_held,
)
from routing.errors import RoutingError
from routing.models import Task
from routing.rooms import waiting_room_name
from routing.states import task_move
from routing.transfer import (
    agent_is_free,
    agent_leg_hang_up_later,
    agent_target,
    consult_none_open,
    number_required,
)

logger = logging.getLogger(__name__)

PARTY_ATTRIBUTES = ("consult_of", "conference_of")


# Consults and conferences


def call_party_add(
    *,
    task: Task,
    agent: Agent,
    kind: str,
    agent_id: int | None = None,
    number: str = "",
) -> CallStep:
    """Bring a second agent or a number into the call: a consult (the customer holds) or a
    conference (everyone hears everyone)."""
    call_task_check(task)
    agent_leg_required(task)
    if (agent_id is None) == (not number):
        raise RoutingError("Say who to call: an agent or a number, not both.")
    target = agent_target(agent_id=agent_id, agent=agent) if agent_id is not None else None
    digits = number_required(number) if target is None else ""
    if target is not None and not agent_is_free(target):
        raise RoutingError(f"{target.display_name} is not available.")
    if kind == CallStep.Kind.CONSULT:
        with transaction.atomic():
            conversation = conversation_lock(task)
            customer_leg_required(conversation)
            consult_none_open(conversation)
        if open_step(conversation_id=task.conversation_id, kind=CallStep.Kind.HOLD) is None:
            # Its own step, committed: if the consult cannot be placed the customer stays
            # on hold until the agent resumes.
            call_hold(task=task, agent=agent)
    now = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(task)
        customer_leg_required(conversation)
        if kind == CallStep.Kind.CONSULT:
            consult_none_open(conversation)
        party_task = None
        if target is not None:
            party_task = party_task_create(task=task, target=target, kind=kind, now=now)
        step = call_step_begin(
            conversation_id=conversation.pk,
            kind=kind,
            agent_id=agent.pk,
            task_id=task.pk,
            target_kind=CallStep.Target.AGENT if target else CallStep.Target.NUMBER,
            target=target.display_name if target else f"+{digits}",
            party_task_id=party_task.pk if party_task else None,
            now=now,
        )
        endpoint = {"type": "app", "user": target.vonage_user} if target else None
        created = get_client().create_call(
            to=endpoint or {"type": "phone", "number": digits},
            ncco=ncco.ncco_to_json(
                [
                    *(recording.record_actions(task=task) if target else []),
                    ncco.Conversation(
                        name=waiting_room_name(conversation),
                        start_on_enter=True,
                        end_on_exit=False,
                        event_url=voice.event_url(),
                    ),
                ]
            ),
            event_url=voice.event_url(),
            **voice.caller_id(),
        )
    # After commit, as routing.voice registers an agent's leg: its first events may be
    # filed first (member_add_agent_leg moves them).
    member = member_add_agent_leg(
        conversation=conversation,
        agent_id=target.pk if target else None,
        leg_uuid=created.uuid,
        kind="agent" if target else "external",
        to_address=target.vonage_user if target else digits,
        leg_conversation_uuid=created.conversation_uuid,
    )
    call_step_set_party(step_id=step.pk, party_id=member.pk)
    changed(agent.pk, target.pk if target else None)
    step.refresh_from_db()
    return step


def party_task_create(*, task: Task, target: Agent, kind: str, now: datetime) -> Task:
    """The consulted or conferenced agent's own task on the call, assigned to them with
    their voice slot taken (refused when they are not available and free)."""
    if not agent_slot_claim(agent_id=target.pk, channel="voice", now=now):
        raise RoutingError(f"{target.display_name} is not available.")
    return Task.objects.create(
        conversation_id=task.conversation_id,
        queue_id=task.queue_id,
        channel="voice",
        priority=task.priority,
        state=Task.State.ASSIGNED,
        agent=target,
        queued_at=now,
        assigned_at=now,
        attributes={f"{kind}_of": task.pk},
    )


def party_step_required(*, task: Task, conversation: Conversation, step_id: int | None) -> CallStep:
    """The consult (step_id None) or the conference party this agent brought in."""
    if step_id is None:
        step = open_step(conversation_id=conversation.pk, kind=CallStep.Kind.CONSULT)
        if step is None:
            raise RoutingError("There is no consult under way.")
    else:
        step = next(
            (s for s in open_parties(conversation_id=conversation.pk) if s.pk == step_id), None
        )
        if step is None:
            raise RoutingError("That party is no longer on the call.")
    if step.task_id != task.pk:
        raise RoutingError("Only the agent who called them in can do that.")
    return step


def party_hang_up(step: CallStep) -> None:
    if step.party is None or step.party.leg_uuid is None:
        return
    try:
        get_client().hangup(step.party.leg_uuid)
    except VonageError as error:
        if error.status not in (400, 404):  # gone already: what we wanted
            raise


def call_consult_complete(*, task: Task, agent: Agent) -> CallStep:
    """Warm transfer done: the customer comes off hold with the consulted party, and the
    consulting agent's leg is hung up (their task completes, their wrap-up starts)."""
    call_task_check(task)
    with transaction.atomic():
        conversation = conversation_lock(task)
        leg_uuid = customer_leg_required(conversation)
        step = party_step_required(task=task, conversation=conversation, step_id=None)
        party = step.party
        if party is None or party.joined_at is None or party.left_at is not None:
            raise RoutingError(f"{step.target} is not on the call yet.")
        call_step_end(step_id=step.pk, outcome=CallStep.Outcome.COMPLETED)
        if step.party_task_id is not None:
            Task.objects.filter(pk=step.party_task_id).update(
                attributes={"transferred_from": task.pk, f"{step.kind}_of": task.pk}
            )
        customer_resume_if_held(conversation=conversation, leg_uuid=leg_uuid)
        agent_leg_hang_up_later(task=task)
        changed(*agents_on_call(conversation.pk))
    step.refresh_from_db()
    return step


def call_consult_cancel(*, task: Task, agent: Agent) -> CallStep:
    """Back to the customer: the consulted party is hung up, the customer comes off hold."""
    call_task_check(task)
    with transaction.atomic():
        conversation = conversation_lock(task)
        step = party_step_required(task=task, conversation=conversation, step_id=None)
        call_step_end(step_id=step.pk, outcome=CallStep.Outcome.CANCELLED)
        party_hang_up(step)
        leg_uuid = customer_leg_uuid_or_none(conversation)
        if leg_uuid is not None:
            customer_resume_if_held(conversation=conversation, leg_uuid=leg_uuid)
        changed(*agents_on_call(conversation.pk))
    step.refresh_from_db()
    return step


def call_party_drop(*, task: Task, agent: Agent, step_id: int) -> CallStep:
    """Drop a conferenced party from the call."""
    call_task_check(task)
    with transaction.atomic():
        conversation = conversation_lock(task)
        step = party_step_required(task=task, conversation=conversation, step_id=step_id)
        if step.kind != CallStep.Kind.CONFERENCE:
            raise RoutingError("Cancel a consult instead.")
        call_step_end(step_id=step.pk, outcome=CallStep.Outcome.DROPPED)
        party_hang_up(step)
        changed(*agents_on_call(conversation.pk))
    step.refresh_from_db()
    return step


def customer_leg_uuid_or_none(conversation: Conversation) -> str | None:
    try:
        return customer_leg_required(conversation)
    except RoutingError:
        return None


# When a consulted or conferenced agent's phone never answered (routing.settlement)


def is_party_task(task: Task) -> bool:
    return any(name in task.attributes for name in PARTY_ATTRIBUTES)


def party_task_cancel(*, task: Task) -> None:
    """Their leg ended before it joined: the task is cancelled (it never waited in a queue,
    so it does not go to one) and their voice slot goes back."""
    if task_move(
        task_id=task.pk,
        from_state=Task.State.ASSIGNED,
        to_state=Task.State.CANCELLED,
        ended_at=timezone.now(),
    ):
        agent_slot_give_back(agent_id=task.agent_id, channel=task.channel)
