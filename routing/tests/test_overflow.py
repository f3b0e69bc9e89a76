"""A caller who waited past the queue's maximum wait hears the queue's overflow branch, worded
as the IVR words it for a full queue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.tests import payloads
from routing import escalation
from routing.models import FallbackAction, Task
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory
from routing.tests.ivr_calls import IvrCall, texts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def billing():
    return QueueFactory(name="Billing", max_wait_seconds=300)


@pytest.fixture
def main(billing):
    menu = IvrMenuFactory(name="Main", is_entry=True, language="en-GB")
    IvrOptionFactory(menu=menu, digit="2", queue=billing)
    return menu


def redirected(fake, call: IvrCall) -> list[dict]:
    [request] = [
        request
        for request in fake.received
        if request.method == "PUT" and request.path == f"/v1/calls/{call.ids['uuid']}"
    ]
    return request.body["destination"]["ncco"]


def overflow_after_max_wait(vonage, billing, **queue_fields) -> IvrCall:
    for field, value in queue_fields.items():
        setattr(billing, field, value)
    billing.save()
    call = IvrCall(vonage=vonage)
    call.answer()
    call.press("2")
    assert escalation.tasks_overflow(now=timezone.now() + timedelta(seconds=301)) == 1
    first = Task.objects.filter(conversation=call.conversation).earliest("pk")
    assert (first.queue, first.state) == (billing, Task.State.OVERFLOWED)
    return call


def test_a_message_overflow_says_the_queues_message(vonage, vonage_api, main, billing):
    call = overflow_after_max_wait(
        vonage,
        billing,
        overflow_action=FallbackAction.MESSAGE,
        overflow_message="Our lines are very busy today. Please try again tomorrow.",
    )

    assert redirected(vonage_api, call) == [
        {
            "action": "talk",
            "text": "Our lines are very busy today. Please try again tomorrow.",
            "language": "en-GB",
        }
    ]


def test_a_message_overflow_without_a_message_says_the_ivrs_words(
    vonage, vonage_api, main, billing
):
    call = overflow_after_max_wait(vonage, billing, overflow_action=FallbackAction.MESSAGE)

    assert texts(redirected(vonage_api, call)) == [
        "Sorry, all our agents are busy. Please call again later. Goodbye."
    ]


def test_a_voicemail_overflow_takes_a_message(vonage, vonage_api, main, billing):
    call = overflow_after_max_wait(vonage, billing, overflow_action=FallbackAction.VOICEMAIL)

    ncco = redirected(vonage_api, call)
    assert [action["action"] for action in ncco] == ["talk", "record", "talk"]
    assert ncco[0]["text"] == (
        "Sorry, all our agents are busy. Please leave a message after the tone, then press hash."
    )


def test_a_callback_overflow_queues_a_callback_to_the_caller(vonage, vonage_api, main, billing):
    call = overflow_after_max_wait(vonage, billing, overflow_action=FallbackAction.CALLBACK)

    assert texts(redirected(vonage_api, call)) == [
        "Sorry, all our agents are busy. We'll call you back as soon as an agent is free. Goodbye."
    ]
    callback = Task.objects.get(conversation=call.conversation, state=Task.State.QUEUED)
    assert (callback.queue, callback.is_callback, callback.callback_number) == (
        billing,
        True,
        call.number,
    )


def test_a_callback_overflow_for_a_caller_without_a_number_takes_a_message(
    vonage, vonage_api, main, billing
):
    billing.overflow_action = FallbackAction.CALLBACK
    billing.save()
    call = IvrCall(vonage=vonage)
    answer = payloads.answer(call.ids, from_user="web.visitor", endpoint_type="app")
    del answer["from"]
    vonage.post("/webhooks/answer", answer)
    call.press("2")

    escalation.tasks_overflow(now=timezone.now() + timedelta(seconds=301))

    ncco = redirected(vonage_api, call)
    assert ncco[0]["text"].startswith("Sorry, all our agents are busy. Sorry, we can't call you")
    assert [action["action"] for action in ncco] == ["talk", "record", "talk"]
    assert not Task.objects.filter(is_callback=True).exists()


def test_a_queue_overflow_moves_the_caller_to_the_other_queue_without_a_word(
    vonage, vonage_api, main, billing
):
    general = QueueFactory(name="General")
    call = overflow_after_max_wait(
        vonage, billing, overflow_action=FallbackAction.QUEUE, overflow_queue=general
    )

    moved = Task.objects.get(conversation=call.conversation, state=Task.State.QUEUED)
    assert (moved.queue, moved.attributes["overflowed_from"]) == (general, "Billing")
    assert [request for request in vonage_api.received if request.method == "PUT"] == []
