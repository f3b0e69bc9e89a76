import pytest

from conversations.models import Conversation, Event
from conversations.tests import payloads
from routing.models import Task
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory
from routing.tests.helpers import require_task_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def main():
    return IvrMenuFactory(name="Main", is_entry=True)


@pytest.fixture
def billing(main):
    IvrOptionFactory(menu=main, digit="1", keywords="sales", queue=QueueFactory(name="Sales"))
    billing = QueueFactory(name="Billing")
    IvrOptionFactory(menu=main, digit="2", keywords="billing", queue=billing)
    return billing


@pytest.fixture
def call(vonage, billing) -> dict:
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    return call


def test_pressing_2_puts_the_caller_on_hold_for_billing_and_records_the_choice(
    vonage, call, billing, main
):
    require_task_enqueue()

    response = vonage.post("/webhooks/event", payloads.dtmf_input(call, "2"))

    assert response.status_code == 200
    assert response.json() == [
        {
            "action": "talk",
            "text": "Thank you. Connecting you to Billing. Please hold.",
            "language": "en-US",
        },
        {
            "action": "conversation",
            "name": f"waiting-{call['conversation_uuid']}",
            "musicOnHoldUrl": ["https://centre.example.com/static/audio/hold.wav"],
            "startOnEnter": False,
            "endOnExit": True,
            "eventUrl": ["https://centre.example.com/webhooks/event"],
        },
    ]
    ivr = Conversation.objects.get().attributes["ivr"]
    assert ivr == {
        "entry": "menu",
        "vip": False,
        "menu_id": main.pk,
        "no_input": 0,
        "invalid": 0,
        "attempts": 1,
        "choices": [
            {
                "menu_id": main.pk,
                "digits": "2",
                "speech": "",
                "outcome": "queue",
                "branch": "",
                "queue": "Billing",
                "queue_id": billing.pk,
            }
        ],
        "queue": "Billing",
        "queue_id": billing.pk,
    }
    task = Task.objects.get()
    assert (task.queue, task.conversation.vonage_uuid, task.is_callback) == (
        billing,
        call["conversation_uuid"],
        False,
    )


def test_saying_billing_reaches_billing(vonage, call):
    require_task_enqueue()

    response = vonage.post(
        "/webhooks/event", payloads.speech_input(call, "I have a billing question")
    )

    assert response.json()[0]["text"] == "Thank you. Connecting you to Billing. Please hold."
    assert Conversation.objects.get().attributes["ivr"]["queue"] == "Billing"


def test_an_invalid_key_repeats_the_menu(vonage, call):
    response = vonage.post("/webhooks/event", payloads.dtmf_input(call, "9"))

    talk, listen = response.json()
    assert (
        talk["text"]
        == "Sorry, that is not one of the options. For Sales, press 1. For Billing, press 2."
    )
    assert listen["action"] == "input"
    assert Conversation.objects.get().attributes["ivr"]["choices"][0]["outcome"] == "retry"


def test_no_input_three_times_goes_to_voicemail(vonage, call):
    answers = [
        vonage.post("/webhooks/event", payloads.dtmf_input(call, None, at=10 + attempt)).json()
        for attempt in range(3)
    ]

    assert answers[0][0]["text"].startswith("Sorry, I didn't catch that.")
    assert answers[1][1]["action"] == "input"
    assert [action["action"] for action in answers[2]] == ["talk", "record", "talk"]
    assert Conversation.objects.get().attributes["ivr"]["attempts"] == 3


def test_redelivered_input_gets_the_same_answer_and_counts_once(vonage, call):
    payload = payloads.dtmf_input(call, "9")

    first = vonage.post("/webhooks/event", payload).json()
    second = vonage.post("/webhooks/event", payload).json()

    assert first == second
    assert Conversation.objects.get().attributes["ivr"]["attempts"] == 1
    assert Event.objects.filter(kind="input").count() == 1


def test_a_call_whose_started_event_came_before_the_answer_still_gets_its_menu(
    vonage, billing, main
):
    require_task_enqueue()
    call = payloads.new_call()
    vonage.post("/webhooks/event", payloads.status(call, "started"))

    vonage.post("/webhooks/answer", payloads.answer(call))
    response = vonage.post("/webhooks/event", payloads.dtmf_input(call, "2"))

    assert response.json()[0]["text"] == "Thank you. Connecting you to Billing. Please hold."
    conversation = Conversation.objects.get()
    assert conversation.attributes["ivr"]["menu_id"] == main.pk
    assert Task.objects.get().queue == billing
    answer_event = conversation.events.get(kind=Event.Kind.ANSWER)
    assert answer_event.response[0]["action"] == "talk"
    assert conversation.members.get().call_status == "started"
