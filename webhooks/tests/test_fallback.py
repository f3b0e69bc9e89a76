import pytest

from conversations.models import Conversation, Event
from conversations.tests import payloads
from routing.models import Task
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory
from routing.tests.helpers import require_task_enqueue

pytestmark = pytest.mark.django_db


def billing_menu() -> None:
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="2", queue=QueueFactory(name="Billing"))


def test_answer_fallback_records_the_call_and_answers_safely(vonage):
    billing_menu()
    call = payloads.new_call()
    payload = payloads.answer(
        call,
        reason="Connection closed.",
        original_request={"url": "https://centre.example.com/webhooks/answer", "type": "answer"},
    )

    response = vonage.post("/webhooks/fallback", payload)

    assert response.status_code == 200
    assert [action["action"] for action in response.json()] == ["talk", "record", "talk"]
    assert Conversation.objects.get().vonage_uuid == call["conversation_uuid"]


def test_event_fallback_is_stored_once_with_the_original(vonage):
    call = payloads.new_call()
    original = payloads.status(call, "answered")
    vonage.post("/webhooks/event", original)
    fallback = {
        **original,
        "reason": "Connection closed.",
        "original_request": {"url": "https://centre.example.com/webhooks/event", "type": "event"},
    }

    response = vonage.post("/webhooks/fallback", fallback)

    assert response.status_code == 204
    assert Event.objects.filter(status="answered").count() == 1


def test_input_fallback_gets_the_same_ncco_as_the_original(vonage):
    require_task_enqueue()
    billing_menu()
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    original = payloads.dtmf_input(call, "2")
    first = vonage.post("/webhooks/event", original).json()

    response = vonage.post(
        "/webhooks/fallback",
        {**original, "reason": "Timeout", "original_request": {"url": "x", "type": "event"}},
    )

    assert response.json() == first
    assert first[0]["text"] == "Thank you. Connecting you to Billing. Please hold."
    assert Event.objects.filter(kind="input").count() == 1
    assert Task.objects.count() == 1


def test_unsigned_fallback_is_refused(client):
    response = client.post(
        "/webhooks/fallback", payloads.answer(payloads.new_call()), content_type="application/json"
    )

    assert response.status_code == 401
    assert Conversation.objects.count() == 0
