"""Where each answer to a menu takes the caller: the input webhook."""

from datetime import time

import pytest
from django.utils import timezone

from conversations.tests import payloads
from routing.models import FallbackAction, IvrOption, Task
from routing.tests.factories import (
    BusinessHoursFactory,
    ConversationFactory,
    IvrMenuFactory,
    IvrOptionFactory,
    OpeningPeriodFactory,
    QueueFactory,
    hours_closed_now,
)
from routing.tests.helpers import require_task_enqueue
from routing.tests.ivr_calls import IvrCall, actions, texts

pytestmark = pytest.mark.django_db

GREETING = "Thank you for calling the contact centre."
OPTIONS = "For Sales, press 1. For Billing, press 2."
MAIN_OPTIONS = (
    "For Sales, press 1. For Billing, press 2. For accounts, press 4. To leave a message, press 5. "
    "To be called back, press 6. To hear our hours, press 7. For your balance, press 8. "
    "To hear this again, press 9."
)
LEAVE_A_MESSAGE = "Please leave a message after the tone, then press hash."
THANKS_FOR_MESSAGE = "Thank you for your message. Goodbye."
EVENT_URL = ["https://centre.example.com/webhooks/event"]


@pytest.fixture
def sales():
    return QueueFactory(name="Sales")


@pytest.fixture
def billing():
    return QueueFactory(name="Billing")


@pytest.fixture
def accounts():
    """A submenu: 1 for invoices (Billing), 0 back to the main menu."""
    return IvrMenuFactory(name="Accounts", greeting="Accounts.")


@pytest.fixture
def main(sales, billing, accounts):
    menu = IvrMenuFactory(name="Main", is_entry=True, no_input_retries=1, invalid_input_retries=1)
    IvrOptionFactory(menu=menu, digit="1", keywords="sales, buy", queue=sales)
    IvrOptionFactory(menu=menu, digit="2", keywords="billing, invoice", queue=billing)
    option = dict(menu=menu, queue=None)
    IvrOptionFactory(
        **option,
        digit="4",
        prompt="For accounts",
        action=IvrOption.Action.SUBMENU,
        submenu=accounts,
    )
    IvrOptionFactory(
        **option, digit="5", prompt="To leave a message", action=IvrOption.Action.VOICEMAIL
    )
    IvrOptionFactory(
        menu=menu,
        digit="6",
        prompt="To be called back",
        keywords="call me back",
        action=IvrOption.Action.CALLBACK,
        queue=sales,
    )
    IvrOptionFactory(
        **option,
        digit="7",
        prompt="To hear our hours",
        keywords="opening hours",
        action=IvrOption.Action.SELF_SERVICE,
        handler="opening_hours",
    )
    IvrOptionFactory(
        **option,
        digit="8",
        prompt="For your balance",
        keywords="balance",
        action=IvrOption.Action.SELF_SERVICE,
        handler="account_balance",
    )
    IvrOptionFactory(
        **option, digit="9", prompt="To hear this again", action=IvrOption.Action.REPEAT
    )
    IvrOptionFactory(menu=accounts, digit="1", prompt="For invoices", queue=billing)
    IvrOptionFactory(
        menu=accounts,
        digit="0",
        prompt="For the main menu",
        queue=None,
        action=IvrOption.Action.SUBMENU,
        submenu=menu,
    )
    return menu


@pytest.fixture
def call(vonage, main) -> IvrCall:
    call = IvrCall(vonage=vonage)
    call.answer()
    return call


def hold(call: IvrCall, queue_name: str) -> list[dict]:
    return [
        {
            "action": "talk",
            "text": f"Thank you. Connecting you to {queue_name}. Please hold.",
            "language": "en-US",
        },
        {
            "action": "conversation",
            "name": call.waiting_room,
            "musicOnHoldUrl": ["https://centre.example.com/static/audio/hold.wav"],
            "startOnEnter": False,
            "endOnExit": True,
            "eventUrl": EVENT_URL,
        },
    ]


def waiting_task(queue, *, is_callback: bool = False) -> Task:
    return Task.objects.create(
        conversation=ConversationFactory(),
        queue=queue,
        channel="voice",
        is_callback=is_callback,
        queued_at=timezone.now(),
    )


# Queues


