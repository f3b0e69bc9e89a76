"""While a caller waits: position and estimated-wait announcements, and the callback key."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.presence import Actor
from conversations.models import Event
from conversations.tests import payloads
from routing import waiting
from routing.models import Offer, Task
from routing.offers import offer_accept, offer_reject
from routing.presence import agent_presence_set
from routing.tests.factories import (
    IvrMenuFactory,
    IvrOptionFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)
from routing.tests.ivr_calls import IvrCall, texts

# Enqueued tasks are routed after commit: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

HOLD_MUSIC = ["https://centre.example.com/static/audio/hold.wav"]
EVENT_URL = ["https://centre.example.com/webhooks/event"]


@pytest.fixture
def billing_skill():
    return SkillFactory(name="billing")


@pytest.fixture
def billing(billing_skill):
    queue = QueueFactory(name="Billing", announce_interval_seconds=60, wrap_up_seconds=20)
    QueueSkillFactory(queue=queue, skill=billing_skill, min_proficiency=5)
    return queue


@pytest.fixture
def main(billing):
    menu = IvrMenuFactory(name="Main", is_entry=True, language="en-GB")
    IvrOptionFactory(menu=menu, digit="2", queue=billing)
    return menu


def caller_on_hold(vonage) -> IvrCall:
    call = IvrCall(vonage=vonage)
    call.answer()
    call.press("2")
    return call


def waiting_room(call: IvrCall) -> dict:
    return {
        "action": "conversation",
        "name": call.waiting_room,
        "musicOnHoldUrl": HOLD_MUSIC,
        "startOnEnter": False,
        "endOnExit": True,
        "eventUrl": EVENT_URL,
    }


def transfers(fake, call: IvrCall) -> list[list[dict]]:
    """The NCCOs the caller's leg was transferred to."""
    return [
        request.body["destination"]["ncco"]
        for request in fake.received
        if request.method == "PUT" and request.path == f"/v1/calls/{call.ids['uuid']}"
    ]


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def test_a_caller_on_hold_hears_their_place_and_wait_and_may_ask_for_a_callback(
    vonage, vonage_api, main, billing, billing_skill
):
    available_agent("Carol", skills={billing_skill: 8}, voice_load=1)  # busy: nobody free
    ahead = caller_on_hold(vonage)
    call = caller_on_hold(vonage)

    assert waiting.tasks_announce(now=later(61)) == 2

    [ncco] = transfers(vonage_api, call)
    # Nothing handled today: 180 s a call + 20 s wrap-up; theirs and the call ahead, one agent.
    assert ncco == [
        {
            "action": "talk",
            "text": "You are number 2 in the queue. Your estimated wait is about 7 minutes. "
            "To keep your place and have us call you back, press 1.",
            "bargeIn": True,
            "language": "en-GB",
        },
        {
            "action": "input",
            "type": ["dtmf"],
            "dtmf": {"maxDigits": 1, "timeOut": 5},
            "eventUrl": EVENT_URL,
        },
        waiting_room(call),
    ]
    assert texts(transfers(vonage_api, ahead)[0])[0].startswith("You are next in the queue.")
    task = Task.objects.get(conversation=call.conversation)
    assert task.last_announced_at is not None


def test_announcements_repeat_every_interval_and_not_before(vonage, vonage_api, main, billing):
    call = caller_on_hold(vonage)

    assert waiting.tasks_announce(now=later(30)) == 0  # waited less than the interval
    assert waiting.tasks_announce(now=later(61)) == 1
    assert waiting.tasks_announce(now=later(62)) == 0
    assert waiting.tasks_announce(now=later(100)) == 0
    assert waiting.tasks_announce(now=later(122)) == 1

    assert len(transfers(vonage_api, call)) == 2


