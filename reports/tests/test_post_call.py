"""The post-call pipeline: once a call is over, its record is written and its recordings
stored, once, whatever order and however often the webhooks that end it arrive."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from callcentre.tests.fake_vonage import NOT_FOUND, RECORDING
from conversations.models import Conversation, Recording
from conversations.tests import payloads
from reports import services, tasks
from reports.models import CallDetailRecord
from reports.tests.helpers import (
    agent_leg_completed,
    agent_takes,
    caller_hangs_up,
    caller_waits,
    moment,
    recording_event,
)
from routing.models import Task
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, available_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_answered_call_gets_its_record_once_the_call_is_over(
    vonage, vonage_api, billing, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, conversation = caller_waits(vonage, billing)
    agent_call = agent_takes(vonage, conversation, bob)

    completed = payloads.status(
        call, "completed", timestamp=moment(200), start_time=moment(0), end_time=moment(200)
    )
    vonage.post("/webhooks/event", completed)
    at_hang_up = CallDetailRecord.objects.get()
    agent_leg_completed(vonage, agent_call, at=201)  # then Bob's leg ends with the call
    vonage.post("/webhooks/event", completed)  # redelivered

    assert (at_hang_up.outcome, at_hang_up.price) == ("answered", Decimal("0.01837500"))
    cdr = CallDetailRecord.objects.get()
    task = Task.objects.get(conversation=conversation)
    assert (cdr.outcome, cdr.agent, cdr.queue) == ("answered", bob, billing)
    assert cdr.duration_seconds == 245
    assert cdr.queue_seconds == int((task.assigned_at - task.queued_at).total_seconds())
    assert cdr.handle_seconds == int((task.completed_at - task.assigned_at).total_seconds())
    assert cdr.price == Decimal("0.01837500") + Decimal("0.01000000")
    assert (cdr.from_address, cdr.network) == (payloads.CALLER_NUMBER, "GB-FIXED")
    assert cdr.channel == "voice"  # the historical reports break contacts down by it


def test_a_caller_who_hangs_up_in_the_queue_is_an_abandoned_call_with_its_wait(vonage, billing):
    call, conversation = caller_waits(vonage, billing)

    caller_hangs_up(vonage, call, after=90)

    cdr = CallDetailRecord.objects.get()
    task = Task.objects.get(conversation=conversation)
    assert (cdr.outcome, cdr.agent, cdr.queue, cdr.handle_seconds) == (
        "abandoned",
        None,
        billing,
        None,
    )
    assert cdr.queue_seconds == int((task.ended_at - task.queued_at).total_seconds())


def test_a_call_that_ends_in_the_menu_is_an_ivr_call(vonage, billing):
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="2", prompt="For billing", queue=billing)
    call = payloads.new_call()
    vonage.get("/webhooks/answer", payloads.answer(call))

    caller_hangs_up(vonage, call, after=30)

    cdr = CallDetailRecord.objects.get()
    assert (cdr.outcome, cdr.queue, cdr.queue_seconds) == ("ivr", None, None)


def test_a_call_with_no_menu_to_give_is_a_voicemail_call(vonage):
    call = payloads.new_call()
    vonage.get("/webhooks/answer", payloads.answer(call))

    caller_hangs_up(vonage, call, after=30)

    assert CallDetailRecord.objects.get().outcome == "voicemail"


def test_a_recording_that_arrives_after_the_call_is_copied_to_storage_once(
    vonage, vonage_api, billing
):
    call, conversation = caller_waits(vonage, billing)
    caller_hangs_up(vonage, call, after=90)
    payload = recording_event(call, vonage_api)

    vonage.post("/webhooks/recording", payload)
    vonage.post("/webhooks/recording", payload)  # redelivered
    tasks.post_call(conversation.pk)  # a later trigger

    recording = Recording.objects.get()
    with recording.file.open("rb") as stored:
        assert stored.read() == RECORDING
    assert recording.size_bytes == len(RECORDING)
    downloads = [r for r in vonage_api.received if r.path.startswith("/v1/files/")]
    assert len(downloads) == 1
    assert downloads[0].headers["Authorization"].startswith("Bearer ")


def test_a_recording_vonage_will_not_give_now_waits_for_the_sweep(vonage, vonage_api, billing):
    call, conversation = caller_waits(vonage, billing)
    caller_hangs_up(vonage, call, after=90)
    payload = recording_event(call, vonage_api)
    vonage_api.answers[("GET", f"/v1/files/{payload['recording_uuid']}")] = (404, NOT_FOUND)

    vonage.post("/webhooks/recording", payload)
    recording = Recording.objects.get()
    later = timezone.now() + timedelta(minutes=5)
    due_while_refused = services.calls_to_sweep(now=later)
    del vonage_api.answers[("GET", f"/v1/files/{payload['recording_uuid']}")]
    # Five minutes on (Vonage's timestamps here run a little ahead of the clock).
    Conversation.objects.filter(pk=conversation.pk).update(
        ended_at=timezone.now() - timedelta(minutes=5)
    )
    Recording.objects.filter(pk=recording.pk).update(ended_at=timezone.now())
    tasks.post_call_sweep()
    swept_now = services.calls_to_sweep(now=later)

    assert not recording.file
    assert due_while_refused == [conversation.pk]
    recording.refresh_from_db()
    assert recording.file and recording.size_bytes == len(RECORDING)
    assert swept_now == []


def test_the_sweep_finishes_a_call_whose_trigger_was_lost(vonage, billing):
    call, conversation = caller_waits(vonage, billing)
    caller_hangs_up(vonage, call, after=90)
    CallDetailRecord.objects.all().delete()  # as if the worker had died before writing it

    just_now = services.calls_to_sweep()
    later = services.calls_to_sweep(now=timezone.now() + timedelta(minutes=5))

    assert just_now == []  # the newest calls are left to their own trigger
    assert later == [conversation.pk]
    services.cdr_write(conversation_id=conversation.pk)
    assert CallDetailRecord.objects.get().outcome == "abandoned"


def test_a_call_still_going_gets_no_record(vonage, billing):
    _, conversation = caller_waits(vonage, billing)

    tasks.post_call(conversation.pk)

    assert services.cdr_write(conversation_id=conversation.pk) is None
    assert not CallDetailRecord.objects.exists()
