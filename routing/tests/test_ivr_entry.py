"""What a caller hears on arrival: the answer webhook and the entry menu."""

import pytest

from conversations.models import Event
from conversations.tests import payloads
from conversations.tests.crm_backends import CountingVipBackend
from routing.models import FallbackAction, IvrOption, Task, TaskSkill
from routing.tests.factories import (
    IvrMenuFactory,
    IvrOptionFactory,
    QueueFactory,
    SkillFactory,
    hours_closed_now,
    hours_open_now,
)
from routing.tests.helpers import require_task_enqueue
from routing.tests.ivr_calls import IvrCall, actions, texts

pytestmark = pytest.mark.django_db

GREETING = "Thank you for calling the contact centre."
HOLD_MUSIC = ["https://centre.example.com/static/audio/hold.wav"]
EVENT_URL = ["https://centre.example.com/webhooks/event"]
RECORDING_URL = ["https://centre.example.com/webhooks/recording"]


@pytest.fixture
def billing():
    return QueueFactory(name="Billing", priority=5)


@pytest.fixture
def main(billing):
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="1", keywords="sales", queue=QueueFactory(name="Sales"))
    IvrOptionFactory(menu=menu, digit="2", keywords="billing", queue=billing)
    return menu


@pytest.fixture
def call(vonage) -> IvrCall:
    return IvrCall(vonage=vonage)


@pytest.fixture
def crm(settings):
    settings.CRM_BACKEND = "conversations.tests.crm_backends.CountingVipBackend"
    CountingVipBackend.asked = []
    return CountingVipBackend


@pytest.fixture
def vip_menu(main, billing, crm):
    main.vip_greeting = "Welcome back, {name}."
    main.vip_queue = billing
    main.vip_skill = SkillFactory(name="vip")
    main.vip_priority_boost = 10
    main.save()
    return main


def test_the_entry_menu_speaks_its_language_and_voice_and_listens_for_keys_and_words(
    vonage, settings, call
):
    settings.CALL_CENTRE_NAME = "Acme"
    menu = IvrMenuFactory(
        name="Accueil", is_entry=True, language="en-GB", voice_style=3, input_timeout_seconds=7
    )
    IvrOptionFactory(menu=menu, digit="2", keywords="billing", queue=QueueFactory(name="Billing"))
    IvrOptionFactory(menu=menu, digit="1", keywords="sales, buy", queue=QueueFactory(name="Sales"))
    IvrOptionFactory(menu=menu, digit="3", queue=QueueFactory(name="Closed down", is_active=False))
    IvrOptionFactory(
        menu=menu,
        digit="*",
        prompt="To hear these options again",
        action=IvrOption.Action.REPEAT,
        queue=None,
    )

    ncco = call.answer()

    assert ncco == [
        {
            "action": "talk",
            "text": "Thank you for calling Acme. For Sales, press 1. For Billing, press 2. "
            "To hear these options again, press star.",
            "bargeIn": True,
            "language": "en-GB",
            "style": 3,
        },
        {
            "action": "input",
            "type": ["dtmf", "speech"],
            "dtmf": {"timeOut": 7, "maxDigits": 1},
            "speech": {
                "endOnSilence": 1.5,
                "language": "en-GB",
                "context": ["sales", "buy", "billing"],
            },
            "eventUrl": EVENT_URL,
        },
    ]
    assert call.ivr == {
        "entry": "menu",
        "vip": False,
        "menu_id": menu.pk,
        "no_input": 0,
        "invalid": 0,
    }
    assert Event.objects.get(kind="answer").response == ncco


def test_a_menu_inside_its_hours_plays_its_options(call, main):
    main.business_hours = hours_open_now()
    main.save()

    ncco = call.answer()

    assert texts(ncco) == [f"{GREETING} For Sales, press 1. For Billing, press 2."]
    assert actions(ncco) == ["talk", "input"]


def test_a_menu_without_options_takes_a_message(call):
    IvrMenuFactory(name="Main", is_entry=True)

    ncco = call.answer()

    assert texts(ncco) == [
        f"{GREETING} Please leave a message after the tone, then press hash.",
        "Thank you for your message. Goodbye.",
    ]
    assert call.ivr["entry"] == "voicemail"


