"""The project's own webhooks driven through the sandbox over real HTTP, signed as Vonage signs.

The Django app runs on pytest-django's live server, the sandbox on ephemeral ports; a caller
script plays the seeds' call: greeting, menu, 2 for billing, hold, hang up.
"""

from pathlib import Path

import pytest

from callcentre.tests.helpers import wait_until
from conversations.models import Conversation
from sandbox.caller_scripts import load_script
from sandbox.runner import ScriptRunner
from sandbox.tests.helpers import CALLER, CENTRE

pytestmark = pytest.mark.slow

EXAMPLE_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "billing_on_hold.yaml"


def test_the_seed_call_flow_reaches_billing_and_ends_with_a_duration(
    project, settings, start_sandbox
):
    running = start_sandbox(
        project.url,
        signature_secret=settings.VONAGE_SIGNATURE_SECRET,
        api_key=settings.VONAGE_API_KEY,
    )

    record = ScriptRunner(running.control, speed=20).run(load_script(EXAMPLE_SCRIPT))

    conversation = wait_until(
        lambda: Conversation.objects.filter(
            vonage_uuid=record.conversation_uuid, state=Conversation.State.ENDED
        ).first()
    )
    assert conversation.attributes["ivr"]["queue"] == "Billing"
    assert conversation.duration_seconds >= 10
    assert conversation.ended_at is not None
    heard = [item["text"] for item in record.items if item["kind"] == "talk"]
    assert heard[0].startswith("Thank you for calling the contact centre.")
    assert "For billing and payments, press 2." in heard[0]
    assert "Thank you. Connecting you to Billing. Please hold." in heard
    deliveries = wait_until(
        lambda: (
            [
                d
                for d in running.control.webhooks(leg=record.uuid)
                if d["payload"].get("status") == "completed"
            ]
            and running.control.webhooks(leg=record.uuid)
        )
    )
    statuses = {attempt["status"] for d in deliveries for attempt in d["attempts"]}
    assert statuses <= {200, 204}


def test_a_wrong_signature_secret_is_refused_and_the_call_terminated_after_the_fallback(
    project, settings, start_sandbox
):
    running = start_sandbox(
        project.url,
        signature_secret="not-the-project-secret-but-32-bytes-long",
        api_key=settings.VONAGE_API_KEY,
    )

    leg = running.control.dial(from_number=CALLER, to_number=CENTRE)
    ended = wait_until(lambda: running.control.call(leg["uuid"])["ended"] and leg)

    answer = next(d for d in running.control.webhooks(leg=ended["uuid"]) if d["kind"] == "answer")
    assert [(a["url"].rsplit("/", 1)[-1], a["status"]) for a in answer["attempts"]] == [
        ("answer", 401),
        ("fallback", 401),
    ]
    assert answer["ok"] is False
    assert running.control.call(leg["uuid"])["status"] == "completed"
    assert not Conversation.objects.exists()