def test_a_key_leads_to_its_queue(call, sales):
    require_task_enqueue()

    ncco = call.press("1")

    assert ncco == hold(call, "Sales")
    task = Task.objects.get()
    assert (task.queue, task.is_callback, task.priority) == (sales, False, 0)
    assert task.attributes == {"ivr_menu": "Main", "vip": False, "ivr_branch": ""}


def test_a_keyword_leads_to_its_queue(call, billing):
    require_task_enqueue()

    ncco = call.say("I want to pay an invoice please")

    assert ncco == hold(call, "Billing")
    assert call.ivr["choices"][-1] == {
        "menu_id": call.ivr["menu_id"],
        "digits": "",
        "speech": "I want to pay an invoice please",
        "outcome": "queue",
        "branch": "",
        "queue": "Billing",
        "queue_id": billing.pk,
    }


def test_a_keyword_matches_whole_words_only(call):
    ncco = call.say("my salesperson")

    assert texts(ncco) == [f"Sorry, that is not one of the options. {MAIN_OPTIONS}"]


def test_a_key_wins_over_words(call):
    require_task_enqueue()

    ncco = call.post({**payloads.speech_input(call.ids, "billing", at=50), "dtmf": {"digits": "1"}})

    assert texts(ncco) == ["Thank you. Connecting you to Sales. Please hold."]


def test_a_closed_queue_follows_its_closed_branch(call, sales):
    sales.business_hours = hours_closed_now()
    sales.closed_action = FallbackAction.MESSAGE
    sales.closed_message = "Sales is closed. Please call again tomorrow."
    sales.save()

    ncco = call.press("1")

    assert ncco == [
        {
            "action": "talk",
            "text": "Sales is closed. Please call again tomorrow.",
            "language": "en-US",
        }
    ]
    assert (call.ivr["choices"][-1]["outcome"], call.ivr["choices"][-1]["branch"]) == (
        "message",
        "closed",
    )
    assert Task.objects.count() == 0


def test_a_closed_queue_with_voicemail_takes_a_message(call, sales):
    sales.business_hours = hours_closed_now()
    sales.save()

    ncco = call.press("1")

    assert texts(ncco) == [f"We are closed right now. {LEAVE_A_MESSAGE}", THANKS_FOR_MESSAGE]


def test_an_inactive_queue_is_neither_offered_nor_reached(vonage, main, sales):
    sales.is_active = False
    sales.save()
    call = IvrCall(vonage=vonage)

    greeting = call.answer()
    ncco = call.press("1")

    assert texts(greeting)[0].startswith(f"{GREETING} For Billing, press 2.")
    assert texts(ncco)[0].startswith("Sorry, that is not one of the options. For Billing, press 2.")


# Full queues: the overflow branch


@pytest.fixture
def full_sales(sales):
    sales.max_queue_length = 1
    sales.save()
    waiting_task(sales)
    return sales


def test_a_full_queue_with_a_message_says_it(call, full_sales):
    full_sales.overflow_action = FallbackAction.MESSAGE
    full_sales.save()

    ncco = call.press("1")

    assert texts(ncco) == ["Sorry, all our agents are busy. Please call again later. Goodbye."]
    assert call.ivr["choices"][-1]["branch"] == "overflow"
    assert Task.objects.count() == 1


def test_a_full_queue_with_voicemail_takes_a_message(call, full_sales):
    full_sales.overflow_message = "Our sales team is very busy."
    full_sales.save()

    ncco = call.press("1")

    assert actions(ncco) == ["talk", "record", "talk"]
    assert texts(ncco)[0] == f"Our sales team is very busy. {LEAVE_A_MESSAGE}"


def test_a_full_queue_with_a_callback_queues_a_callback(call, full_sales):
    require_task_enqueue()
    full_sales.overflow_action = FallbackAction.CALLBACK
    full_sales.save()

    ncco = call.press("1")

    assert texts(ncco) == [
        "Sorry, all our agents are busy. We'll call you back as soon as an agent is free. Goodbye."
    ]
    callback = Task.objects.get(is_callback=True)
    assert (callback.queue, callback.callback_number) == (full_sales, call.number)
    assert callback.attributes["ivr_branch"] == "overflow"


