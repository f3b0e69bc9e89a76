"""Voicemails as work: a caller's message becomes a task for a queue's agents
(docs/desktop.md, "The voicemail inbox").

A call that ended in the IVR's voicemail (a queue's closed or overflow branch, a menu's
voicemail option or retries, the safe answer) records a message; when its recording's
webhook arrives, `voicemail_arrived` queues one Task on channel "voicemail" for the queue
whose branch took it, and the engine offers it like any contact. A voicemail takes a slot
of the agent's voicemail capacity (Agent.voicemail_capacity; agents.services.channel_kind),
held beside chats but not beside a call. The agent plays it (the audited recording download),
then closes it (`voicemail_finish`: no wrap-up time, the disposition is given with the
close, workspace.voicemail) or calls the caller back (click-to-call, routing.outbound).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from callcentre.realtime import agent_group, publish
from conversations.models import Conversation, Recording
from routing import selectors
from routing.engine import agent_route
from routing.errors import RoutingError
from routing.models import VOICEMAIL_CHANNEL, IvrOption, Offer, Queue, Task
from routing.queueing import task_enqueue, task_finish
from routing.states import OPEN_TASK_STATES

logger = logging.getLogger(__name__)

__all__ = [
    "VOICEMAIL_CHANNEL",
    "voicemail_arrived",
    "voicemail_audio_stored",
    "voicemail_finish",
    "voicemail_of_agent",
]


def voicemail_queue_for(conversation: Conversation) -> Queue | None:
    """The queue whose agents get the call's voicemail: the queue whose closed or overflow
    branch took it; the queue the caller was waiting in when it overflowed at its maximum
    wait; for a menu's voicemail, the menu's first queue option; else VOICEMAIL_QUEUE."""
    ivr = conversation.attributes.get("ivr") or {}
    queue_id = ivr.get("voicemail_queue_id")
    if queue_id is None:
        overflowed = (
            Task.objects.filter(conversation=conversation, state=Task.State.OVERFLOWED)
            .order_by("-pk")
            .values_list("queue_id", flat=True)
            .first()
        )
        queue_id = overflowed
    if queue_id is None and ivr.get("menu_id"):
        menu = selectors.menu_get(menu_id=ivr["menu_id"])
        options = selectors.menu_options(menu) if menu is not None else []
        queue_id = next(
            (
                option.queue_id
                for option in options
                if option.action in (IvrOption.Action.QUEUE, IvrOption.Action.CALLBACK)
                and option.queue_id is not None
            ),
            None,
        )
    if queue_id is not None:
        return Queue.objects.filter(pk=queue_id).first()
    if settings.VOICEMAIL_QUEUE:
        return Queue.objects.filter(name=settings.VOICEMAIL_QUEUE, is_active=True).first()
    return None


def is_voicemail(conversation: Conversation) -> bool:
    """A recording of this call is a caller's message: no agent ever took the call (a call
    recording has an agent's task), and none is about to."""
    tasks = Task.objects.filter(conversation=conversation)
    return not (
        tasks.filter(assigned_at__isnull=False).exists()
        or tasks.filter(state__in=OPEN_TASK_STATES).exists()
    )


def voicemail_arrived(*, conversation: Conversation, recording_uuid: str) -> Task | None:
    """The recording webhook of a call: a voicemail becomes a task (once per call); a call
    recording, or a voicemail with no queue to go to, nothing."""
    recording = Recording.objects.filter(recording_uuid=recording_uuid).first()
    if recording is None or not is_voicemail(conversation):
        return None
    queue = voicemail_queue_for(conversation)
    if queue is None:
        logger.warning("voicemail of %s: no queue to take it (VOICEMAIL_QUEUE)", conversation)
        return None
    ivr = conversation.attributes.get("ivr") or {}
    choices = ivr.get("choices") or []
    return task_enqueue(
        conversation=conversation,
        queue=queue,
        channel=VOICEMAIL_CHANNEL,
        attributes={
            "voicemail": {"recording_id": recording.pk},
            "ivr_menu_id": ivr.get("menu_id"),
            "ivr_branch": (choices[-1].get("branch") if choices else "") or "",
        },
    )


def voicemail_audio_stored(*, conversation_id: int) -> None:
    """The post-call pipeline stored the call's audio: the agents its voicemail is offered to
    or held by hear of it, and their inbox shows the player (the offer can reach them first,
    when the inbox could only say the recording was being stored)."""
    tasks = Task.objects.filter(
        conversation_id=conversation_id,
        channel=VOICEMAIL_CHANNEL,
        state__in=[Task.State.OFFERED, Task.State.ASSIGNED],
    )
    holders = tasks.filter(agent__isnull=False).values_list("pk", "agent_id")
    offered = Offer.objects.filter(task__in=tasks, state=Offer.State.PENDING).values_list(
        "task_id", "agent_id"
    )
    for task_id, agent_id in {*holders, *offered}:
        publish(agent_group(agent_id), "voicemail.stored", {"task_id": task_id})


def voicemail_of_agent(*, agent: Agent, task_id: int, lock: bool = False) -> Task:
    """A voicemail the agent holds (accepted); RoutingError otherwise."""
    tasks = Task.objects.filter(pk=task_id, agent=agent, channel=VOICEMAIL_CHANNEL)
    if lock:
        tasks = tasks.select_for_update(of=("self",))
    task = tasks.select_related("queue", "conversation__customer").first()
    if task is None:
        raise RoutingError("You hold no such voicemail.")
    if task.state != Task.State.ASSIGNED:
        raise RoutingError(f"This voicemail is {task.get_state_display().lower()}, not yours now.")
    return task


def voicemail_finish(*, agent: Agent, task_id: int, outcome: str, **attributes: object) -> Task:
    """The agent is done with a voicemail they hold: completed, their slot back at once (no
    wrap-up time: the close carries the disposition), and the next contact routed to them."""
    now = timezone.now()
    with transaction.atomic():
        task = voicemail_of_agent(agent=agent, task_id=task_id, lock=True)
        voicemail = {**task.attributes.get("voicemail", {}), "outcome": outcome, **attributes}
        Task.objects.filter(pk=task.pk).update(
            attributes={**task.attributes, "voicemail": voicemail}
        )
        task.attributes = {**task.attributes, "voicemail": voicemail}
        task_finish(task=task, now=now, wrap_up_seconds=0)
        transaction.on_commit(lambda: agent_route(agent_id=agent.pk))
    task.state, task.completed_at = Task.State.COMPLETED, now
    return task