def test_a_redelivered_answer_gets_the_first_answer_even_if_the_menu_changed(call, main):
    first = call.answer()
    main.greeting = "Hello."
    main.save()

    second = call.answer()

    assert second == first
    assert Event.objects.filter(kind="answer").count() == 1


# Closed: the menu's closed branch


@pytest.fixture
def closed_main(main):
    main.business_hours = hours_closed_now()
    main.save()
    return main


def test_closed_with_a_message_says_it_and_ends(call, closed_main):
    closed_main.closed_action = FallbackAction.MESSAGE
    closed_main.closed_message = "We are closed for the holidays. Goodbye."
    closed_main.save()

    ncco = call.answer()

    assert ncco == [
        {"action": "talk", "text": GREETING, "language": "en-US"},
        {"action": "talk", "text": "We are closed for the holidays. Goodbye.", "language": "en-US"},
    ]
    assert (call.ivr["entry"], call.ivr["menu_id"]) == ("message", closed_main.pk)
    assert Task.objects.count() == 0


def test_closed_with_a_message_has_a_default(call, closed_main):
    closed_main.closed_action = FallbackAction.MESSAGE
    closed_main.save()

    ncco = call.answer()

    assert texts(ncco) == [GREETING, "We are closed right now. Please call again later. Goodbye."]


def test_closed_with_voicemail_takes_a_message(call, closed_main):
    ncco = call.answer()

    assert actions(ncco) == ["talk", "talk", "record", "talk"]
    assert texts(ncco) == [
        GREETING,
        "We are closed right now. Please leave a message after the tone, then press hash.",
        "Thank you for your message. Goodbye.",
    ]
    assert ncco[2] == {
        "action": "record",
        "endOnKey": "#",
        "timeOut": 120,
        "beepStart": True,
        "eventUrl": RECORDING_URL,
    }
    assert call.ivr["entry"] == "voicemail"


def test_closed_with_a_callback_queues_a_callback_to_the_callers_number(call, closed_main):
    require_task_enqueue()
    support = QueueFactory(name="Support")
    closed_main.closed_action = FallbackAction.CALLBACK
    closed_main.closed_queue = support
    closed_main.save()

    ncco = call.answer()

    assert texts(ncco) == [
        GREETING,
        "We are closed right now. We'll call you back as soon as an agent is free. Goodbye.",
    ]
    task = Task.objects.get()
    assert (task.queue, task.is_callback, task.callback_number) == (support, True, call.number)
    assert (call.ivr["entry"], call.ivr["queue"]) == ("callback", "Support")


def test_closed_with_a_callback_for_a_caller_without_a_number_takes_a_message(vonage, closed_main):
    closed_main.closed_action = FallbackAction.CALLBACK
    closed_main.closed_queue = QueueFactory(name="Support")
    closed_main.save()
    payload = payloads.answer(payloads.new_call(), endpoint_type="app", from_user="web-visitor")
    del payload["from"]

    ncco = vonage.post("/webhooks/answer", payload).json()

    assert texts(ncco)[1] == (
        "We are closed right now. Sorry, we can't call you back on this line. "
        "Please leave a message after the tone, then press hash."
    )
    assert Task.objects.count() == 0


def test_closed_with_another_queue_holds_the_caller_there(call, closed_main):
    require_task_enqueue()
    night = QueueFactory(name="Night desk")
    closed_main.closed_action = FallbackAction.QUEUE
    closed_main.closed_queue = night
    closed_main.save()

    ncco = call.answer()

    assert ncco == [
        {"action": "talk", "text": GREETING, "language": "en-US"},
        {
            "action": "talk",
            "text": "Thank you. Connecting you to Night desk. Please hold.",
            "language": "en-US",
        },
        {
            "action": "conversation",
            "name": call.waiting_room,
            "musicOnHoldUrl": HOLD_MUSIC,
            "startOnEnter": False,
            "endOnExit": True,
            "eventUrl": EVENT_URL,
        },
    ]
    assert Task.objects.get().queue == night
    assert (call.ivr["entry"], call.ivr["queue_id"]) == ("queue", night.pk)


