import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from agents.tests.factories import AgentFactory
from conversations.models import Conversation, Event, Member, Recording
from conversations.tests import payloads

pytestmark = pytest.mark.django_db


def final_state(call: dict) -> tuple:
    conversation = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    member = Member.objects.get(leg_uuid=call["uuid"])
    return (
        conversation.state,
        conversation.ended_at,
        conversation.duration_seconds,
        member.call_status,
        member.state,
        member.duration_seconds,
    )


def test_status_event_gets_204_and_is_stored(vonage):
    call = payloads.new_call()

    response = vonage.post("/webhooks/event", payloads.status(call, "started"))

    assert response.status_code == 204
    event = Event.objects.get()
    assert (event.kind, event.status, event.leg_uuid) == ("status", "started", call["uuid"])
    assert Member.objects.get().call_status == "started"


def test_full_lifecycle_ends_the_call_with_its_summary(vonage):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))

    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)

    conversation = Conversation.objects.get()
    member = Member.objects.get()
    assert conversation.state == Conversation.State.ENDED
    assert conversation.answered_at == payloads.BASE_TIME + timedelta(seconds=2)
    assert conversation.ended_at == payloads.BASE_TIME + timedelta(seconds=247)
    assert conversation.duration_seconds == 245
    assert (member.call_status, member.state) == ("completed", "left")
    assert member.rate == Decimal("0.00450000")
    assert member.price == Decimal("0.01837500")
    assert (member.network, member.disconnected_by) == ("GB-FIXED", "user")
    assert Event.objects.filter(kind="status").count() == 4


@pytest.mark.parametrize(
    "order", list(itertools.permutations(range(4))), ids=lambda order: "-".join(map(str, order))
)
def test_every_delivery_order_gives_the_same_final_state(vonage, order):
    call = payloads.new_call()
    events = payloads.lifecycle(call)

    for index in order:
        vonage.post("/webhooks/event", events[index])

    assert final_state(call)[0] == Conversation.State.ENDED
    assert final_state(call)[3:] == ("completed", "left", 245)


def test_duplicated_and_shuffled_delivery_changes_nothing_twice(vonage):
    call = payloads.new_call()
    events = payloads.lifecycle(call) * 3
    random.Random(7).shuffle(events)

    for payload in events:
        vonage.post("/webhooks/event", payload)

    assert Event.objects.count() == 4
    assert final_state(call)[3:] == ("completed", "left", 245)


def test_late_ringing_does_not_move_an_answered_call_backwards(vonage):
    call = payloads.new_call()
    vonage.post("/webhooks/event", payloads.status(call, "answered", at=2))

    vonage.post("/webhooks/event", payloads.status(call, "ringing", at=1))

    assert Member.objects.get().call_status == "answered"
    assert Event.objects.count() == 2  # stored, not applied


def test_completed_first_still_ends_the_call(vonage):
    call = payloads.new_call()

    vonage.post("/webhooks/event", payloads.status(call, "completed", at=247))
    vonage.post("/webhooks/event", payloads.status(call, "answered", at=2))

    conversation = Conversation.objects.get()
    assert conversation.state == Conversation.State.ENDED
    assert Member.objects.get().call_status == "completed"


@pytest.mark.parametrize(
    ("status_name", "detail"),
    [
        ("busy", ""),
        ("cancelled", ""),
        ("unanswered", "timeout"),
        ("rejected", "declined"),
        ("failed", "cannot_route"),
        ("timeout", ""),
    ],
)
def test_failure_statuses_end_the_leg_with_their_detail(vonage, status_name, detail):
    call = payloads.new_call()
    vonage.post("/webhooks/event", payloads.status(call, "ringing"))

    vonage.post("/webhooks/event", payloads.status(call, status_name, at=30, detail=detail))

    member = Member.objects.get()
    assert (member.call_status, member.call_status_detail, member.state) == (
        status_name,
        detail,
        "left",
    )
    assert Conversation.objects.get().state == Conversation.State.ENDED


def test_completed_after_a_failure_adds_the_summary(vonage):
    call = payloads.new_call()
    vonage.post("/webhooks/event", payloads.status(call, "busy", at=3))

    vonage.post("/webhooks/event", payloads.status(call, "completed", at=4, duration="0"))

    member = Member.objects.get()
    assert (member.call_status, member.duration_seconds) == ("completed", 0)


