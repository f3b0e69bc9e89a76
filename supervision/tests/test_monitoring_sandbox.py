"""Listen, whisper, barge and leave, end to end: the Vonage sandbox plays the call (signed
webhooks to the project on a live server, the project's Voice API calls back to it) and its
conversations play who hears whom from the NCCO's canHear/canSpeak. At each step each party
says something and the test reads what the other two heard."""

import pytest
from django.test import Client

from agents.tests.factories import UserFactory
from callcentre.tests.helpers import agent_client, wait_until
from conversations.models import Conversation, Member
from routing.models import Offer, Task
from routing.tests.factories import available_agent
from sandbox.tests.helpers import CALLER, CENTRE
from supervision.models import MonitoringSession, SupervisorAction
from supervision.tests.helpers import sandbox_settled

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SUPERVISOR_PHONE = "447700900777"


def heard(sandbox, leg_uuid: str) -> list[str]:
    return [i["text"] for i in sandbox.control.call(leg_uuid)["feed"] if i["kind"] == "heard"]


def connected(sandbox, leg_uuid: str) -> bool:
    return sandbox.control.call(leg_uuid)["feed"][-1:] != [] and any(
        item["kind"] == "connected" for item in sandbox.control.call(leg_uuid)["feed"]
    )


def say(sandbox, leg_uuid: str, text: str) -> None:
    sandbox.control.say(leg_uuid, text)


def who_heard(sandbox, legs: dict[str, str], text: str) -> set[str]:
    """The parties whose phone shows `text` as heard (the speaker excluded)."""
    return {
        name for name, uuid in legs.items() if any(text in line for line in heard(sandbox, uuid))
    }


def test_a_supervisor_listens_then_whispers_then_barges_then_leaves(
    project_sandbox, billing, billing_menu, billing_skill
):
    sandbox = project_sandbox()
    bob = available_agent("Bob", skills={billing_skill: 8})
    supervisor = Client()
    supervisor.force_login(UserFactory(username="sam", is_staff=True))

    # Sarah calls, presses 2 for billing, and Bob takes the call.
    customer = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)["uuid"]
    wait_until(lambda: any("press 2" in t for t in _talk(sandbox, customer)), timeout=20)
    sandbox.control.press(customer, "2")
    offer = wait_until(lambda: Offer.objects.filter(state=Offer.State.PENDING).first(), timeout=20)
    assert agent_client(bob).post(f"/api/agent/offers/{offer.pk}/accept").status_code == 200
    agent = wait_until(
        lambda: Member.objects.filter(kind="agent", joined_at__isnull=False).first(), timeout=20
    ).leg_uuid
    wait_until(lambda: connected(sandbox, customer), timeout=20)

    # Listen: Sam's phone is called into the call.
    response = supervisor.post(
        "/api/supervisor/monitoring",
        {"task_id": offer.task_id, "mode": "listen", "number": SUPERVISOR_PHONE},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    session = response.json()
    sam = session["leg_uuid"]
    wait_until(lambda: connected(sandbox, sam), timeout=20)
    legs = {"customer": customer, "agent": agent, "supervisor": sam}

    def check(step: str, expected: dict[str, set[str]]) -> None:
        for speaker, listeners in expected.items():
            text = f"{speaker} in {step}"
            say(sandbox, legs[speaker], text)
            others = {name: uuid for name, uuid in legs.items() if name != speaker}
            if listeners:
                wait_until(
                    lambda o=others, t=text, w=listeners: who_heard(sandbox, o, t) == w,
                    timeout=10,
                )
            # Nobody else hears it (also read after the expected ones heard it).
            assert who_heard(sandbox, others, text) == listeners, (step, speaker)

    check(
        "listen",
        {
            "customer": {"agent", "supervisor"},
            "agent": {"customer", "supervisor"},
            "supervisor": set(),
        },
    )

    # Whisper: only Bob hears Sam.
    response = supervisor.post(
        f"/api/supervisor/monitoring/{session['id']}/mode",
        {"mode": "whisper"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["mode"]) == (200, "whisper")
    wait_until(lambda: _rejoined(sandbox, sam, times=2), timeout=20)
    check(
        "whisper",
        {
            "customer": {"agent", "supervisor"},
            "agent": {"customer", "supervisor"},
            "supervisor": {"agent"},
        },
    )

    # Barge: everyone hears Sam.
    response = supervisor.post(
        f"/api/supervisor/monitoring/{session['id']}/mode",
        {"mode": "barge"},
        content_type="application/json",
    )
    assert response.status_code == 200
    wait_until(lambda: _rejoined(sandbox, sam, times=3), timeout=20)
    check(
        "barge",
        {
            "customer": {"agent", "supervisor"},
            "agent": {"customer", "supervisor"},
            "supervisor": {"agent", "customer"},
        },
    )

    # Leave: Sam's leg ends, Sarah and Bob go on talking.
    response = supervisor.post(f"/api/supervisor/monitoring/{session['id']}/end")
    assert response.status_code == 200 and response.json()["ended_at"] is not None
    wait_until(lambda: sandbox.control.call(sam)["ended"], timeout=20)
    legs.pop("supervisor")
    check("after", {"customer": {"agent"}, "agent": {"customer"}})

    # The supervisor's leg was part of the customer's call, not a call of its own, and every
    # step is in the audit trail; Bob was not told (the default policy).
    assert Conversation.objects.count() == 1
    assert Member.objects.get(leg_uuid=sam).kind == Member.Kind.EXTERNAL
    assert list(
        SupervisorAction.objects.order_by("pk").values_list("kind", "username", "detail")
    ) == [
        (
            "monitor_start",
            "sam",
            {
                "mode": "listen",
                "endpoint": {"type": "phone", "number": SUPERVISOR_PHONE},
                "agent_told": False,
            },
        ),
        ("monitor_mode", "sam", {"from": "listen", "to": "whisper"}),
        ("monitor_mode", "sam", {"from": "whisper", "to": "barge"}),
        ("monitor_end", "sam", {}),
    ]
    stored = MonitoringSession.objects.get()
    assert (stored.agent, stored.task_id, stored.agent_told) == (bob, offer.task_id, False)
    sandbox.control.hangup(customer)
    wait_until(
        lambda: Task.objects.filter(pk=offer.task_id, state=Task.State.COMPLETED).exists(),
        timeout=20,
    )
    wait_until(lambda: sandbox_settled(sandbox), timeout=30)


def _talk(sandbox, leg_uuid: str) -> list[str]:
    return [i["text"] for i in sandbox.control.call(leg_uuid)["feed"] if i["kind"] == "talk"]


def _rejoined(sandbox, leg_uuid: str, *, times: int) -> bool:
    joins = [
        i
        for i in sandbox.control.call(leg_uuid)["feed"]
        if i["kind"] == "conversation" and i["text"].startswith("Joined conversation")
    ]
    return len(joins) >= times
