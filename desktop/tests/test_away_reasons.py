"""The desktop offers the away reasons kept in admin; the agent API takes only those."""

import pytest

from agents.models import Agent, AwayReason, PresenceInterval
from agents.tests.factories import away_reasons
from routing.tests.factories import available_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(client):
    away_reasons("lunch", "break")
    bob = available_agent("Bob", skills={})
    client.force_login(bob.user)
    return bob


def test_the_desktop_offers_the_active_away_reasons(client, bob):
    AwayReason.objects.create(code="wellbeing", label="Wellbeing break")
    AwayReason.objects.filter(code="break").update(is_active=False)

    page = client.get("/desktop/").content.decode()

    assert '<option value="wellbeing">Wellbeing break</option>' in page
    assert '<option value="lunch">Lunch</option>' in page
    assert 'value="break"' not in page


def test_an_agent_goes_away_for_lunch_and_it_is_kept_in_their_history(client, bob):
    response = client.post("/api/agent/status", {"status": "away", "reason": "lunch"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["away_reason"]) == ("away", "lunch")
    interval = PresenceInterval.objects.get(agent=bob, ended_at__isnull=True)
    assert (interval.activity, interval.reason) == ("away", "lunch")


def test_an_unknown_away_reason_is_a_clear_400_and_changes_nothing(client, bob):
    response = client.post("/api/agent/status", {"status": "away", "reason": "Gone fishing"})

    assert response.status_code == 400
    [message] = response.json()["reason"]
    assert message.startswith("Unknown away reason 'Gone fishing'; use one of ")
    assert "lunch" in message
    assert Agent.objects.get(pk=bob.pk).status == "available"
    assert not PresenceInterval.objects.filter(agent=bob).exists()