def test_machine_detection_is_recorded_on_the_leg(vonage):
    call = payloads.new_call()
    vonage.post("/webhooks/event", payloads.status(call, "answered"))
    payload = payloads.status(call, "machine", at=5, sub_state="beep_start")
    payload["call_uuid"] = payload.pop("uuid")

    vonage.post("/webhooks/event", payload)

    member = Member.objects.get()
    assert (member.machine_detection, member.call_status) == ("machine", "answered")


@pytest.mark.parametrize("status_name", ["disconnected", "transcribed", "something-new"])
def test_statuses_that_are_not_leg_states_are_stored_only(vonage, status_name):
    call = payloads.new_call()
    vonage.post("/webhooks/event", payloads.status(call, "answered"))

    response = vonage.post("/webhooks/event", payloads.status(call, status_name, at=9))

    assert response.status_code == 204
    assert Event.objects.filter(status=status_name).count() == 1
    assert Member.objects.get().call_status == "answered"


def test_agent_leg_is_recognised_and_does_not_end_the_call(vonage):
    agent = AgentFactory(vonage_user="agent-bob")
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    agent_leg = {"uuid": "agent-leg-1", "conversation_uuid": call["conversation_uuid"]}

    vonage.post("/webhooks/event", payloads.status(agent_leg, "answered", to="agent-bob"))
    vonage.post("/webhooks/event", payloads.status(agent_leg, "completed", at=100, to="agent-bob"))

    member = Member.objects.get(leg_uuid="agent-leg-1")
    assert (member.kind, member.agent, member.call_status) == ("agent", agent, "completed")
    assert Conversation.objects.get().state == Conversation.State.ACTIVE


def test_record_event_stores_the_recording_once(vonage):
    call = payloads.new_call()
    payload = payloads.record(call)

    assert vonage.post("/webhooks/recording", payload).status_code == 204
    assert vonage.post("/webhooks/recording", payload).status_code == 204

    recording = Recording.objects.get()
    assert recording.recording_uuid == payload["recording_uuid"]
    assert recording.vonage_url == payload["recording_url"]
    assert recording.size_bytes == 12222
    assert Event.objects.get().kind == "record"


def test_transfer_and_error_events_are_stored_by_shape(vonage):
    call = payloads.new_call()
    transfer = {
        "uuid": call["uuid"],
        "conversation_uuid_from": call["conversation_uuid"],
        "conversation_uuid_to": "CON-elsewhere",
        "conversation_uuid": call["conversation_uuid"],
        "timestamp": payloads.timestamp(5),
    }
    error = {
        "reason": "Syntax error in NCCO. Invalid value type or action.",
        "conversation_uuid": call["conversation_uuid"],
        "timestamp": payloads.timestamp(6),
    }

    for payload in (transfer, error, transfer, error):
        assert vonage.post("/webhooks/event", payload).status_code == 204

    assert sorted(Event.objects.values_list("kind", flat=True)) == ["error", "transfer"]


def test_unsigned_event_is_refused_and_changes_nothing(client):
    response = client.post(
        "/webhooks/event",
        payloads.status(payloads.new_call(), "started"),
        content_type="application/json",
    )

    assert response.status_code == 401
    assert Event.objects.count() == 0


def test_tampered_event_body_is_refused_and_changes_nothing(vonage, settings):
    from callcentre.vonage.signing import sign_webhook

    call = payloads.new_call()
    token = sign_webhook(
        body=b'{"status": "started"}', secret=settings.VONAGE_SIGNATURE_SECRET, api_key="testkey"
    )
    response = vonage.client.post(
        "/webhooks/event",
        payloads.status(call, "completed"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 401
    assert response.json() == {"detail": "payload_hash does not match the body"}
    assert Event.objects.count() == 0


def test_event_naming_no_call_is_a_bad_request(vonage):
    response = vonage.post("/webhooks/event", {"status": "started"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The webhook names no call: expected uuid or conversation_uuid."
    }
    assert Event.objects.count() == 0


def test_a_timestamp_without_a_zone_is_taken_as_utc(vonage):
    call = payloads.new_call()
    event = payloads.status(call, "started")
    event["timestamp"] = "2030-05-01T10:00:00"

    response = vonage.post("/webhooks/event", event)

    assert response.status_code == 204
    assert Event.objects.get().occurred_at == datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
