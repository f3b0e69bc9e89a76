from datetime import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agents.models import Agent
from routing.models import BusinessHours, IvrMenu, Queue

pytestmark = pytest.mark.django_db


def test_demo_data_gives_queues_agents_and_a_supervisor_login(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")

    call_command("load_demo")
    call_command("load_demo")  # a second run changes nothing

    menu = IvrMenu.objects.get(is_entry=True)
    assert (menu.name, menu.greeting, menu.business_hours.name) == (
        "Main",
        "Thank you for calling {centre}.",
        "Office hours",
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
        ("Billing", "Office hours"),
        ("Sales", "Office hours"),
        ("Support", "Office hours"),
    ]
    assert Agent.objects.count() == 4
    supervisor = get_user_model().objects.get(username="supervisor")
    assert supervisor.is_staff and supervisor.check_password("demo-password-123")
    assert "password demo-password-123" in capsys.readouterr().out
