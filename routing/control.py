"""Call control on a call an agent holds: hold and resume, keys, mute, hang-up, and what the
agent's desktop shows of it. Transfers, consults and conferences are routing.transfer.

Each action goes to Vonage through the Voice API (callcentre.vonage.client) and is a step
in the call's record (conversations.steps.CallStep: who, when, how long). The step is
written in the same transaction that sends the request, before it: when Vonage refuses,
the transaction rolls back and nothing is recorded. The conversation's row lock orders the
actions of two agents on one call (the consulting and the consulted).

Hold is Vonage's own recipe (CONTRACT §5; the Client SDK's "Managing call hold"): the
customer's leg is earmuffed (they stop hearing the agents) and muted (the agents stop
hearing them), and music is streamed into it (`PUT /v1/calls/{uuid}/stream`, looped).
Resume undoes the three.
"""

import logging
import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from callcentre.realtime import agent_changed_later
from callcentre.vonage.client import VonageError, get_client
from conversations.call_record import call_totals, open_parties, open_step
from conversations.models import CallStep, Conversation, Member
from conversations.selectors import customer_leg_uuid
from conversations.services.steps import call_step_begin, call_step_end
from routing import voice
from routing.errors import RoutingError
from routing.models import Task
from routing.prompts import hold_music_url

logger = logging.getLogger(__name__)

DTMF_DIGITS = re.compile(r"^[0-9*#p]{1,20}$")


# Access and the facts every action checks


def call_task_check(task: Task) -> None:
    if task.channel != "voice":
        raise RoutingError("This contact is not a call.")


def conversation_lock(task: Task) -> Conversation:
    """The call's row, locked until the action's transaction ends."""
    return Conversation.objects.select_for_update().get(pk=task.conversation_id)


def agent_leg_required(task: Task) -> Member:
    leg = voice.agent_live_leg(task=task)
    if leg is None or leg.leg_uuid is None:
        raise RoutingError("You are not connected to this call.")
    return leg


def customer_leg_required(conversation: Conversation) -> str:
    leg_uuid = customer_leg_uuid(conversation=conversation)
    if leg_uuid is None:
        raise RoutingError("The customer is no longer on the call.")
    return leg_uuid


def changed(*agent_ids: int | None) -> None:
    for agent_id in agent_ids:
        agent_changed_later(agent_id)


def agents_on_call(conversation_id: int) -> list[int]:
    """The agents holding this call (the consulting and the consulted): their desktops show
    its hold and its consult."""
    return list(
        Task.objects.filter(
            conversation_id=conversation_id, state=Task.State.ASSIGNED, agent__isnull=False
        ).values_list("agent_id", flat=True)
    )


# Hold and resume


def customer_hold_on(leg_uuid: str) -> None:
    """Earmuff, mute, music: what is done is undone when a later request fails."""
    client = get_client()
    done: list[str] = []
    try:
        client.earmuff(leg_uuid)
        done.append("earmuff")
        client.mute(leg_uuid)
        done.append("mute")
        client.stream(leg_uuid, url=hold_music_url(), loop=0)
    except VonageError:
        customer_hold_undo(leg_uuid, done)
        raise


def customer_hold_undo(leg_uuid: str, done: list[str]) -> None:
    client = get_client()
    undo = {"earmuff": client.unearmuff, "mute": client.unmute}
    for action in reversed(done):
        try:
            undo[action](leg_uuid)
        except VonageError as error:
            logger.warning("could not undo %s on %s: %s", action, leg_uuid, error)


def customer_hold_off(leg_uuid: str) -> None:
    client = get_client()
    try:
        client.stop_stream(leg_uuid)
    except VonageError as error:
        # The music may have stopped by itself (a leg transferred since): carry on.
        logger.info("no hold music to stop on %s: %s", leg_uuid, error)
    client.unearmuff(leg_uuid)
    client.unmute(leg_uuid)


def call_hold(*, task: Task, agent: Agent) -> CallStep:
    """Put the customer on hold: they hear music, the agents and they no longer hear each
    other."""
    call_task_check(task)
    agent_leg_required(task)
    with transaction.atomic():
        conversation = conversation_lock(task)
        leg_uuid = customer_leg_required(conversation)
        if open_step(conversation_id=conversation.pk, kind=CallStep.Kind.HOLD) is not None:
            raise RoutingError("The customer is already on hold.")
        step = call_step_begin(
            conversation_id=conversation.pk,
            kind=CallStep.Kind.HOLD,
            agent_id=agent.pk,
            task_id=task.pk,
        )
        customer_hold_on(leg_uuid)
        changed(*agents_on_call(conversation.pk))
    return step


def call_resume(*, task: Task, agent: Agent) -> CallStep:
    """Take the customer off hold: the music stops and they are back in the conversation."""
    call_task_check(task)
    agent_leg_required(task)
    with transaction.atomic():
        conversation = conversation_lock(task)
        leg_uuid = customer_leg_required(conversation)
        step = open_step(conversation_id=conversation.pk, kind=CallStep.Kind.HOLD)
        if step is None:
            raise RoutingError("The customer is not on hold.")
        if open_step(conversation_id=conversation.pk, kind=CallStep.Kind.CONSULT) is not None:
            raise RoutingError("Complete or cancel the consult first.")
        call_step_end(step_id=step.pk, outcome=CallStep.Outcome.RESUMED)
        customer_hold_off(leg_uuid)
        changed(*agents_on_call(conversation.pk))
    step.refresh_from_db()
    return step


