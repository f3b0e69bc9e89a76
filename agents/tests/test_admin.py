"""Supervisors take agents away (with a reason from admin's list) or offline in admin; the
presence is not a form field; the presence history is there per agent and per day."""

from datetime import UTC, datetime

import pytest

from agents.models import Agent, AwayReason, PresenceInterval
from agents.tests.factories import AgentFactory, UserFactory, away_reasons

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    return client


def test_a_supervisor_sets_agents_away_with_the_admin_action(supervisor_client):
    away_reasons("coaching")
    bob = AgentFactory(status=Agent.Status.AVAILABLE)
    carol = AgentFactory(status=Agent.Status.OFFLINE)

    response = supervisor_client.post(
        "/admin/agents/agent/",
        {"action": "set_away_coaching", "_selected_action": [bob.pk, carol.pk]},
    )

    assert response.status_code == 302
    bob.refresh_from_db()
    carol.refresh_from_db()
    assert (bob.status, bob.away_reason) == ("away", "coaching")
    assert (carol.status, carol.away_reason) == ("away", "coaching")
    assert PresenceInterval.objects.get(agent=bob, ended_at__isnull=True).reason == "coaching"


def test_the_away_actions_are_the_active_reasons_kept_in_admin(supervisor_client):
    away_reasons("lunch")
    AwayReason.objects.create(code="wellbeing", label="Wellbeing break")
    AwayReason.objects.filter(code="lunch").update(is_active=False)
    AgentFactory()

    page = supervisor_client.get("/admin/agents/agent/").content.decode()

    assert "Set away: Wellbeing break" in page
    assert "Set away: Lunch" not in page
    assert "Set away: Missed offers" not in page  # the engine's own reason


def test_the_presence_history_is_listed_per_agent_and_per_day(supervisor_client):
    bob = AgentFactory(display_name="Bob")
    carol = AgentFactory(display_name="Carol")
    day = datetime(2026, 3, 2, 9, tzinfo=UTC)
    PresenceInterval.objects.create(
        agent=bob, activity="away", reason="lunch", started_at=day, ended_at=day.replace(hour=10)
    )
    PresenceInterval.objects.create(agent=bob, activity="available", started_at=day.replace(day=3))
    PresenceInterval.objects.create(agent=carol, activity="busy", started_at=day)

    page = supervisor_client.get(
        "/admin/agents/presenceinterval/",
        {
            "agent__id__exact": bob.pk,
            "started_at__year": 2026,
            "started_at__month": 3,
            "started_at__day": 2,
        },
    ).content.decode()

    assert "1:00:00" in page and "lunch" in page  # Bob's hour away on the 2nd
    assert "1 presence interval" in page  # not Carol's, nor Bob's of the 3rd
    assert "so far" not in page
    agent_page = supervisor_client.get(f"/admin/agents/agent/{bob.pk}/change/").content.decode()
    assert f"agent__id__exact={bob.pk}" in agent_page  # the link to it


def test_the_change_form_does_not_edit_the_presence(supervisor_client):
    bob = AgentFactory(status=Agent.Status.OFFLINE, display_name="Bob")

    page = supervisor_client.get(f"/admin/agents/agent/{bob.pk}/change/")

    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
