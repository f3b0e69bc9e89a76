"""The softphone's token (decoded with the application's public key: claims, ACL, expiry; only
ever the logged-in agent's own, audited) and click-to-call through the agent API, against the
Vonage sandbox."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.test import Client

from agents.models import Agent
from agents.tests.factories import AgentFactory, UserFactory
from callcentre.tests.helpers import wait_until
from compliance.models import AuditEntry
from conversations.models import Conversation, Member
from routing.models import Task
from routing.tests.factories import QueueFactory, available_agent
from sandbox.tests.fixtures import sandbox_for_project
from sandbox.tests.helpers import APPLICATION_ID, CENTRE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TOKEN_URL = "/api/agent/softphone/token"
CALLS_URL = "/api/agent/calls"
CUSTOMER = "447700900777"


@pytest.fixture
def vonage(receiver, settings, start_sandbox, private_key_pem, monkeypatch):
    helper = sandbox_for_project(
        receiver.url, settings, start_sandbox, private_key_pem, monkeypatch
    )
    start = next(helper)
    yield start(app_answer_delay=None)  # agents' legs ring until someone answers them
    next(helper, None)


@pytest.fixture
def public_key(private_key_pem):
    return load_pem_private_key(private_key_pem.encode(), password=None).public_key()


def logged_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def test_the_token_is_the_agents_own_signed_by_the_application(vonage, public_key, settings):
    settings.SOFTPHONE_TOKEN_SECONDS = 600
    bob = AgentFactory(vonage_user="agent-bob")
    AgentFactory(vonage_user="agent-carol")
    before = int(time.time())

    answer = logged_in(bob).post(TOKEN_URL, {"sub": "agent-carol"}, content_type="application/json")

    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["user"] == "agent-bob" and body["lifetime"] == 600
    header = jwt.get_unverified_header(body["token"])
    assert header == {"alg": "RS256", "typ": "JWT"}
    claims = jwt.decode(body["token"], public_key, algorithms=["RS256"])
    assert set(claims) == {"application_id", "sub", "iat", "exp", "jti", "acl"}
    assert claims["application_id"] == APPLICATION_ID
    assert claims["sub"] == "agent-bob"  # never the one asked for in the body
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 600 == body["expires_at"]
    assert claims["acl"] == {
        "paths": {
            "/*/sessions/**": {},
            "/*/conversations/**": {},
            "/*/legs/**": {},
            "/*/rtc/**": {},
        }
    }
    # The agent's Vonage user was made on the way (it had none).
    bob.refresh_from_db()
    assert bob.vonage_user_id.startswith("USR-")
    assert vonage.sandbox.users.by_name("agent-bob")["id"] == bob.vonage_user_id
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.SOFTPHONE_TOKEN)
    assert (entry.user, entry.object_id, entry.where) == (bob.user, claims["jti"], "softphone")


def test_each_token_is_new_and_expires(vonage, public_key, settings):
    settings.SOFTPHONE_TOKEN_SECONDS = 1  # Vonage's minimum lifetime is 30 s
    client = logged_in(AgentFactory(vonage_user="agent-bob"))
    first = client.post(TOKEN_URL).json()
    second = client.post(TOKEN_URL).json()
    one = jwt.decode(first["token"], public_key, algorithms=["RS256"])
    two = jwt.decode(second["token"], public_key, algorithms=["RS256"])
    assert one["jti"] != two["jti"] and one["exp"] - one["iat"] == 30
    with pytest.raises(jwt.ExpiredSignatureError):  # as it will be read 31 s from now
        jwt.decode(
            first["token"],
            public_key,
            algorithms=["RS256"],
            leeway=-31,
            options={"verify_iat": False},
        )
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.SOFTPHONE_TOKEN).count() == 2


def test_no_token_without_login_or_for_someone_who_is_not_an_agent(vonage):
    assert Client().post(TOKEN_URL).status_code == 403
    stranger = Client()
    stranger.force_login(UserFactory(username="stranger"))
    refused = stranger.post(TOKEN_URL)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You are not set up as an agent."
    assert Client().get(TOKEN_URL).status_code in (403, 405)
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.SOFTPHONE_TOKEN).exists()


def test_a_token_vonage_cannot_back_is_a_clear_502_and_nothing_is_issued(vonage):
    from vonage_users import User

    from callcentre.vonage.client import get_client

    # Vonage's user "agent-held" is linked to Carol; Dave's row (wrongly) names it too.
    held = get_client().users.create_user(User(name="agent-held"))
    carol = AgentFactory(vonage_user="agent-carol", display_name="Carol")
    Agent.objects.filter(pk=carol.pk).update(vonage_user_id=held.id)
    dave = AgentFactory(vonage_user="agent-held")

    answer = logged_in(dave).post(TOKEN_URL)

    assert answer.status_code == 502
    assert "belongs to agent Carol" in answer.json()["detail"]
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.SOFTPHONE_TOKEN).exists()
    dave.refresh_from_db()
    assert dave.vonage_user_id == ""


def test_the_page_names_the_sandbox_transport(vonage):
    page = logged_in(AgentFactory()).get("/desktop/").content.decode()
    assert 'data-transport="sandbox"' in page
    url = f"ws://127.0.0.1:{vonage.config.control_port}/v1/client/session"
    assert f'data-session-url="{url}"' in page
    assert "vonageClientSDK.min.js" not in page


def test_the_page_loads_the_client_sdk_for_a_vonage_host(settings):
    settings.VONAGE_API_HOST = "api-eu-3.vonage.com"
    settings.VONAGE_CLIENT_WEBSOCKET_URL = "wss://ws-eu-3.vonage.com"
    page = logged_in(AgentFactory()).get("/desktop/").content.decode()
    assert 'data-transport="vonage"' in page
    assert 'data-websocket-url="wss://ws-eu-3.vonage.com"' in page
    assert "/static/vendor/%40vonage/client-sdk/vonageClientSDK.min.js" in page


# Click-to-call


def test_click_to_call_rings_the_agent_first_then_the_customer(vonage):
    QueueFactory(name="Outbound", wrap_up_seconds=0)
    bob = available_agent("Bob", skills={})

    answer = logged_in(bob).post(
        CALLS_URL, {"number": "+44 7700 900777"}, content_type="application/json"
    )

    assert answer.status_code == 201
    task = Task.objects.select_related("conversation").get(pk=answer.json()["task_id"])
    assert (task.state, task.agent, task.queue.name) == ("assigned", bob, "Outbound")
    conversation = task.conversation
    assert conversation.direction == Conversation.Direction.OUTBOUND
    assert (conversation.from_address, conversation.to_address) == (CENTRE, CUSTOMER)
    assert conversation.customer.handles.get().value == CUSTOMER
    bob.refresh_from_db()
    assert bob.voice_load == 1

    # The agent's leg is placed first: the customer's phone rings only once it is answered.
    agent_leg = Member.objects.get(conversation=conversation, kind=Member.Kind.AGENT)
    conversation.refresh_from_db()
    assert conversation.vonage_uuid
    assert vonage.control.call(agent_leg.leg_uuid)["to"] == "agent-bob"
    assert vonage.control.calls(to=CUSTOMER) == []
    wait_until(lambda: vonage.control.call(agent_leg.leg_uuid)["ringing"])
    vonage.control.answer(agent_leg.leg_uuid)
    wait_until(lambda: [leg["status"] for leg in vonage.control.calls(to=CUSTOMER)] == ["answered"])
    customer_leg = vonage.control.calls(to=CUSTOMER)[0]
    assert customer_leg["from"] == CENTRE  # the centre's number as caller ID
    assert customer_leg["conversation_uuid"] == conversation.vonage_uuid


def test_click_to_call_refusals_change_nothing(vonage, settings):
    QueueFactory(name="Outbound")
    bob = available_agent("Bob", skills={}, status="away")
    client = logged_in(bob)

    bad = client.post(CALLS_URL, {"number": "call me"}, content_type="application/json")
    assert bad.status_code == 400
    assert "international form" in bad.json()["number"][0]
    away = client.post(CALLS_URL, {"number": CUSTOMER}, content_type="application/json")
    assert away.status_code == 409
    assert away.json()["detail"] == "You can call out when you are available and not on a call."
    settings.OUTBOUND_QUEUE = "Nowhere"
    Agent.objects.filter(pk=bob.pk).update(status="available")
    closed = client.post(CALLS_URL, {"number": CUSTOMER}, content_type="application/json")
    assert closed.status_code == 409 and "'Nowhere'" in closed.json()["detail"]
    assert not Task.objects.exists() and not Conversation.objects.exists()
    bob.refresh_from_db()
    assert bob.voice_load == 0
    wait_until(lambda: vonage.control.calls() == [])
