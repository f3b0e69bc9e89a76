"""Supervisors take agents away or offline in admin; the presence is not a form field."""

import pytest

from agents.models import Agent
from agents.tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    return client


def test_a_supervisor_sets_agents_away_with_the_admin_action(supervisor_client):
    bob = AgentFactory(status=Agent.Status.AVAILABLE)
    carol = AgentFactory(status=Agent.Status.OFFLINE)

    response = supervisor_client.post(
        "/admin/agents/agent/",
        {"action": "set_away", "_selected_action": [bob.pk, carol.pk]},
    )

    assert response.status_code == 302
    bob.refresh_from_db()
    carol.refresh_from_db()
    assert (bob.status, bob.away_reason) == ("away", "supervisor")
    assert (carol.status, carol.away_reason) == ("away", "supervisor")


def test_the_change_form_does_not_edit_the_presence(supervisor_client):
    bob = AgentFactory(status=Agent.Status.OFFLINE, display_name="Bob")

    page = supervisor_client.get(f"/admin/agents/agent/{bob.pk}/change/")

    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