def test_a_full_queue_overflows_into_another_queue(call, full_sales, billing, main):
    require_task_enqueue()
    full_sales.overflow_action = FallbackAction.QUEUE
    full_sales.overflow_queue = billing
    full_sales.save()

    ncco = call.press("1")

    assert ncco == hold(call, "Billing")
    task = Task.objects.get(queue=billing)
    assert task.attributes == {"ivr_menu": "Main", "vip": False, "ivr_branch": "overflow"}
    assert call.ivr["choices"][-1] == {
        "menu_id": main.pk,
        "digits": "1",
        "speech": "",
        "outcome": "queue",
        "branch": "overflow",
        "queue": "Billing",
        "queue_id": billing.pk,
    }


def test_queues_that_send_callers_round_in_a_circle_end_in_voicemail(call, full_sales, billing):
    full_sales.overflow_action = FallbackAction.QUEUE
    full_sales.overflow_queue = billing
    full_sales.save()
    billing.business_hours = hours_closed_now()
    billing.closed_action = FallbackAction.QUEUE
    billing.closed_queue = full_sales
    billing.save()

    ncco = call.press("1")

    assert texts(ncco) == [f"Sorry, all our agents are busy. {LEAVE_A_MESSAGE}", THANKS_FOR_MESSAGE]
    assert Task.objects.count() == 1


def test_callbacks_do_not_count_towards_the_queue_length(call, sales):
    require_task_enqueue()
    sales.max_queue_length = 1
    sales.save()
    waiting_task(sales, is_callback=True)

    ncco = call.press("1")

    assert ncco == hold(call, "Sales")


# Submenus, voicemail, callback, repeat


def test_a_submenu_plays_its_greeting_and_options_and_reads_the_next_key(call, accounts, billing):
    require_task_enqueue()

    submenu = call.press("4")
    chosen = call.press("1")

    assert texts(submenu) == ["Accounts. For invoices, press 1. For the main menu, press 0."]
    assert actions(submenu) == ["talk", "input"]
    assert chosen == hold(call, "Billing")
    assert [choice["menu_id"] for choice in call.ivr["choices"]] == [
        call.ivr["choices"][0]["menu_id"],
        accounts.pk,
    ]
    assert call.ivr["choices"][0]["outcome"] == "submenu"


def test_a_submenu_can_lead_back_to_the_main_menu(call):
    call.press("4")

    ncco = call.press("0")

    assert texts(ncco) == [f"{GREETING} {MAIN_OPTIONS}"]


def test_a_closed_submenu_follows_its_closed_branch(call, accounts):
    accounts.business_hours = hours_closed_now()
    accounts.closed_action = FallbackAction.MESSAGE
    accounts.closed_message = "Accounts is closed today."
    accounts.save()

    ncco = call.press("4")

    assert texts(ncco) == ["Accounts.", "Accounts is closed today."]


def test_the_voicemail_option_takes_a_message(call):
    ncco = call.press("5")

    assert texts(ncco) == [LEAVE_A_MESSAGE, THANKS_FOR_MESSAGE]
    assert ncco[1]["eventUrl"] == ["https://centre.example.com/webhooks/recording"]
    assert call.ivr["choices"][-1]["outcome"] == "voicemail"


def test_the_callback_option_queues_a_callback_to_the_callers_number(call, sales):
    require_task_enqueue()

    ncco = call.say("please call me back")

    assert ncco == [
        {
            "action": "talk",
            "text": "We'll call you back as soon as an agent is free. Goodbye.",
            "language": "en-US",
        }
    ]
    task = Task.objects.get()
    assert (task.queue, task.is_callback, task.callback_number) == (sales, True, call.number)
    assert call.ivr["choices"][-1]["outcome"] == "callback"


def test_the_callback_option_without_a_number_takes_a_message(vonage, main):
    answer = payloads.answer(payloads.new_call(), endpoint_type="app", from_user="web-visitor")
    del answer["from"]
    call = IvrCall(vonage=vonage, ids={key: answer[key] for key in ("uuid", "conversation_uuid")})
    vonage.post("/webhooks/answer", answer)

    ncco = call.press("6")

    assert texts(ncco) == [
        f"Sorry, we can't call you back on this line. {LEAVE_A_MESSAGE}",
        THANKS_FOR_MESSAGE,
    ]
    assert Task.objects.count() == 0


