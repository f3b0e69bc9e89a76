import pytest

from conversations.models import Conversation, CustomerHandle, Event, Member
from conversations.tests import payloads
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu():
    main = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(
        menu=main, digit="1", prompt="For sales", keywords="Sales", queue=QueueFactory(name="Sales")
    )
    IvrOptionFactory(
        menu=main,
        digit="2",
        prompt="For billing",
        keywords="Billing",
        queue=QueueFactory(name="Billing"),
    )
    return main


def test_signed_get_answer_returns_greeting_and_menu_from_the_entry_menu(vonage, menu):
    call = payloads.new_call()

    response = vonage.get("/webhooks/answer", payloads.answer(call))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {
            "action": "talk",
            "text": "Thank you for calling the contact centre. "
            "For sales, press 1. For billing, press 2.",
            "bargeIn": True,
            "language": "en-US",
        },
        {
            "action": "input",
            "type": ["dtmf", "speech"],
            "dtmf": {"timeOut": 5, "maxDigits": 1},
            "speech": {"endOnSilence": 1.5, "language": "en-US", "context": ["Sales", "Billing"]},
            "eventUrl": ["https://centre.example.com/webhooks/event"],
        },
    ]


def test_answer_creates_conversation_customer_member_and_event(vonage, menu):
    call = payloads.new_call()

    vonage.post("/webhooks/answer", payloads.answer(call))

    conversation = Conversation.objects.get()
    assert conversation.vonage_uuid == call["conversation_uuid"]
    assert conversation.channel == "voice"
    assert conversation.state == Conversation.State.ACTIVE
    assert conversation.from_address == payloads.CALLER_NUMBER
    assert conversation.to_address == payloads.CENTRE_NUMBER
    handle = CustomerHandle.objects.get()
    assert (handle.kind, handle.value, handle.customer) == (
        "phone",
        "447700900123",
        conversation.customer,
    )
    member = Member.objects.get()
    assert (member.kind, member.leg_uuid, member.conversation) == (
        "customer",
        call["uuid"],
        conversation,
    )
    event = Event.objects.get()
    assert (event.kind, event.payload["uuid"]) == ("answer", call["uuid"])


def test_returning_caller_is_the_same_customer(vonage, menu):
    vonage.post("/webhooks/answer", payloads.answer(payloads.new_call()))
    vonage.post("/webhooks/answer", payloads.answer(payloads.new_call()))

    first, second = Conversation.objects.order_by("pk")
    assert first.customer == second.customer
    assert CustomerHandle.objects.count() == 1


def test_redelivered_answer_creates_nothing_twice(vonage, menu):
    call = payloads.new_call()

    first = vonage.post("/webhooks/answer", payloads.answer(call))
    second = vonage.post("/webhooks/answer", payloads.answer(call))

    assert first.json() == second.json()
    assert (Conversation.objects.count(), Member.objects.count(), Event.objects.count()) == (
        1,
        1,
        1,
    )


def test_client_sdk_caller_has_no_customer_number(vonage, menu):
    call = payloads.new_call()
    payload = payloads.answer(call, endpoint_type="app", from_user="web-visitor")
    del payload["from"]

    response = vonage.post("/webhooks/answer", payload)

    assert response.status_code == 200
    conversation = Conversation.objects.get()
    assert (conversation.customer, conversation.from_address) == (None, "web-visitor")


def test_without_an_entry_menu_the_caller_can_leave_a_message(vonage):
    response = vonage.post("/webhooks/answer", payloads.answer(payloads.new_call()))

    actions = [action["action"] for action in response.json()]
    assert actions == ["talk", "record", "talk"]
    assert response.json()[1]["eventUrl"] == ["https://centre.example.com/webhooks/recording"]


def test_unsigned_answer_is_refused_and_changes_nothing(client, menu):
    response = client.get("/webhooks/answer", payloads.answer(payloads.new_call()))

    assert response.status_code == 401
    assert response.json() == {"detail": "missing Authorization header"}
    assert Conversation.objects.count() == 0


def test_answer_signed_with_another_secret_is_refused(vonage, menu):
    response = vonage.post(
        "/webhooks/answer",
        payloads.answer(payloads.new_call()),
        secret="not-our-secret-but-long-enough-for-hs256",
    )

    assert response.status_code == 401
    assert response.json() == {"detail": "bad signature"}
    assert Conversation.objects.count() == 0


def test_answer_is_json_whatever_the_accept_header_asks_for(vonage, menu):
    vonage.client.defaults["HTTP_ACCEPT"] = "text/html"

    response = vonage.post("/webhooks/answer", payloads.answer(payloads.new_call()))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()[1]["action"] == "input"


def test_answer_stores_the_ncco_and_the_callers_place_in_the_menus(vonage, menu):
    call = payloads.new_call()

    ncco = vonage.post("/webhooks/answer", payloads.answer(call)).json()

    conversation = Conversation.objects.get()
    assert conversation.attributes["ivr"]["menu_id"] == menu.pk
    assert conversation.events.get().response == ncco
