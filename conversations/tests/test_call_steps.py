"""Call control's record: the steps a call went through, what a leg's end closes, a call's
totals for its CDR, and what supervisors see of it (the conversation API and the admin)."""

from datetime import timedelta

import pytest

from agents.tests.factories import AgentFactory, UserFactory
from conversations.call_record import call_totals
from conversations.models import CallStep, Conversation, Member
from conversations.services.steps import call_step_begin, call_step_end, call_steps_leg_ended
from conversations.tests import payloads

pytestmark = pytest.mark.django_db

START = payloads.BASE_TIME


@pytest.fixture
def call() -> Conversation:
    return Conversation.objects.create(vonage_uuid="CON-steps", channel="voice", started_at=START)


def at(seconds: float):
    return START + timedelta(seconds=seconds)


def step(call: Conversation, kind: str, *, begin: float, end: float | None = None, **fields):
    made = call_step_begin(
        conversation_id=call.pk, kind=kind, agent_id=None, task_id=None, now=at(begin), **fields
    )
    if end is not None:
        call_step_end(step_id=made.pk, outcome="", now=at(end))
    return made


def test_a_calls_totals_add_its_holds_consults_and_transfers(call):
    step(call, CallStep.Kind.HOLD, begin=10, end=25)
    step(call, CallStep.Kind.HOLD, begin=40, end=47)
    consult = step(call, CallStep.Kind.CONSULT, begin=40)
    call_step_end(step_id=consult.pk, outcome=CallStep.Outcome.COMPLETED, now=at(46))
    cancelled = step(call, CallStep.Kind.CONSULT, begin=60)
    call_step_end(step_id=cancelled.pk, outcome=CallStep.Outcome.CANCELLED, now=at(62))
    step(call, CallStep.Kind.TRANSFER, begin=70, target_kind="queue", target="Support")
    step(call, CallStep.Kind.DTMF, begin=5, detail="4 keys to the customer")
    step(call, CallStep.Kind.HOLD, begin=90)  # still on hold when the call ended at 100

    totals = call_totals(conversation_id=call.pk, ended_at=at(100))

    assert (totals.hold_seconds, totals.consult_seconds, totals.transfers) == (15 + 7 + 10, 8, 2)


def test_a_step_ends_once(call):
    hold = step(call, CallStep.Kind.HOLD, begin=0)

    assert call_step_end(step_id=hold.pk, outcome=CallStep.Outcome.RESUMED, now=at(5))
    assert not call_step_end(step_id=hold.pk, outcome=CallStep.Outcome.NONE, now=at(9))

    hold.refresh_from_db()
    assert (hold.outcome, hold.seconds) == ("resumed", 5)


def test_the_customer_leaving_ends_every_open_step(call):
    hold = step(call, CallStep.Kind.HOLD, begin=0)
    consult = step(call, CallStep.Kind.CONSULT, begin=1)
    customer = Member.objects.create(
        conversation=call, kind="customer", channel="voice", left_at=at(30)
    )

    assert call_steps_leg_ended(member=customer) == 2

    for ended in (hold, consult):
        ended.refresh_from_db()
        assert (ended.ended_at, ended.outcome) == (at(30), "left")


def test_a_consulted_party_that_never_answered_ends_its_step_as_not_connected(call):
    party = Member.objects.create(
        conversation=call, kind="external", channel="voice", left_at=at(20)
    )
    consult = step(call, CallStep.Kind.CONSULT, begin=1, party_id=party.pk)
    hold = step(call, CallStep.Kind.HOLD, begin=1)

    call_steps_leg_ended(member=party)

    consult.refresh_from_db()
    hold.refresh_from_db()
    assert (consult.outcome, consult.ended_at) == ("failed", at(20))
    assert hold.ended_at is None  # the customer still holds until the agent decides


def test_supervisors_see_the_steps_in_the_conversation_api_and_the_admin(client, call):
    bob = AgentFactory(display_name="Bob")
    CallStep.objects.create(
        conversation=call,
        kind=CallStep.Kind.HOLD,
        agent=bob,
        started_at=at(3),
        ended_at=at(15),
        outcome=CallStep.Outcome.RESUMED,
    )
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))

    body = client.get(f"/api/conversations/{call.pk}/").json()
    page = client.get(f"/admin/conversations/conversation/{call.pk}/change/")

    [hold] = body["call_steps"]
    assert (hold["kind"], hold["agent"], hold["seconds"], hold["outcome"]) == (
        "hold",
        bob.pk,
        12,
        "resumed",
    )
    assert page.status_code == 200
    assert "Resumed" in page.content.decode() and "Call steps" in page.content.decode()
