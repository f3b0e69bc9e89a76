import pytest

from agents.tests.factories import UserFactory
from conversations.tests import payloads

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_call(vonage) -> dict:
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)
    return call


def test_supervisor_lists_conversations_with_members_and_events(client, finished_call):
    client.force_login(UserFactory(username="sam", is_staff=True))

    response = client.get("/api/conversations/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [conversation] = body["results"]
    assert conversation["vonage_uuid"] == finished_call["conversation_uuid"]
    assert (conversation["state"], conversation["duration_seconds"]) == ("ended", 245)
    assert [member["call_status"] for member in conversation["members"]] == ["completed"]
    assert [event["status"] or event["kind"] for event in conversation["events"]] == [
        "answer",
        "started",
        "ringing",
        "answered",
        "completed",
    ]


def test_supervisor_reads_one_conversation(client, finished_call):
    client.force_login(UserFactory(username="sam", is_staff=True))
    listed = client.get("/api/conversations/").json()["results"][0]

    response = client.get(f"/api/conversations/{listed['id']}/")

    assert response.status_code == 200
    assert response.json()["vonage_uuid"] == finished_call["conversation_uuid"]


def test_token_authentication_works_for_supervisors(client, finished_call):
    from accounts.services import api_token_create

    _, key = api_token_create(user=UserFactory(username="sam", is_staff=True))

    response = client.get("/api/conversations/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_agents_may_not_read_the_conversation_api(client, finished_call):
    client.force_login(UserFactory(username="alice"))

    assert client.get("/api/conversations/").status_code == 403
    assert client.get("/api/conversations/1/").status_code == 403


def test_anonymous_requests_are_refused(client, finished_call):
    assert client.get("/api/conversations/").status_code in (401, 403)


def test_unknown_conversation_is_404(client):
    client.force_login(UserFactory(username="sam", is_staff=True))

    assert client.get("/api/conversations/999999/").status_code == 404
