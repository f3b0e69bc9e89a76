import pytest
from rest_framework.authtoken.models import Token

from agents.models import Agent
from agents.tests.factories import UserFactory
from routing import services
from routing.models import Offer, Task
from routing.tests.factories import (
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def billing_queue():
    queue = QueueFactory(name="Billing")
    QueueSkillFactory(queue=queue, skill=SkillFactory(name="billing"))
    return queue


@pytest.fixture
def bob(billing_queue):
    return available_agent("Bob", skills={SkillFactory(name="billing"): 8}, status="away")


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob.user)
    return client


def test_an_agent_goes_available_and_sees_the_offer(bob_client, bob, billing_queue):
    task = services.task_enqueue(conversation=ConversationFactory(), queue=billing_queue)

    response = bob_client.post("/api/agent/status", {"status": "available"})
    me = bob_client.get("/api/agent/").json()

    assert response.status_code == 200
    assert response.json()["status"] == "available"
    assert [(offer["task_id"], offer["queue"], offer["channel"]) for offer in me["offers"]] == [
        (task.pk, "Billing", "voice")
    ]


def test_accept_and_reject_through_the_api(bob_client, bob, billing_queue, vonage_api):
    services.agent_set_status(agent=bob, status="available")
    first = services.task_enqueue(conversation=ConversationFactory(), queue=billing_queue)
    offer = Offer.objects.get(task=first)

    accepted = bob_client.post(f"/api/agent/offers/{offer.pk}/accept")
    again = bob_client.post(f"/api/agent/offers/{offer.pk}/reject")

    assert accepted.status_code == 200
    assert accepted.json() == {"task_id": first.pk, "state": "assigned"}
    assert again.status_code == 409
    assert again.json() == {"detail": "This offer is already accepted."}


def test_reject_frees_the_agent(bob_client, bob, billing_queue):
    services.agent_set_status(agent=bob, status="available")
    task = services.task_enqueue(conversation=ConversationFactory(), queue=billing_queue)
    offer = Offer.objects.get(task=task)

    response = bob_client.post(f"/api/agent/offers/{offer.pk}/reject")

    assert response.status_code == 204
    assert Task.objects.get(pk=task.pk).state == Task.State.QUEUED
    assert Agent.objects.get(pk=bob.pk).voice_load == 0


def test_an_agent_cannot_touch_another_agents_offer(client, bob, billing_queue):
    services.agent_set_status(agent=bob, status="available")
    task = services.task_enqueue(conversation=ConversationFactory(), queue=billing_queue)
    offer = Offer.objects.get(task=task)
    carol = available_agent("Carol", skills={}, status="away")
    client.force_login(carol.user)

    response = client.post(f"/api/agent/offers/{offer.pk}/accept")

    assert response.status_code == 409
    assert response.json() == {"detail": "No such offer for this agent."}
    assert Offer.objects.get(pk=offer.pk).state == Offer.State.PENDING


def test_a_bad_status_is_a_clear_400_and_changes_nothing(bob_client, bob):
    response = bob_client.post("/api/agent/status", {"status": "dancing"})

    assert response.status_code == 400
    assert response.json() == {"status": ['"dancing" is not a valid choice.']}
    assert Agent.objects.get(pk=bob.pk).status == "away"


def test_users_who_are_not_agents_get_403(client):
    client.force_login(UserFactory(username="sam", is_staff=True))

    response = client.get("/api/agent/")

    assert response.status_code == 403
    assert response.json() == {"detail": "You are not set up as an agent."}


def test_anonymous_gets_refused(client):
    assert client.get("/api/agent/").status_code in (401, 403)


def test_token_authentication_for_scripts(client, bob):
    token = Token.objects.create(user=bob.user)

    response = client.post(
        "/api/agent/status", {"status": "available"}, HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 200