def test_repeat_plays_the_greeting_and_options_again(call):
    ncco = call.press("9")

    assert texts(ncco) == [f"{GREETING} {MAIN_OPTIONS}"]
    assert actions(ncco) == ["talk", "input"]


# Self-service


def test_opening_hours_says_the_hours_then_the_menu_again(call, main):
    # The caller is in the menu already: its hours are described, not checked again.
    hours = BusinessHoursFactory()
    for weekday in range(5):
        OpeningPeriodFactory(hours=hours, weekday=weekday, opens=time(8), closes=time(20))
    main.business_hours = hours
    main.save()

    ncco = call.say("what are your opening hours")

    assert texts(ncco) == ["We are open Monday to Friday, 8 AM to 8 PM.", MAIN_OPTIONS]
    assert actions(ncco) == ["talk", "talk", "input"]
    assert ncco[1]["bargeIn"] is True
    assert call.ivr["choices"][-1]["outcome"] == "self_service"
    assert call.ivr["menu_id"] == main.pk


def test_opening_hours_of_a_menu_without_hours(call):
    ncco = call.press("7")

    assert texts(ncco) == ["We are open 24 hours a day, 7 days a week.", MAIN_OPTIONS]


def test_account_balance_says_the_balance_from_the_crm(call, settings):
    settings.CRM_BACKEND = "conversations.tests.crm_backends.VipBackend"

    ncco = call.say("my balance")

    assert texts(ncco) == ["Your account balance is 1,250.50.", MAIN_OPTIONS]


def test_account_balance_of_a_caller_the_crm_does_not_know(call, settings):
    settings.CRM_BACKEND = "conversations.tests.crm_backends.UnknownBackend"

    ncco = call.press("8")

    assert texts(ncco) == ["Sorry, we don't know your account balance.", MAIN_OPTIONS]


def test_an_unknown_handler_apologises_and_offers_the_menu_again(call, main):
    IvrOption.objects.filter(menu=main, digit="8").update(handler="weather")

    ncco = call.press("8")

    assert texts(ncco) == ["Sorry, that service is not available right now.", MAIN_OPTIONS]


# Retries


def test_an_invalid_key_then_silence_retry_separately_then_silence_again_takes_a_message(call):
    invalid = call.press("3")
    silent = call.press(None)
    given_up = call.press(None)

    assert texts(invalid) == [f"Sorry, that is not one of the options. {MAIN_OPTIONS}"]
    assert texts(silent) == [f"Sorry, I didn't catch that. {MAIN_OPTIONS}"]
    assert texts(given_up) == [
        f"Sorry we could not help you. {LEAVE_A_MESSAGE}",
        THANKS_FOR_MESSAGE,
    ]
    ivr = call.ivr
    assert [choice["outcome"] for choice in ivr["choices"]] == ["retry", "retry", "voicemail"]
    assert (ivr["attempts"], ivr["no_input"], ivr["invalid"]) == (3, 2, 1)


def test_invalid_answers_past_the_retries_take_a_message(call):
    call.say("weather forecast")

    ncco = call.press("#")

    assert actions(ncco) == ["talk", "record", "talk"]
    assert call.ivr["invalid"] == 2


def test_a_valid_choice_starts_the_counts_again(call):
    call.press("3")
    call.press("9")  # repeat

    ncco = call.press("3")

    assert texts(ncco) == [f"Sorry, that is not one of the options. {MAIN_OPTIONS}"]
    assert (call.ivr["invalid"], call.ivr["no_input"]) == (1, 0)


def test_a_redelivered_input_gets_the_same_answer_and_counts_once(call):
    payload = payloads.dtmf_input(call.ids, None, at=99)

    first = call.post(payload)
    second = call.post(payload)

    assert first == second
    assert (call.ivr["attempts"], call.ivr["no_input"]) == (1, 1)


def test_an_input_in_a_menu_that_was_deleted_is_read_in_the_entry_menu(call, main, accounts):
    call.press("4")
    accounts.delete()

    ncco = call.press("5")

    assert texts(ncco) == [LEAVE_A_MESSAGE, THANKS_FOR_MESSAGE]
    assert call.ivr["choices"][-1]["menu_id"] == main.pk
