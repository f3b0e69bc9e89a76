"""Voice wiring of the routing engine: joining an agent to a caller through the Voice API.

A waiting caller sits in the named conversation `waiting-<conversation uuid>`
with music on hold (routing.ivr). When an agent accepts, we call the agent's
Client SDK user with an NCCO that joins the same conversation with
startOnEnter, which stops the music and connects them. A callback calls the agent first,
into a room of the callback's own, and the customer once the agent has answered (as
click-to-call does, routing.outbound): the agent never waits on a ringing customer's
line unawares, and the customer never waits for an agent.

Who ends whose call: the customer's leg joins with endOnExit, so the customer leaving ends
the conversation and with it the agents' legs (Vonage's own way). An agent's leg joins
without it, so that an agent can leave a call they handed on (a warm transfer, a conference:
routing.transfer) without ending it for the others. When the last agent or third party
leaves, `call_leg_ended` ends the customer's call through the Voice API (or, for a queue
that keeps customers on the line, says goodbye); it also puts right what endOnExit cannot
see, a customer who hangs up while out of the conversation. A callback's customer leg is
the call's customer leg like a caller's, so all of this holds for callbacks too.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from callcentre.celery import enqueue
from callcentre.vonage import ncco
from callcentre.vonage.client import VonageError, get_client
from conversations.call_states import ENDING_STATUSES
from conversations.models import CallStep, Conversation, Member
from conversations.selectors import customer_leg_uuid
from conversations.services.calls import conversation_set_attributes, member_add_agent_leg
from conversations.services.steps import call_steps_leg_ended
from routing import ivr, recording
from routing.errors import RoutingError
from routing.ivr_decisions import voice_for
from routing.models import Queue, Task
from routing.rooms import callback_room_name, waiting_room_name

logger = logging.getLogger(__name__)


def caller_id() -> dict:
    """Vonage only lets us present one of our own numbers."""
    if settings.VONAGE_NUMBERS:
        return {"from_number": settings.VONAGE_NUMBERS[0]}
    return {"random_from_number": True}


def event_url() -> str:
    return f"{settings.PUBLIC_URL}/webhooks/event"


def task_connect_agent(*, task_id: int) -> None:
    """Place the assigned agent's leg into the caller's room. A callback's customer is not on
    the line: the agent's leg goes into a room of the callback's own, and the customer is
    called once the agent has answered (`callback_customer_dial`)."""
    task = Task.objects.select_related("agent", "conversation", "queue").filter(pk=task_id).first()
    if task is None or task.state != Task.State.ASSIGNED or task.channel != "voice":
        return
    agent = task.agent
    if agent is None:  # assigned tasks have one; nobody to connect otherwise
        return
    if task.is_callback:
        # From here on the callback is a call like any other: call control, listening in and
        # transcription find the customer in the room the conversation names.
        with transaction.atomic():
            conversation_set_attributes(
                conversation=task.conversation,
                room=callback_room_name(task),
                callback_dialled=False,
            )
    created = get_client().create_call(
        to={"type": "app", "user": agent.vonage_user},
        ncco=ncco.ncco_to_json(
            [
                *recording.record_actions(task=task),
                ncco.Conversation(
                    name=waiting_room_name(task.conversation),
                    start_on_enter=True,
                    end_on_exit=False,
                    event_url=event_url(),
                ),
            ]
        ),
        event_url=event_url(),
        **caller_id(),
    )
    member = member_add_agent_leg(
        conversation=task.conversation,
        agent_id=agent.pk,
        leg_uuid=created.uuid,
        leg_conversation_uuid=created.conversation_uuid,
    )
    if task.is_callback and member.joined_at is not None:
        # Its `answered` came before this answer and was filed before the leg was known.
        agent_leg_answered_later(member=member)


def agent_leg_answered_later(*, member: Member) -> None:
    """The agent answered: when the call is a callback whose customer has not been called yet
    (the room's `callback_dialled`, set by task_connect_agent), the customer is called after
    commit. No query on the webhook's path: the member comes with its conversation;
    callback_customer_dial checks the task."""
    if (
        member.agent_id is None
        or member.conversation.attributes.get("callback_dialled") is not False
    ):
        return
    transaction.on_commit(
        lambda: enqueue(
            "routing.callback_dial",
            member.conversation_id,
            member.agent_id,
            run_here_if_broker_down=True,
        )
    )


def callback_customer_dial(*, conversation_id: int, agent_id: int) -> None:
    """Call the customer of the agent's callback into the room where the agent waits (once:
    a redelivered `answered` finds them called already). The customer's leg is the call's
    customer leg from now on; it ends the call when they leave, as a caller's does."""
    with transaction.atomic():
        task = (
            Task.objects.select_related("conversation")
            .filter(
                conversation_id=conversation_id,
                agent_id=agent_id,
                state=Task.State.ASSIGNED,
                is_callback=True,
            )
            .first()
        )
        if task is None:
            return
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.attributes.get("callback_dialled") is not False:
            return
        created = get_client().create_call(
            to={"type": "phone", "number": task.callback_number},
            ncco=ncco.ncco_to_json(
                [
                    ncco.Talk(
                        text=f"Hello, this is {settings.CALL_CENTRE_NAME} returning your call. "
                        "Connecting you to an agent now."
                    ),
                    ncco.Conversation(
                        name=waiting_room_name(conversation),
                        end_on_exit=True,
                        event_url=event_url(),
                    ),
                ]
            ),
            event_url=event_url(),
            **caller_id(),
        )
        conversation_set_attributes(conversation=conversation, callback_dialled=True)
        member_add_agent_leg(
            conversation=conversation,
            agent_id=None,
            kind=Member.Kind.CUSTOMER,
            leg_uuid=created.uuid,
            to_address=task.callback_number,
            leg_conversation_uuid=created.conversation_uuid,
        )