def test_only_callers_still_waiting_on_the_line_hear_announcements(
    vonage, vonage_api, main, billing, billing_skill
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    offered = caller_on_hold(vonage)
    assert Offer.objects.get(task__conversation=offered.conversation).agent == bob
    callback = caller_on_hold(vonage)
    Task.objects.filter(conversation=callback.conversation).update(
        is_callback=True, callback_number="447700900123"
    )
    quiet = QueueFactory(name="Quiet", announce_interval_seconds=0)
    IvrOptionFactory(menu=main, digit="3", queue=quiet)
    silent = IvrCall(vonage=vonage)
    silent.answer()
    silent.press("3")

    assert waiting.tasks_announce(now=later(600)) == 0

    assert [request.method for request in vonage_api.received] == []


def test_two_announcers_at_once_announce_once(vonage, vonage_api, main, billing):
    call = caller_on_hold(vonage)
    task = Task.objects.get(conversation=call.conversation)
    now = later(61)

    claims = [
        waiting.task_claim_announcement(task_id=task.pk, now=now, interval=60) for _ in range(2)
    ]

    assert claims == [True, False]


def test_without_the_callback_option_the_announcement_does_not_listen(
    vonage, vonage_api, main, billing, billing_skill
):
    billing.offer_callback_while_waiting = False
    billing.save()
    available_agent("Carol", skills={billing_skill: 8}, voice_load=1)  # busy: nobody free
    call = caller_on_hold(vonage)

    waiting.tasks_announce(now=later(61))

    [ncco] = transfers(vonage_api, call)
    assert ncco == [
        {
            "action": "talk",
            "text": "You are next in the queue. Your estimated wait is about 3 minutes. "
            "Please hold.",
            "language": "en-GB",
        },
        waiting_room(call),
    ]


def test_with_no_agent_signed_in_a_caller_hears_their_place_but_no_promised_wait(
    vonage, vonage_api, main, billing, billing_skill
):
    available_agent("Bob", skills={billing_skill: 8}, status="away")
    available_agent("Erin", skills={billing_skill: 8}, status="offline")
    call = caller_on_hold(vonage)

    waiting.tasks_announce(now=later(61))

    [ncco] = transfers(vonage_api, call)
    assert texts(ncco)[0] == (
        "You are next in the queue. To keep your place and have us call you back, press 1."
    )


def test_the_caller_at_the_front_hears_how_long_until_an_agent_is_free(
    vonage, vonage_api, main, billing, billing_skill
):
    available_agent("Carol", skills={billing_skill: 8}, voice_load=1)
    available_agent("Dave", skills={billing_skill: 8}, voice_load=1)
    call = caller_on_hold(vonage)

    waiting.tasks_announce(now=later(61))

    # Nothing handled today: 180 s a call + 20 s wrap-up, over the two busy agents: 100 s.
    [ncco] = transfers(vonage_api, call)
    assert texts(ncco)[0] == (
        "You are next in the queue. Your estimated wait is about 2 minutes. "
        "To keep your place and have us call you back, press 1."
    )


def test_a_caller_without_a_number_is_not_offered_a_callback(vonage, vonage_api, main, billing):
    call = IvrCall(vonage=vonage)
    answer = payloads.answer(call.ids, from_user="web.visitor", endpoint_type="app")
    del answer["from"]
    vonage.post("/webhooks/answer", answer)
    call.press("2")

    waiting.tasks_announce(now=later(61))

    [ncco] = transfers(vonage_api, call)
    assert [action["action"] for action in ncco] == ["talk", "conversation"]


def test_pressing_1_keeps_the_callers_place_as_a_callback_that_survives_the_hang_up(
    vonage, vonage_api, main, billing, billing_skill
):
    first = caller_on_hold(vonage)
    call = caller_on_hold(vonage)
    last = caller_on_hold(vonage)
    task = Task.objects.get(conversation=call.conversation)
    waiting.tasks_announce(now=later(61))

    ncco = call.press("1")

    assert ncco == [
        {
            "action": "talk",
            "text": "We'll keep your place in the queue and call you back when it's your turn. "
            "Goodbye.",
            "language": "en-GB",
        }
    ]
    kept = Task.objects.get(pk=task.pk)
    assert (kept.is_callback, kept.callback_number) == (True, call.number)
    assert (kept.state, kept.queued_at, kept.priority) == (
        Task.State.QUEUED,
        task.queued_at,
        task.priority,
    )
    # The caller hangs up: the callback keeps waiting, in its place.
    hang_up = vonage.post("/webhooks/event", payloads.status(call.ids, "completed", at=80))
    assert hang_up.status_code == 204
    assert Task.objects.get(pk=task.pk).state == Task.State.QUEUED

    # Bob frees up: the first caller, then the callback, before the caller who came later.
    bob = available_agent("Bob", skills={billing_skill: 8}, status="away")
    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")
    first_offer = Offer.objects.get(task__conversation=first.conversation)
    offer_reject(offer_id=first_offer.pk, agent=bob)  # Bob may not take it again now
    offer = Offer.objects.get(task=task, state=Offer.State.PENDING)
    assert offer.agent == bob
    assert Task.objects.get(conversation=last.conversation).state == Task.State.QUEUED

    offer_accept(offer_id=offer.pk, agent=bob)

    # Bob's phone rings first, into the callback's own room; the customer is not called yet.
    def calls():
        return [request.body for request in vonage_api.received if request.path == "/v1/calls"]

    assert [body["to"] for body in calls()] == [[{"type": "app", "user": "agent-bob"}]]
    assert calls()[0]["ncco"][-1]["name"] == f"callback-{task.pk}"

    # Bob answers: now the customer is called into that room, and their leg is the call's.
    bob_leg = call.conversation.members.get(kind="agent", agent=bob)
    answered = payloads.status(
        {"uuid": bob_leg.leg_uuid, "conversation_uuid": f"CON-{bob_leg.leg_uuid}"},
        "answered",
        at=300,
        to="agent-bob",
    )
    for _ in range(2):  # a redelivered `answered` calls nobody again
        assert vonage.post("/webhooks/event", answered).status_code == 204
    assert [body["to"] for body in calls()] == [
        [{"type": "app", "user": "agent-bob"}],
        [{"type": "phone", "number": call.number}],
    ]
    greeting, room = calls()[1]["ncco"]
    assert greeting["text"].endswith("returning your call. Connecting you to an agent now.")
    assert (room["name"], room["endOnExit"]) == (f"callback-{task.pk}", True)
    customer_legs = call.conversation.members.filter(kind="customer").order_by("pk")
    assert [leg.leg_uuid for leg in customer_legs][0] == call.ids["uuid"]
    assert [leg.to_address for leg in customer_legs][1:] == [call.number]


def test_no_key_after_the_announcement_puts_the_caller_back_on_hold(
    vonage, vonage_api, main, billing
):
    call = caller_on_hold(vonage)
    waiting.tasks_announce(now=later(61))

    ncco = call.press(None)

    assert ncco == [waiting_room(call)]
    task = Task.objects.get(conversation=call.conversation)
    assert (task.is_callback, task.state) == (False, Task.State.QUEUED)
    # The menus' record keeps the caller's menu choices only.
    assert [choice["digits"] for choice in call.ivr["choices"]] == ["2"]


def test_another_key_puts_the_caller_back_on_hold(vonage, vonage_api, main, billing):
    call = caller_on_hold(vonage)

    assert call.press("5") == [waiting_room(call)]
    assert Task.objects.get(conversation=call.conversation).is_callback is False


def test_pressing_1_while_an_agent_is_offered_the_call_keeps_the_caller_on_the_line(
    vonage, vonage_api, main, billing, billing_skill
):
    available_agent("Bob", skills={billing_skill: 8})
    call = caller_on_hold(vonage)
    task = Task.objects.get(conversation=call.conversation)
    assert task.state == Task.State.OFFERED

    ncco = call.press("1")

    assert texts(ncco) == ["An agent is about to take your call. Please hold."]
    assert ncco[-1] == waiting_room(call)
    assert Task.objects.get(pk=task.pk).is_callback is False


def test_pressing_1_where_the_queue_offers_no_callback_changes_nothing(
    vonage, vonage_api, main, billing
):
    billing.offer_callback_while_waiting = False
    billing.save()
    call = caller_on_hold(vonage)

    assert call.press("1") == [waiting_room(call)]
    assert Task.objects.get(conversation=call.conversation).is_callback is False


def test_a_redelivered_key_gets_the_same_answer_once(vonage, vonage_api, main, billing):
    call = caller_on_hold(vonage)
    payload = payloads.dtmf_input(call.ids, "1", at=70)

    first = call.post(payload)
    again = call.post(payload)

    assert first == again
    assert Event.objects.filter(kind=Event.Kind.INPUT, response=first).count() == 1
    assert Task.objects.get(conversation=call.conversation).is_callback is True


def test_the_menus_still_answer_inputs_before_the_caller_is_queued(vonage, vonage_api, main):
    call = IvrCall(vonage=vonage)
    call.answer()

    ncco = call.press("2")

    assert texts(ncco) == ["Thank you. Connecting you to Billing. Please hold."]
