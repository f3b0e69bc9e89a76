"""The IVR's way into a queue: open, closed or full (its branches: another queue,
voicemail, a callback, a message), and callbacks that keep the caller's place."""

import dataclasses
import logging

from routing import hours, recording, selectors
from routing.ivr_decisions import (
    CALL_AGAIN_TEXT,
    CLOSED_TEXT,
    MAX_QUEUE_HOPS,
    NO_CALLBACK_NUMBER_TEXT,
    OVERFLOW_TEXT,
    Branch,
    Caller,
    IvrDecision,
    Outcome,
    Treatment,
    render,
    treated_enqueue,
    voice_for,
    voicemail_decision,
)
from routing.models import FallbackAction, IvrMenu, Queue
from routing.prompts import (
    callback_actions,
    hold_actions,
    message_actions,
    sentence,
    voicemail_actions,
)

logger = logging.getLogger(__name__)


def route_to_queue(
    *,
    queue: Queue,
    caller: Caller,
    menu: IvrMenu | None,
    treatment: Treatment,
    hold_introduction: str = "Thank you.",
    branch: str = Branch.NONE,
    seen: frozenset[int] = frozenset(),
) -> IvrDecision:
    """Hold in the queue, unless it is closed or full: then its closed or overflow branch.

    `branch` says why the caller arrives here (another queue's closed or overflow branch).
    """
    if queue.pk in seen or len(seen) >= MAX_QUEUE_HOPS:
        logger.warning("queue fallbacks loop or run too deep at %s: voicemail", queue.name)
        return dataclasses.replace(
            voicemail_decision(apology=OVERFLOW_TEXT, menu=menu), branch=branch
        )
    seen = seen | {queue.pk}
    if not queue.is_active or not hours.is_open(hours=queue.business_hours, at=caller.at):
        return fallback_decision(
            branch=branch or Branch.CLOSED,
            action=queue.closed_action,
            message=queue.closed_message,
            target_id=queue.closed_queue_id,
            # An inactive queue takes no callbacks: the caller leaves a message instead.
            callback_queue=queue if queue.is_active else None,
            caller=caller,
            menu=menu,
            treatment=treatment,
            seen=seen,
        )
    if (
        queue.max_queue_length is not None
        and selectors.queue_waiting_count(queue=queue) >= queue.max_queue_length
    ):
        return fallback_decision(
            branch=branch or Branch.OVERFLOW,
            action=queue.overflow_action,
            message=queue.overflow_message,
            target_id=queue.overflow_queue_id,
            callback_queue=queue,
            caller=caller,
            menu=menu,
            treatment=treatment,
            seen=seen,
        )
    return IvrDecision(
        outcome=Outcome.QUEUE,
        actions=recording.with_notice(
            hold_actions(
                queue_name=queue.name,
                waiting_room=caller.waiting_room,
                voice=voice_for(menu),
                introduction=hold_introduction,
            ),
            queue=queue,
            voice=voice_for(menu),
        ),
        menu=menu,
        branch=branch,
        is_vip=treatment.is_vip,
        enqueue=treated_enqueue(queue=queue, menu=menu, treatment=treatment, branch=branch),
    )


def callback_decision(
    *,
    queue: Queue,
    caller: Caller,
    menu: IvrMenu | None,
    treatment: Treatment,
    introduction: str = "",
    branch: str = Branch.NONE,
) -> IvrDecision:
    if not caller.number:
        return dataclasses.replace(
            voicemail_decision(apology=sentence(introduction, NO_CALLBACK_NUMBER_TEXT), menu=menu),
            branch=branch,
        )
    return IvrDecision(
        outcome=Outcome.CALLBACK,
        actions=callback_actions(introduction=introduction, voice=voice_for(menu)),
        menu=menu,
        branch=branch,
        is_vip=treatment.is_vip,
        enqueue=treated_enqueue(
            queue=queue,
            menu=menu,
            treatment=treatment,
            branch=branch,
            is_callback=True,
            callback_number=caller.number,
        ),
    )


def fallback_decision(
    *,
    branch: str,
    action: str,
    message: str,
    target_id: int | None,
    callback_queue: Queue | None,
    caller: Caller,
    menu: IvrMenu | None,
    treatment: Treatment,
    seen: frozenset[int] = frozenset(),
) -> IvrDecision:
    """A closed or full queue or menu (FallbackAction): message, voicemail, callback, queue."""
    message = render(message)
    introduction = message or (CLOSED_TEXT if branch == Branch.CLOSED else OVERFLOW_TEXT)
    voice = voice_for(menu)
    if action == FallbackAction.MESSAGE:
        return IvrDecision(
            outcome=Outcome.MESSAGE,
            actions=message_actions(
                message=message or sentence(introduction, CALL_AGAIN_TEXT), voice=voice
            ),
            menu=menu,
            branch=branch,
        )
    if action == FallbackAction.CALLBACK and callback_queue is not None:
        return callback_decision(
            queue=callback_queue,
            caller=caller,
            menu=menu,
            treatment=treatment,
            introduction=introduction,
            branch=branch,
        )
    if action == FallbackAction.QUEUE and target_id is not None:
        target = selectors.queue_get_for_routing(queue_id=target_id)
        if target is not None:
            return route_to_queue(
                queue=target,
                caller=caller,
                menu=menu,
                treatment=treatment,
                hold_introduction=message or "Thank you.",
                branch=branch,
                seen=seen,
            )
    return IvrDecision(
        outcome=Outcome.VOICEMAIL,
        actions=voicemail_actions(apology=introduction, voice=voice),
        menu=menu,
        branch=branch,
    )
