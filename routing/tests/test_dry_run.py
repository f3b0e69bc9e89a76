from datetime import UTC, datetime, time

import pytest

from agents.tests.factories import UserFactory
from routing.dry_run import routing_dry_run
from routing.models import BusinessHours, OpeningPeriod, Task
from routing.tests.factories import QueueFactory, QueueSkillFactory, SkillFactory, available_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing_queue():
    queue = QueueFactory(name="Billing")
    QueueSkillFactory(queue=queue, skill=SkillFactory(name="billing"), min_proficiency=5)
    return queue


def test_dry_run_names_the_agent_and_why_and_keeps_nothing(billing_queue):
    billing = SkillFactory(name="billing")
    available_agent("Bob", skills={billing: 8}, idle_minutes=10)
    available_agent("Carol", skills={billing: 9}, voice_load=1)
    available_agent("Finn", skills={billing: 2})

    result = routing_dry_run(queue=billing_queue)

    assert result.agent.display_name == "Bob"
    assert result.reasons == [
        "Billing is open; the contact needs billing >= 5.",
        "2 agent(s) have those skills; 1 of them could take it now.",
        "'Longest idle' picks Bob.",
    ]
    assert Task.objects.count() == 0


def test_dry_run_with_an_extra_skill_nobody_has_waits(billing_queue):
    available_agent("Bob", skills={SkillFactory(name="billing"): 8})

    result = routing_dry_run(queue=billing_queue, extra_skill=SkillFactory(name="spanish"))

    assert result.agent is None
    assert result.reasons[-1].startswith("Nobody is free: the contact would wait at position 1")


def test_dry_run_at_a_closed_time_says_what_callers_get(billing_queue):
    hours = BusinessHours.objects.create(name="Office", time_zone="Europe/London")
    OpeningPeriod.objects.create(hours=hours, weekday=0, opens=time(9), closes=time(17))
    billing_queue.business_hours = hours
    billing_queue.save()

    result = routing_dry_run(queue=billing_queue, at=datetime(2026, 11, 23, 20, 0, tzinfo=UTC))

    assert (result.is_open, result.agent) == (False, None)
    assert result.reasons == ["Billing is closed at Monday 20:00: callers get 'Take a voicemail'."]


def test_dry_run_page_for_supervisors(client, billing_queue):
    available_agent("Bob", skills={SkillFactory(name="billing"): 8})
    client.force_login(UserFactory(username="sam", is_staff=True))

    page = client.post(
        "/admin/routing/dry-run/",
        {"queue": billing_queue.pk, "channel": "voice", "priority_boost": 0},
    )

    assert page.status_code == 200
    assert "Reaches Bob Okafor" not in page.content.decode()
    assert "Reaches Bob in Billing" in page.content.decode()


def test_dry_run_page_is_for_staff_only(client):
    client.force_login(UserFactory(username="alice"))

    assert client.get("/admin/routing/dry-run/").status_code == 302