def test_closed_into_a_queue_that_is_closed_too_follows_that_queues_branch(call, closed_main):
    night = QueueFactory(
        name="Night desk",
        business_hours=hours_closed_now(),
        closed_action=FallbackAction.MESSAGE,
        closed_message="Nobody is here. Goodbye.",
    )
    closed_main.closed_action = FallbackAction.QUEUE
    closed_main.closed_queue = night
    closed_main.save()

    ncco = call.answer()

    assert texts(ncco) == [GREETING, "Nobody is here. Goodbye."]
    assert Task.objects.count() == 0


# VIP callers


def test_a_vip_hears_their_name_and_skips_the_menu_with_a_boost_and_a_skill(
    call, vip_menu, billing
):
    require_task_enqueue()

    ncco = call.answer()

    assert ncco == [
        {"action": "talk", "text": "Welcome back, Ada Lovelace.", "language": "en-US"},
        {"action": "talk", "text": "Connecting you to Billing. Please hold.", "language": "en-US"},
        {
            "action": "conversation",
            "name": call.waiting_room,
            "musicOnHoldUrl": HOLD_MUSIC,
            "startOnEnter": False,
            "endOnExit": True,
            "eventUrl": EVENT_URL,
        },
    ]
    task = Task.objects.get()
    assert (task.queue, task.priority, task.is_callback) == (billing, 15, False)
    assert task.attributes == {"ivr_menu": "Main", "vip": True, "ivr_branch": ""}
    assert "vip" in set(
        TaskSkill.objects.filter(group__task=task).values_list("skill__name", flat=True)
    )
    assert call.ivr == {
        "entry": "queue",
        "vip": True,
        "menu_id": vip_menu.pk,
        "no_input": 0,
        "invalid": 0,
        "queue": "Billing",
        "queue_id": billing.pk,
    }


def test_a_redelivered_vip_answer_queues_the_caller_once(call, vip_menu):
    require_task_enqueue()

    first = call.answer()
    second = call.answer()

    assert first == second
    assert Task.objects.count() == 1


def test_a_vip_without_a_name_is_welcomed_all_the_same(call, vip_menu, settings):
    require_task_enqueue()
    settings.CRM_BACKEND = "conversations.tests.crm_backends.NamelessVipBackend"

    ncco = call.answer()

    assert texts(ncco)[0] == "Welcome back."


def test_a_regular_customer_hears_the_menu(call, vip_menu, settings):
    settings.CRM_BACKEND = "conversations.tests.crm_backends.RegularBackend"

    ncco = call.answer()

    assert texts(ncco) == [f"{GREETING} For Sales, press 1. For Billing, press 2."]
    assert call.ivr["vip"] is False
    assert Task.objects.count() == 0


def test_without_a_vip_queue_the_crm_is_not_asked(call, main, crm):
    ncco = call.answer()

    assert actions(ncco) == ["talk", "input"]
    assert crm.asked == []


def test_a_closed_menu_is_closed_for_vips_too_and_the_crm_is_not_asked(call, vip_menu, crm):
    vip_menu.business_hours = hours_closed_now()
    vip_menu.save()

    ncco = call.answer()

    assert texts(ncco)[1].startswith("We are closed right now.")
    assert crm.asked == []
    assert Task.objects.count() == 0


def test_a_vip_whose_queue_is_closed_hears_that_queues_closed_branch(call, vip_menu, billing):
    billing.business_hours = hours_closed_now()
    billing.closed_action = FallbackAction.MESSAGE
    billing.closed_message = "Billing is closed today. Goodbye."
    billing.save()

    ncco = call.answer()

    assert texts(ncco) == ["Welcome back, Ada Lovelace.", "Billing is closed today. Goodbye."]
    assert (call.ivr["entry"], call.ivr["vip"]) == ("message", True)
    assert Task.objects.count() == 0
