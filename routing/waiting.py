"""While a caller waits: their position and estimated wait, and the key that keeps their place.

Every queue's `announce_interval_seconds`, `tasks_announce` (a periodic Celery task) takes
each caller who has waited that long since their last announcement out of the waiting room
(a REST transfer of their leg, CONTRACT §5) into an NCCO that says their place and wait and,
when the queue offers it, listens for the callback key; then they go back into the waiting
room. The input's event reaches `waiting_input` (webhooks.handlers routes an input to
it while the caller has a task waiting): the key turns the task into a callback that keeps
its place, anything else puts the caller back on hold.
"""

import logging
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from callcentre.vonage import ncco
from conversations.models import Conversation
from routing import ivr, prompts, statistics, voice
from routing.ivr_decisions import NO_CALLBACK_NUMBER_TEXT, Caller, voice_for
from routing.models import Queue, Task
from routing.queueing import task_keep_place_for_callback
from routing.rooms import waiting_room_name
from routing.states import OPEN_TASK_STATES

logger = logging.getLogger(__name__)

# How many waiting callers one announcer run takes per queue (the rest come next run).
ANNOUNCEMENTS_PER_RUN = 200


def caller_number(conversation: Conversation) -> str:
    """The number to call back; '' when the caller has none (a Client SDK user)."""
    return Caller(conversation=conversation, at=timezone.now()).number


def offers_callback(*, queue: Queue, conversation: Conversation) -> bool:
    return queue.offer_callback_while_waiting and bool(caller_number(conversation))


def announcement_due(*, now: datetime, interval: int) -> Q:
    """Tasks that waited `interval` seconds since their last announcement (or arrival)."""
    due = now - timedelta(seconds=interval)
    return Q(last_announced_at__lte=due) | Q(last_announced_at__isnull=True, queued_at__lte=due)


def task_claim_announcement(*, task_id: int, now: datetime, interval: int) -> bool:
    """Record the announcement; False when the task stopped waiting or another process has
    just announced it (a conditional UPDATE: one process wins)."""
    return bool(
        Task.objects.filter(pk=task_id, state=Task.State.QUEUED, is_callback=False)
        .filter(announcement_due(now=now, interval=interval))
        .update(last_announced_at=now)
    )


def task_announce(
    *, task: Task, now: datetime, queue_figures: statistics.QueueStatistics | None
) -> bool:
    """Tell one waiting caller their place and wait, if it is their time. True when said."""
    queue = task.queue
    if not task_claim_announcement(
        task_id=task.pk, now=now, interval=queue.announce_interval_seconds
    ):
        return False
    conversation = task.conversation
    estimate = statistics.task_wait_estimate(task=task, statistics=queue_figures)
    with_callback = offers_callback(queue=queue, conversation=conversation)
    text = prompts.wait_announcement(
        position=estimate.position,
        estimated_wait_seconds=estimate.estimated_wait_seconds,
        offers_callback=with_callback,
    )
    actions = prompts.announcement_actions(
        text=text,
        waiting_room=waiting_room_name(conversation),
        voice=voice_for(ivr.caller_menu(conversation=conversation)),
        offers_callback=with_callback,
    )
    return voice.caller_transfer(conversation=conversation, actions=actions)


def tasks_announce(*, now: datetime | None = None) -> int:
    """Announce to every caller on hold whose announcement is due. Returns how many heard it."""
    now = now or timezone.now()
    queues = {
        queue.pk: queue
        for queue in Queue.objects.filter(is_active=True, announce_interval_seconds__gt=0)
    }
    if not queues:
        return 0
    figures = {row.queue_id: row for row in statistics.queue_statistics(now=now, queue_ids=queues)}
    announced = 0
    for queue in queues.values():
        tasks = (
            Task.objects.filter(
                queue=queue, state=Task.State.QUEUED, is_callback=False, channel="voice"
            )
            .filter(announcement_due(now=now, interval=queue.announce_interval_seconds))
            .select_related("conversation")
            .order_by("queued_at", "pk")[:ANNOUNCEMENTS_PER_RUN]
        )
        for task in tasks:
            task.queue = queue
            announced += task_announce(task=task, now=now, queue_figures=figures.get(queue.pk))
    return announced


def waiting_task(*, conversation: Conversation) -> Task | None:
    """The caller's task while they hold on the line, if any."""
    return (
        Task.objects.filter(
            conversation=conversation,
            state__in=OPEN_TASK_STATES,
            is_callback=False,
            channel="voice",
        )
        .select_related("queue")
        .order_by("-pk")
        .first()
    )


def waiting_input(*, conversation: Conversation, task: Task, digits: str) -> list[ncco.Action]:
    """The caller answered (or not) an announcement: a callback that keeps their place, or
    back to the waiting room."""
    waiting_room = waiting_room_name(conversation)
    caller_voice = voice_for(ivr.caller_menu(conversation=conversation))
    if digits[:1] != prompts.CALLBACK_KEY or not task.queue.offer_callback_while_waiting:
        return prompts.back_to_hold_actions(waiting_room=waiting_room, voice=caller_voice)
    number = caller_number(conversation)
    if not number:
        return prompts.back_to_hold_actions(
            waiting_room=waiting_room, voice=caller_voice, text=NO_CALLBACK_NUMBER_TEXT
        )
    if not task_keep_place_for_callback(task_id=task.pk, callback_number=number):
        # An agent is being offered the call (or has it): stay on the line.
        return prompts.back_to_hold_actions(
            waiting_room=waiting_room, voice=caller_voice, text=prompts.ALMOST_THERE
        )
    return [caller_voice.talk(prompts.KEPT_PLACE_CONFIRMATION)]
