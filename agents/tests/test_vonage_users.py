"""Agents are Vonage Users: created, found, renamed through the Users API on the official SDK
(against the sandbox), idempotently, from the admin and from `manage.py vonage_users_sync`;
a clash or a refusal is a clear message and changes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from vonage_users import User

from agents.models import Agent
from agents.softphone import VonageUserError, agent_vonage_user_sync
from agents.tests.factories import AgentFactory, UserFactory
from callcentre.vonage.client import get_client
from sandbox.tests.fixtures import sandbox_for_project

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vonage(receiver, settings, start_sandbox, private_key_pem, monkeypatch):
    """The project's Vonage client pointed at a sandbox; its users as Vonage holds them."""
    helper = sandbox_for_project(
        receiver.url, settings, start_sandbox, private_key_pem, monkeypatch
    )
    start = next(helper)
    yield start().sandbox.users
    next(helper, None)  # its teardown: the client forgets the sandbox


def names(users) -> dict[str, str]:
    return {user["name"]: user.get("display_name", "") for user in users.users.values()}


def test_sync_creates_the_user_then_changes_nothing_then_follows_a_rename(vonage):
    bob = AgentFactory(vonage_user="agent-bob", display_name="Bob Okafor")

    first = agent_vonage_user_sync(agent=bob)
    assert first.action == "created" and first.user.id.startswith("USR-")
    bob.refresh_from_db()
    assert bob.vonage_user_id == first.user.id
    assert names(vonage) == {"agent-bob": "Bob Okafor"}

    again = agent_vonage_user_sync(agent=bob)
    assert (again.action, again.user.id) == ("unchanged", first.user.id)
    assert len(vonage.users) == 1

    Agent.objects.filter(pk=bob.pk).update(vonage_user="agent-robert", display_name="Robert")
    bob.refresh_from_db()
    renamed = agent_vonage_user_sync(agent=bob)
    assert (renamed.action, renamed.user.id) == ("updated", first.user.id)
    assert names(vonage) == {"agent-robert": "Robert"}


def test_an_existing_user_of_that_name_is_linked_not_duplicated(vonage):
    existing = get_client().users.create_user(User(name="agent-carol", display_name="Carol"))
    carol = AgentFactory(vonage_user="agent-carol", display_name="Carol")

    synced = agent_vonage_user_sync(agent=carol)

    assert (synced.action, synced.user.id) == ("linked", existing.id)
    assert len(vonage.users) == 1


def test_a_name_clash_is_a_clear_message_and_nothing_changes(vonage):
    bob = AgentFactory(vonage_user="agent-bob", display_name="Bob")
    agent_vonage_user_sync(agent=bob)
    get_client().users.create_user(User(name="agent-taken"))
    before = dict(vonage.users)
    Agent.objects.filter(pk=bob.pk).update(vonage_user="agent-taken")
    bob.refresh_from_db()

    with pytest.raises(VonageUserError) as refused:
        agent_vonage_user_sync(agent=bob)

    assert "'agent-taken' is taken by another user" in str(refused.value)
    assert names(vonage) == {"agent-bob": "Bob", "agent-taken": "agent-taken"}
    assert vonage.users == before
    linked = bob.vonage_user_id
    bob.refresh_from_db()
    assert bob.vonage_user_id == linked  # still the old user, not half-renamed


def test_a_user_linked_to_another_agent_is_refused(vonage):
    bob = AgentFactory(vonage_user="agent-bob")
    user_id = agent_vonage_user_sync(agent=bob).user.id
    # Bob's row was renamed outside the sync; a new agent now claims his old name.
    Agent.objects.filter(pk=bob.pk).update(vonage_user="agent-bob-old")
    twin = AgentFactory(vonage_user="agent-bob")

    with pytest.raises(VonageUserError, match="belongs to agent"):
        agent_vonage_user_sync(agent=twin)
    twin.refresh_from_db()
    assert twin.vonage_user_id == "" and len(vonage.users) == 1
    assert Agent.objects.get(pk=bob.pk).vonage_user_id == user_id


def test_the_command_syncs_every_agent_and_says_what_it_did(vonage):
    AgentFactory(vonage_user="agent-alice")
    AgentFactory(vonage_user="agent-bob")
    out = StringIO()

    call_command("vonage_users_sync", stdout=out)
    call_command("vonage_users_sync", "agent-bob", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "agent-alice: created",
        "agent-bob: created",
        "agent-bob: unchanged",
    ]
    assert set(names(vonage)) == {"agent-alice", "agent-bob"}


def test_the_command_fails_with_the_reasons(vonage):
    get_client().users.create_user(User(name="agent-taken"))
    alice = AgentFactory(vonage_user="agent-alice")
    agent_vonage_user_sync(agent=alice)
    Agent.objects.filter(pk=alice.pk).update(vonage_user="agent-taken")
    AgentFactory(vonage_user="agent-zoe")
    err = StringIO()

    with pytest.raises(CommandError, match="1 agent"):
        call_command("vonage_users_sync", stdout=StringIO(), stderr=err)
    assert "'agent-taken' is taken by another user" in err.getvalue()
    assert "agent-zoe" in names(vonage)  # the others were still synced

    with pytest.raises(CommandError, match="no agent has the Vonage user name agent-nobody"):
        call_command("vonage_users_sync", "agent-nobody")


def test_the_admin_action_syncs_the_chosen_agents(vonage, client):
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    bob = AgentFactory(vonage_user="agent-bob", display_name="Bob")

    page = client.post(
        "/admin/agents/agent/",
        {"action": "sync_vonage_users", "_selected_action": [bob.pk]},
        follow=True,
    )

    assert "Bob: Vonage user agent-bob created" in page.content.decode()
    bob.refresh_from_db()
    assert bob.vonage_user_id in vonage.users


def test_the_admin_action_says_when_vonage_is_not_configured(client, settings):
    from callcentre.vonage.client import reset_client

    settings.VONAGE_APPLICATION_ID = ""
    reset_client()
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    bob = AgentFactory(vonage_user="agent-bob")

    page = client.post(
        "/admin/agents/agent/",
        {"action": "sync_vonage_users", "_selected_action": [bob.pk]},
        follow=True,
    )

    assert "VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY must be set" in page.content.decode()
    bob.refresh_from_db()
    assert bob.vonage_user_id == ""
    reset_client()