def customer_resume_if_held(*, conversation: Conversation, leg_uuid: str) -> None:
    """End the hold (in the caller's transaction) before the customer goes elsewhere."""
    step = open_step(conversation_id=conversation.pk, kind=CallStep.Kind.HOLD)
    if step is not None:
        call_step_end(step_id=step.pk, outcome=CallStep.Outcome.RESUMED)
        customer_hold_off(leg_uuid)


# Keys, mute, hang-up


def call_send_dtmf(*, task: Task, agent: Agent, digits: str) -> CallStep:
    """Play keys into the call: to the consulted or conferenced party when one is connected
    (an agent working through another company's menu), otherwise to the customer. The
    record keeps how many keys and to whom, never the keys (they may be a card number)."""
    call_task_check(task)
    agent_leg_required(task)
    if not DTMF_DIGITS.match(digits):
        raise RoutingError("Keys are 1 to 20 of 0-9, * and # (p pauses half a second).")
    with transaction.atomic():
        conversation = conversation_lock(task)
        party = next(
            (
                step.party
                for step in open_parties(conversation_id=conversation.pk)
                if step.party is not None and step.party.joined_at and step.party.leg_uuid
            ),
            None,
        )
        to_whom = "the third party" if party is not None else "the customer"
        leg_uuid = party.leg_uuid if party is not None else customer_leg_required(conversation)
        assert leg_uuid is not None  # the party's leg was checked above
        keys = len(digits.replace("p", ""))
        step = call_step_begin(
            conversation_id=conversation.pk,
            kind=CallStep.Kind.DTMF,
            agent_id=agent.pk,
            task_id=task.pk,
            detail=f"{keys} key{'s' if keys != 1 else ''} to {to_whom}",
        )
        get_client().send_dtmf(leg_uuid, digits=digits)
    return step


def call_set_muted(*, task: Task, agent: Agent, muted: bool) -> Member:
    """Mute or unmute the agent's own leg (the customer stops, or starts again, hearing
    them); the mute is a step of the call that lasts until unmuted."""
    call_task_check(task)
    with transaction.atomic():
        conversation = conversation_lock(task)
        step = (
            CallStep.objects.filter(
                conversation=conversation, kind=CallStep.Kind.MUTE, agent=agent, ended_at=None
            )
            .order_by("-pk")
            .first()
        )
        if muted and step is None:
            call_step_begin(
                conversation_id=conversation.pk,
                kind=CallStep.Kind.MUTE,
                agent_id=agent.pk,
                task_id=task.pk,
            )
        elif not muted and step is not None:
            call_step_end(step_id=step.pk, outcome=CallStep.Outcome.NONE)
        return voice.agent_leg_set_muted(task=task, muted=muted)


def call_hang_up(*, task: Task, agent: Agent) -> None:
    """The agent ends their part of the call; its `completed` event settles the task."""
    with transaction.atomic():
        conversation = conversation_lock(task)
        call_step_begin(
            conversation_id=conversation.pk,
            kind=CallStep.Kind.HANG_UP,
            agent_id=agent.pk,
            task_id=task.pk,
        )
        voice.agent_leg_hang_up(task=task)


# What the desktop shows


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def party_state(step: CallStep) -> dict:
    party = step.party
    if party is None:
        status = "calling"
    elif party.left_at or party.call_status in ("completed", "busy", "failed", "unanswered"):
        status = "ended"
    elif party.joined_at:
        status = "connected"
    else:
        status = "ringing"
    return {
        "step_id": step.pk,
        "kind": step.kind,
        "target_kind": step.target_kind,
        "target": step.target,
        "since": iso(step.started_at),
        "status": status,
        "is_mine": False,
    }


def call_control_state(*, task: Task) -> dict | None:
    """The call's control state for the desktop of an agent holding `task`: on hold since
    when and for how long in all, the consult under way and the parties conferenced in
    (which of them this agent started), and whether this agent was consulted."""
    if task.channel != "voice":
        return None
    conversation_id = task.conversation_id
    hold = open_step(conversation_id=conversation_id, kind=CallStep.Kind.HOLD)
    totals = call_totals(conversation_id=conversation_id, ended_at=timezone.now())
    parties = []
    consult = None
    for step in open_parties(conversation_id=conversation_id):
        state = party_state(step)
        state["is_mine"] = step.task_id == task.pk
        if step.kind == CallStep.Kind.CONSULT:
            consult = state
        else:
            parties.append(state)
    consulted_by = (
        CallStep.objects.filter(party_task=task, kind=CallStep.Kind.CONSULT)
        .select_related("agent")
        .order_by("-pk")
        .first()
    )
    return {
        "on_hold_since": iso(hold.started_at) if hold else None,
        "hold_seconds": totals.hold_seconds,
        "consult": consult,
        "parties": parties,
        "consulted_by": (
            consulted_by.agent.display_name
            if consulted_by is not None and consulted_by.agent is not None
            else None
        ),
    }
