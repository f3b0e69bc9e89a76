import zoneinfo
from datetime import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from agents.models import Agent, AgentSkill
from agents.presence import Actor
from conversations.tests import payloads
from routing.models import BusinessHours, CannedReply, Holiday, IvrMenu, Offer, Queue, Skill
from routing.presence import agent_presence_set
from routing.tests.helpers import require_task_enqueue
from routing.tests.ivr_calls import IvrCall, texts

pytestmark = pytest.mark.django_db


def test_demo_data_gives_queues_agents_and_a_supervisor_login(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")

    call_command("load_demo")
    call_command("load_demo")  # a second run changes nothing

    menu = IvrMenu.objects.get(is_entry=True)
    assert (menu.name, menu.greeting, menu.business_hours) == (
        "Main",
        "Thank you for calling {centre}.",
        None,
    )
    assert list(menu.options.values_list("digit", "action", "queue__name", "handler")) == [
        ("0", "self_service", None, "opening_hours"),
        ("1", "queue", "Sales", ""),
        ("2", "queue", "Billing", ""),
        ("3", "queue", "Support", ""),
        ("9", "callback", "Support", ""),
    ]
    assert (menu.vip_greeting, menu.vip_queue.name, menu.vip_skill.name) == (
        "Welcome back, {name}.",
        "Billing",
        "vip",
    )
    hours = BusinessHours.objects.get()
    assert hours.time_zone == "Europe/London"
    assert list(hours.periods.values_list("weekday", "opens", "closes")) == [
        (weekday, time(8), time(20)) for weekday in range(5)
    ]
    assert list(Queue.objects.values_list("name", "business_hours__name")) == [
        ("Billing", None),
        ("Outbound", None),  # click-to-call's (OUTBOUND_QUEUE); no menu option leads there
        ("Sales", "Office hours"),
        ("Support", None),
    ]
    assert Agent.objects.count() == 4
    supervisor = get_user_model().objects.get(username="supervisor")
    assert supervisor.is_staff and supervisor.check_password("demo-password-123")
    assert "password demo-password-123" in capsys.readouterr().out


def office_hours_closed_today() -> None:
    """Closes the demo's office hours now, whatever the time: a holiday today in London."""
    hours = BusinessHours.objects.get(name="Office hours")
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(hours.time_zone)).date()
    Holiday.objects.create(hours=hours, date=today, name="Closed for the test")


def test_the_readmes_billing_call_works_outside_office_hours(vonage):
    require_task_enqueue()
    call_command("load_demo", stdout=StringIO())
    office_hours_closed_today()
    call = IvrCall(vonage=vonage)

    menu = call.answer()
    held = call.press("2")

    # The menu asks how it can help; a caller who knows the keys may press one at once.
    assert texts(menu) == [
        "Thank you for calling the contact centre. In a few words, how can we help you today?"
    ]
    assert texts(held) == ["Thank you. Connecting you to Billing. Please hold."]


@pytest.mark.django_db(transaction=True)
def test_the_readmes_caller_says_her_bill_is_wrong_and_bob_sees_why(vonage, client):
    require_task_enqueue()
    call_command("load_demo", stdout=StringIO())  # trains the intents' classifier as it commits
    bob = Agent.objects.get(user__username="bob")
    agent_presence_set(actor=Actor.AGENT, agent=bob, status=Agent.Status.AVAILABLE)
    call = IvrCall(vonage=vonage)
    call.answer()

    held = call.say("I have a problem with my bill")

    assert texts(held) == ["Thank you. Connecting you to Billing. Please hold."]
    client.force_login(bob.user)
    [offer] = client.get("/api/agent/").json()["offers"]
    assert (offer["assist"]["intent_label"], offer["assist"]["sentiment_label"]) == (
        "Billing dispute",
        "negative",
    )
    assert offer["assist"]["suggestions"][0]["text"] == "Offer goodwill credit"


def test_a_caller_who_answers_in_other_words_hears_the_keys(vonage):
    call_command("load_demo", stdout=StringIO())
    call = IvrCall(vonage=vonage)
    call.answer()

    menu = call.say("hmm")

    assert texts(menu) == [
        "Sorry, I didn't understand. For sales, press 1. "
        "For billing and payments, press 2. For technical support, press 3. "
        "To have technical support call you back, press 9. "
        "To hear our opening hours, press 0."
    ]


def test_sales_keeps_office_hours_to_show_the_hours_feature(vonage):
    call_command("load_demo", stdout=StringIO())
    office_hours_closed_today()
    call = IvrCall(vonage=vonage)
    call.answer()

    closed = call.press("1")

    assert texts(closed)[0] == (
        "Sales is open Monday to Friday, 8 AM to 8 PM, London time. "
        "Please leave a message after the tone, then press hash."
    )
    assert call.ivr["choices"][-1]["branch"] == "closed"


@pytest.mark.django_db(transaction=True)
def test_the_readmes_chat_goes_to_dave_while_bob_is_available(vonage):
    require_task_enqueue()
    call_command("load_demo", stdout=StringIO())
    bob, dave = (Agent.objects.get(user__username=name) for name in ("bob", "dave"))
    # An earlier demo gave Bob `technical` too: the next `make run` takes it away.
    AgentSkill.objects.create(agent=bob, skill=Skill.objects.get(name="technical"), proficiency=4)
    call_command("load_demo", stdout=StringIO())
    # As in the README: Bob took the billing call first and is available again, then Dave.
    agent_presence_set(actor=Actor.AGENT, agent=bob, status=Agent.Status.AVAILABLE)
    agent_presence_set(actor=Actor.AGENT, agent=dave, status=Agent.Status.AVAILABLE)

    sms = {**payloads.inbound_sms("My router is down"), "timestamp": timezone.now().isoformat()}
    assert vonage.post("/webhooks/inbound-message", sms).status_code == 200

    [offer] = Offer.objects.all()
    assert (offer.agent.user.username, offer.task.queue.name) == ("dave", "Support")


def test_demo_data_gives_the_workspace_its_dispositions_and_canned_replies():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # a second run adds nothing

    billing = Queue.objects.get(name="Billing")
    assert (billing.disposition_required, billing.wrap_up_extension_seconds) == (True, 60)
    assert list(billing.disposition_codes.values_list("code", flat=True)) == [
        "explained",
        "refund",
        "payment",
        "escalated",
    ]
    assert Queue.objects.get(name="Support").disposition_required is False
    assert CannedReply.objects.filter(queue=None).count() == 2
    assert CannedReply.objects.count() == 3
