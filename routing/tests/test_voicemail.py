"""A voicemail becomes work (routing.voicemail): the recording of a message left in a
queue's closed branch, or from a menu, is a task on channel "voicemail" offered to that
queue's agents; the call itself is over (its record says voicemail)."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from callcentre import realtime
from callcentre.realtime import agent_group
from conversations.models import Recording
from conversations.tests import payloads
from reports.models import CallDetailRecord
from reports.tests.helpers import agent_takes, caller_waits, recording_event
from routing.escalation import tasks_overflow
from routing.models import IvrOption, Offer, Task
from routing.queueing import task_enqueue
from routing.selectors import queue_waiting_count
from routing.statistics import queue_statistics, task_position
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory, available_agent
from routing.tests.ivr_calls import IvrCall
from routing.tests.voicemails import closed_billing, entry_menu, leave_voicemail, voicemail_task

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_voicemail_in_a_closed_queues_branch_is_offered_to_that_queues_agent(vonage, vonage_api):
    billing = closed_billing()
    entry_menu(billing)
    bob = available_agent("Bob", skills={})

    call = leave_voicemail(vonage, vonage_api)

    assert call.ivr["voicemail_queue_id"] == billing.pk
    task = voicemail_task(call)
    assert (task.queue, task.channel, task.state) == (billing, "voicemail", Task.State.OFFERED)
    offer = Offer.objects.get(task=task)
    assert (offer.agent, offer.state) == (bob, Offer.State.PENDING)
    # A voicemail takes a slot of the agent's voicemail capacity, not a call's or a chat's.
    bob.refresh_from_db()
    assert (bob.voice_load, bob.chat_load, bob.voicemail_load) == (0, 0, 1)
    # The call is over: its record is a voicemail, its audio is stored for the agent.
    assert CallDetailRecord.objects.get(conversation=call.conversation).outcome == "voicemail"
    recording = Recording.objects.get(conversation=call.conversation)
    assert recording.file
    assert task.attributes["voicemail"]["recording_id"] == recording.pk


def test_a_redelivered_recording_makes_one_voicemail(vonage, vonage_api):
    entry_menu(closed_billing())
    call = leave_voicemail(vonage, vonage_api)
    event = call.conversation.events.filter(kind="record").get()

    vonage.post("/webhooks/recording", event.payload)

    assert Task.objects.filter(conversation=call.conversation).count() == 1


def test_a_menus_voicemail_goes_to_the_menus_first_queue(vonage, vonage_api):
    menu = IvrMenuFactory(name="Main", is_entry=True)
    first = QueueFactory(name="Claims")
    IvrOptionFactory(menu=menu, digit="1", queue=first)
    IvrOptionFactory(menu=menu, digit="2", queue=QueueFactory(name="Sales"))
    IvrOptionFactory(menu=menu, digit="9", action=IvrOption.Action.VOICEMAIL, queue=None)

    call = leave_voicemail(vonage, vonage_api, digits="9")

    assert voicemail_task(call).queue == first


def test_without_a_menu_the_voicemail_goes_to_the_voicemail_queue_setting(
    vonage, vonage_api, settings
):
    settings.VOICEMAIL_QUEUE = "Support"
    support = QueueFactory(name="Support")
    call = IvrCall(vonage=vonage)
    ncco = call.answer()  # no entry menu: the caller is asked for a message
    assert ncco[-2]["action"] == "record"

    record = payloads.record(call.ids)
    record["recording_url"] = f"https://{vonage_api.host}/v1/files/{record['recording_uuid']}"
    vonage.post("/webhooks/recording", record)

    assert voicemail_task(call).queue == support


def test_a_recording_of_a_call_an_agent_took_is_no_voicemail(vonage, vonage_api, billing):
    bob = available_agent("Bob", skills={billing.queue_skills.get().skill: 8})
    call, conversation = caller_waits(vonage, billing)
    agent_takes(vonage, conversation, bob)

    vonage.post("/webhooks/recording", recording_event(call, vonage_api))

    assert not Task.objects.filter(channel="voicemail").exists()


def test_a_waiting_voicemail_neither_overflows_nor_fills_the_queue(vonage, vonage_api):
    billing = closed_billing()
    billing.max_wait_seconds, billing.max_queue_length = 60, 1
    billing.save()
    entry_menu(billing)
    task = voicemail_task(leave_voicemail(vonage, vonage_api))  # nobody is available

    overflowed = tasks_overflow(now=timezone.now() + timedelta(hours=12))

    assert overflowed == 0
    assert Task.objects.get(pk=task.pk).state == Task.State.QUEUED
    assert queue_waiting_count(queue=billing) == 0


def test_a_waiting_voicemail_is_no_caller_ahead_in_the_queue(vonage, vonage_api):
    billing = closed_billing()
    entry_menu(billing)
    leave_voicemail(vonage, vonage_api)  # nobody is available: it waits
    caller = IvrCall(vonage=vonage)
    caller.answer()
    waiting = task_enqueue(conversation=caller.conversation, queue=billing)

    assert task_position(task=waiting) == 1
    [figures] = queue_statistics(queue_ids=[billing.pk])
    assert (figures.waiting, figures.callbacks_waiting) == (1, 0)
    # The boards count it on its own: a message waits for the queue's agents.
    assert figures.voicemails_waiting == 1


def test_the_agent_hears_when_the_voicemails_audio_is_stored(vonage, vonage_api, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    entry_menu(closed_billing())
    bob = available_agent("Bob", skills={})
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(agent_group(bob.pk), channel)

    call = leave_voicemail(vonage, vonage_api)
    assert realtime.publisher.flush(5)

    async def events() -> list[dict]:
        received = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 0.5)
            except TimeoutError:
                return received
            received.append(message["event"])

    task = voicemail_task(call)
    # The offer can reach the desktop before the pipeline has stored the audio; the inbox
    # reads again when it is.
    assert {"type": "voicemail.stored", "task_id": task.pk} in async_to_sync(events)()