def agent_legs_up(*, conversation_id: int) -> QuerySet[Member]:
    """The agents' legs into this call that have not ended (as far as their events say)."""
    return Member.objects.filter(
        conversation_id=conversation_id, kind=Member.Kind.AGENT, left_at__isnull=True
    ).exclude(call_status__in=ENDING_STATUSES)


def agent_legs_hang_up(
    *, conversation_id: int, agent_id: int | None = None, joined_only: bool = False
) -> None:
    """End the agent's legs into this call that are still up (ringing, most likely); every
    agent's when `agent_id` is None; only those that joined the call with `joined_only`."""
    legs = agent_legs_up(conversation_id=conversation_id)
    if agent_id is not None:
        legs = legs.filter(agent_id=agent_id)
    if joined_only:
        legs = legs.filter(joined_at__isnull=False)
    for leg_uuid in legs.values_list("leg_uuid", flat=True):
        if leg_uuid is None:  # never placed: nothing to hang up
            continue
        try:
            get_client().hangup(leg_uuid)
        except VonageError as error:  # already gone, most likely
            logger.info("could not hang up agent leg %s: %s", leg_uuid, error)


def caller_redirect(*, conversation_id: int, action: str, queue_id: int) -> None:
    """Take a waiting caller out of the queue: its overflow message, voicemail or callback,
    decided and worded by the IVR's fallback branch (routing.ivr.overflow_decision)."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    queue = Queue.objects.filter(pk=queue_id).first()
    if (
        conversation is None
        or queue is None
        or customer_leg_uuid(conversation=conversation) is None
    ):
        return
    decision = ivr.overflow_decision(conversation=conversation, queue=queue, action=action)
    ivr.enqueue(decision=decision, conversation=conversation)
    caller_transfer(conversation=conversation, actions=decision.actions)


def caller_transfer(*, conversation: Conversation, actions: list[ncco.Action]) -> bool:
    """Give the caller's leg a new call flow (out of the waiting room, for one). False when
    the caller has gone or Vonage refused."""
    leg_uuid = customer_leg_uuid(conversation=conversation)
    if leg_uuid is None:
        return False
    try:
        get_client().transfer_to_ncco(leg_uuid, ncco.ncco_to_json(actions))
    except VonageError as error:
        logger.warning("could not transfer the caller of %s: %s", conversation.vonage_uuid, error)
        return False
    return True


# The agent's softphone controls (desktop.api)


def agent_live_leg(*, task: Task) -> Member | None:
    """The assigned agent's leg that is in the task's call now."""
    if task.agent_id is None:
        return None
    return (
        Member.objects.filter(
            conversation_id=task.conversation_id,
            kind=Member.Kind.AGENT,
            agent_id=task.agent_id,
            state=Member.State.JOINED,
            left_at__isnull=True,
        )
        .order_by("-joined_at")
        .first()
    )


def agent_leg_set_muted(*, task: Task, muted: bool) -> Member:
    """Mute or unmute the agent's leg: the customer stops (or starts again) hearing them."""
    leg = agent_live_leg(task=task)
    if leg is None or leg.leg_uuid is None:
        raise RoutingError("You are not connected to this call.")
    client = get_client()
    (client.mute if muted else client.unmute)(leg.leg_uuid)
    Member.objects.filter(pk=leg.pk).update(is_muted=muted)
    leg.is_muted = muted
    return leg


def agent_leg_hang_up(*, task: Task) -> None:
    """The agent ends their part of the call; its `completed` event settles the task."""
    leg = agent_live_leg(task=task)
    if leg is None or leg.leg_uuid is None:
        raise RoutingError("You are not connected to this call.")
    get_client().hangup(leg.leg_uuid)


# When one side of a call leaves


# Vonage ends the other legs itself (endOnExit): give their events this long to arrive
# before the Voice API is asked to end what is still up.
FOLLOW_UP_SECONDS = 5
# An agent or a third party left: nothing else is expected, only a consult's or a
# transfer's own events in flight. The customer should not wait long in silence.
PARTY_FOLLOW_UP_SECONDS = 1
AGENTS_GONE_TEXT = "Thank you for calling. Goodbye."
PARTY_KINDS = (Member.Kind.AGENT, Member.Kind.EXTERNAL)


