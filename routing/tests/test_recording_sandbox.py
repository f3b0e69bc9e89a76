"""Recorded conversations end to end with the Vonage sandbox: the queue's recording setting,
the notice the caller hears before an agent joins, their refusal by a key (kept on the
conversation), and the agent's split recording through the post-call pipeline to storage."""

import io
import wave

import pytest

from callcentre.tests.helpers import agent_client, wait_until
from conversations.models import Conversation, Member, Recording
from reports.tasks import post_call
from routing.models import Offer, Queue
from routing.recording import ALWAYS_NOTICE, CONSENT_NOTICE, REFUSED_TEXT
from routing.tests.factories import available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20.0


@pytest.fixture
def sandbox(project_sandbox):
    return project_sandbox(speed=5, app_answer_delay=0.5)


def call_billing(sandbox, *, answer_notice: str | None) -> dict:
    """Ada calls and presses 2; at the consent notice she presses `answer_notice` (or
    nothing: silence is consent)."""
    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    if answer_notice is not None:
        wait_until(lambda: CONSENT_NOTICE in feed_texts(sandbox, call["uuid"]), timeout=TIMEOUT)
        sandbox.control.press(call["uuid"], answer_notice)
    return call


def agent_leg(agent) -> str:
    return str(Member.objects.get(agent=agent).leg_uuid)


def agent_takes(agent) -> None:
    offer = wait_until(
        lambda: Offer.objects.filter(agent=agent, state="pending").first(), timeout=TIMEOUT
    )
    assert agent_client(agent).post(f"/api/agent/offers/{offer.pk}/accept").status_code == 200


def test_a_caller_who_refuses_is_not_recorded_and_the_choice_is_kept(
    sandbox, billing, billing_menu, billing_skill
):
    billing.recording = Queue.Recording.CONSENT
    billing.save()
    bob = available_agent("Bob", skills={billing_skill: 8})

    call = call_billing(sandbox, answer_notice="9")

    wait_until(lambda: REFUSED_TEXT in feed_texts(sandbox, call["uuid"]), timeout=TIMEOUT)
    conversation = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    wait_until(
        lambda: "recording_consent" in Conversation.objects.get(pk=conversation.pk).attributes
    )
    conversation.refresh_from_db()
    assert conversation.attributes["recording_consent"] is False
    agent_takes(bob)
    wait_until(
        lambda: "Connected with agent-bob (app)" in feed_texts(sandbox, call["uuid"]),
        timeout=TIMEOUT,
    )
    assert "Recording…" not in feed_texts(sandbox, agent_leg(bob))


def test_a_consenting_caller_is_recorded_in_two_channels_and_the_file_is_stored(
    sandbox, billing, billing_menu, billing_skill
):
    billing.recording = Queue.Recording.CONSENT
    billing.save()
    bob = available_agent("Bob", skills={billing_skill: 8})

    call = call_billing(sandbox, answer_notice=None)  # she lets the notice pass

    wait_until(lambda: CONSENT_NOTICE in feed_texts(sandbox, call["uuid"]), timeout=TIMEOUT)
    conversation = wait_until(
        lambda: Conversation.objects.filter(
            vonage_uuid=call["conversation_uuid"], attributes__recording_consent=True
        ).first(),
        timeout=TIMEOUT,
    )
    agent_takes(bob)
    wait_until(
        lambda: "Connected with agent-bob (app)" in feed_texts(sandbox, call["uuid"]),
        timeout=TIMEOUT,
    )
    assert "Recording…" in feed_texts(sandbox, agent_leg(bob))
    sandbox.control.say(call["uuid"], "I was charged twice")
    sandbox.control.hangup(call["uuid"])

    # The recording's event comes after the call; the pipeline (as its sweep would) stores it.
    recording = wait_until(
        lambda: Recording.objects.filter(conversation=conversation).first(), timeout=TIMEOUT
    )
    wait_until(lambda: Conversation.objects.get(pk=conversation.pk).state == "ended")
    post_call(conversation.pk)
    recording.refresh_from_db()
    assert recording.file
    with recording.file.open("rb") as stored, wave.open(io.BytesIO(stored.read())) as audio:
        assert audio.getnchannels() == 2


def test_an_always_recorded_queue_says_so_before_the_agent_joins(
    sandbox, billing, billing_menu, billing_skill
):
    billing.recording = Queue.Recording.ALWAYS
    billing.save()

    call = call_billing(sandbox, answer_notice=None)

    wait_until(
        lambda: any(t.startswith("Joined conversation") for t in feed_texts(sandbox, call["uuid"])),
        timeout=TIMEOUT,
    )
    texts = feed_texts(sandbox, call["uuid"])
    assert texts.index(ALWAYS_NOTICE) < next(
        i for i, text in enumerate(texts) if text.startswith("Joined conversation")
    )
    assert CONSENT_NOTICE not in texts
