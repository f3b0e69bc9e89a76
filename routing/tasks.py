"""Celery tasks of the routing engine: thin, ids in, one service call each."""

import logging

from celery import shared_task

from callcentre.vonage.client import VonageError
from routing import escalation, offers, outbound, presence, queueing, reaper, voice, waiting

logger = logging.getLogger(__name__)


@shared_task(name="routing.connect_agent")
def connect_agent(task_id: int) -> None:
    # Not retried: a create-call that timed out may still have rung the agent.
    try:
        voice.task_connect_agent(task_id=task_id)
    except VonageError as error:
        logger.error("could not connect the agent for task %s: %s", task_id, error)
        queueing.task_return_to_queue(task_id=task_id, reason="connect failed")


@shared_task(name="routing.callback_dial")
def callback_dial(conversation_id: int, agent_id: int) -> None:
    # Not retried: a create-call that timed out may still have rung the customer.
    try:
        voice.callback_customer_dial(conversation_id=conversation_id, agent_id=agent_id)
    except VonageError as error:
        logger.error("could not call back the customer of %s: %s", conversation_id, error)
        voice.agent_legs_hang_up(conversation_id=conversation_id, agent_id=agent_id)


@shared_task(name="routing.outbound_connect")
def outbound_connect(task_id: int) -> None:
    # Not retried: a create-call that timed out may still have rung the agent.
    outbound.outbound_connect(task_id=task_id)


@shared_task(name="routing.hang_up_agent_legs")
def hang_up_agent_legs(conversation_id: int, agent_id: int | None = None) -> None:
    voice.agent_legs_hang_up(conversation_id=conversation_id, agent_id=agent_id)


@shared_task(name="routing.follow_up_leg_end")
def follow_up_leg_end(member_id: int) -> None:
    # Not retried: a hang-up or transfer that timed out may still have been done.
    try:
        voice.leg_end_follow_up(member_id=member_id)
    except VonageError as error:
        logger.warning("could not follow up the end of leg %s: %s", member_id, error)


@shared_task(name="routing.expire_offers")
def expire_offers() -> None:
    expired = offers.offers_expire()
    if expired:
        logger.info("timed out %s offer(s)", expired)


@shared_task(name="routing.wake_agents")
def wake_agents() -> None:
    presence.agents_wake()


@shared_task(name="routing.escalate")
def escalate() -> None:
    escalation.tasks_escalate()
    escalation.tasks_overflow()


@shared_task(name="routing.announce")
def announce() -> None:
    waiting.tasks_announce()


@shared_task(name="routing.reap")
def reap() -> None:
    report = reaper.routing_reap()
    if report:
        logger.info("routing reaper: %s", report)