def call_leg_ended(*, member: Member) -> None:
    """A leg of a call ended: close the call control steps that depended on it and, when
    something may outlive it, follow up after a short grace (webhooks.handlers calls this
    for every leg's final event)."""
    try:
        call_steps_leg_ended(member=member)
        if member.kind == Member.Kind.CUSTOMER:
            if joined_party_legs_up(conversation_id=member.conversation_id).exists():
                enqueue("routing.follow_up_leg_end", member.pk, countdown=FOLLOW_UP_SECONDS)
        elif member.kind in PARTY_KINDS and customer_may_be_left_alone(member=member):
            enqueue("routing.follow_up_leg_end", member.pk, countdown=PARTY_FOLLOW_UP_SECONDS)
    except Exception:
        # Never into the webhook that reported the end: endOnExit has most likely done it.
        logger.exception("could not follow up the end of leg %s", member.leg_uuid)


def joined_party_legs_up(*, conversation_id: int) -> QuerySet[Member]:
    """Agents' and third parties' legs in the call that are up. An agent's leg still ringing
    when the customer leaves is routing.settlement's to hang up (its end settles the task)."""
    return Member.objects.filter(
        conversation_id=conversation_id,
        kind__in=PARTY_KINDS,
        left_at__isnull=True,
        joined_at__isnull=False,
    ).exclude(call_status__in=ENDING_STATUSES)


def customer_may_be_left_alone(*, member: Member) -> bool:
    """Whether this agent's or third party's leg may have left the customer on their own:
    they joined the call and did not hand it on (cold-transfer it)."""
    if member.joined_at is None or customer_leg_uuid(conversation=member.conversation) is None:
        return False
    return not handed_on_by(conversation_id=member.conversation_id, agent_id=member.agent_id)


def handed_on_by(*, conversation_id: int, agent_id: int | None) -> bool:
    """Whether this agent's contact on the call was cold-transferred (the customer moved on).

    The agent's own contact, not "a transfer since their leg joined": a join time is the
    platform's clock and a step's is ours; and after a transfer, a later agent's contact is
    theirs alone (when they leave, the customer was not handed on)."""
    if agent_id is None:
        return False
    latest = (
        Task.objects.filter(conversation_id=conversation_id, agent_id=agent_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return (
        latest is not None
        and CallStep.objects.filter(
            conversation_id=conversation_id, kind=CallStep.Kind.TRANSFER, task_id=latest
        ).exists()
    )


def customer_kept_on_the_line(*, conversation_id: int) -> bool:
    """Whether the call's queue keeps the customer on the line when the agents leave."""
    task = Task.objects.filter(conversation_id=conversation_id).select_related("queue").last()
    return task is not None and not task.queue.end_call_when_agent_hangs_up


def leg_end_follow_up(*, member_id: int) -> None:
    """The customer left: every agent's and third party's leg that joined the call and is
    still up is hung up. The last agent or third party left: the customer's call ends
    (a queue that keeps customers on the line says goodbye first), rather than leave them
    alone in silence; not while someone else is with them or they wait in a queue again."""
    member = Member.objects.select_related("conversation").filter(pk=member_id).first()
    if member is None:
        return
    conversation = member.conversation
    if member.kind == Member.Kind.CUSTOMER:
        legs = joined_party_legs_up(conversation_id=member.conversation_id)
        for leg_uuid in legs.values_list("leg_uuid", flat=True):
            try:
                get_client().hangup(str(leg_uuid))
            except VonageError as error:  # already gone, most likely
                logger.info("could not hang up leg %s: %s", leg_uuid, error)
        return
    with transaction.atomic():
        # Call control holds this row while it hands the call on: wait for it, then see it.
        Conversation.objects.select_for_update().filter(pk=member.conversation_id).first()
        customer_left_alone_end(member=member, conversation=conversation)


def customer_left_alone_end(*, member: Member, conversation: Conversation) -> None:
    """`member`, an agent or a third party, left: end the customer's call if they are alone."""
    if agent_legs_up(conversation_id=member.conversation_id).exists():
        return  # an agent is still with the customer (or being rung)
    if joined_party_legs_up(conversation_id=member.conversation_id).exists():
        return  # a third party is
    if Task.objects.filter(
        conversation_id=member.conversation_id,
        state__in=(Task.State.QUEUED, Task.State.OFFERED),
    ).exists():
        return  # transferred to a queue: they wait for the next agent
    if not customer_may_be_left_alone(member=member):
        return
    if customer_kept_on_the_line(conversation_id=member.conversation_id):
        caller_voice = voice_for(ivr.caller_menu(conversation=conversation))
        caller_transfer(conversation=conversation, actions=[caller_voice.talk(AGENTS_GONE_TEXT)])
        return
    leg_uuid = customer_leg_uuid(conversation=conversation)
    if leg_uuid is not None:
        get_client().hangup(leg_uuid)
