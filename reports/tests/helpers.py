"""Calls through the webhooks, step by step, for the reports' tests: a caller waits in a
queue, an agent takes the call, the legs end (Vonage's timestamps, relative to now)."""

from datetime import timedelta

from django.utils import timezone

from agents.models import Agent
from conversations.models import Conversation, Member
from conversations.tests import payloads
from routing.models import Offer
from routing.offers import offer_accept
from routing.queueing import task_enqueue


def caller_waits(vonage, queue) -> tuple[dict, Conversation]:
    """A call is answered and its caller put in the queue (as pressing 2 does)."""
    call = payloads.new_call()
    vonage.get("/webhooks/answer", payloads.answer(call))
    conversation = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    task_enqueue(conversation=conversation, queue=queue)
    return call, conversation


def moment(seconds: float = 0) -> str:
    """A Vonage timestamp `seconds` from now: an agent's leg answers after the accept."""
    at = timezone.now() + timedelta(seconds=seconds)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def agent_takes(vonage, conversation: Conversation, agent: Agent) -> dict:
    """The agent accepts and their softphone leg answers; returns that leg as a call."""
    offer = Offer.objects.get(task__conversation=conversation, state=Offer.State.PENDING)
    offer_accept(offer_id=offer.pk, agent=agent)
    leg = Member.objects.get(conversation=conversation, kind="agent")
    agent_call = {"uuid": leg.leg_uuid, "conversation_uuid": "CON-agent-room"}
    answered = payloads.status(agent_call, "answered", timestamp=moment(1))
    vonage.post("/webhooks/event", answered)
    return agent_call


def caller_hangs_up(vonage, call: dict, *, after: float) -> None:
    """The caller's leg ends `after` seconds from now (Vonage's clock, not the test's)."""
    completed = payloads.status(
        call, "completed", timestamp=moment(after), start_time=moment(0), end_time=moment(after)
    )
    vonage.post("/webhooks/event", completed)


def agent_leg_completed(vonage, agent_call: dict, *, at: float) -> None:
    completed = payloads.status(
        agent_call,
        "completed",
        timestamp=moment(at),
        start_time=moment(1),
        end_time=moment(at),
        duration="200",
        price="0.01000000",
    )
    vonage.post("/webhooks/event", completed)


def recording_event(call: dict, vonage_api) -> dict:
    payload = payloads.record(call)
    payload["recording_url"] = f"https://{vonage_api.host}/v1/files/{payload['recording_uuid']}"
    return payload
