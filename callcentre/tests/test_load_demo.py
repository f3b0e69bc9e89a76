import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agents.models import Agent
from routing.models import Queue

pytestmark = pytest.mark.django_db


def test_demo_data_gives_queues_agents_and_a_supervisor_login(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")

    call_command("load_demo")
    call_command("load_demo")  # a second run changes nothing

    assert list(Queue.objects.order_by("menu_digit").values_list("menu_digit", "name")) == [
        ("1", "Sales"),
        ("2", "Billing"),
        ("3", "Support"),
    ]
    assert Agent.objects.count() == 4
    supervisor = get_user_model().objects.get(username="supervisor")
    assert supervisor.is_staff and supervisor.check_password("demo-password-123")
    assert "password demo-password-123" in capsys.readouterr().out
