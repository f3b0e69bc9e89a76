"""Agents as Vonage Users, and the token their desktop's softphone logs in with
(docs/softphone.md).

`agent_vonage_user_sync` makes the agent's Vonage user match the agent (name
`Agent.vonage_user`, display name `Agent.display_name`): found by its stored id, else by name,
else created; renamed when the agent's user name changed. It is idempotent, and the agent's
row only changes (its `vonage_user_id`) once Vonage has the user: a refusal leaves nothing
half-made. The admin action and `manage.py vonage_users_sync` call it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User

from agents.models import Agent
from callcentre.errors import DomainError
from callcentre.vonage.client import VonageError, get_client
from callcentre.vonage.users import (
    ClientToken,
    UserNameTaken,
    VonageUser,
    client_sdk_token,
    user_create,
    user_find,
    user_get,
    user_update,
)
from compliance.services import audit_token_issued


class VonageUserError(DomainError):
    """The agent's Vonage user could not be made to match (a name clash, or Vonage refused)."""


@dataclass(frozen=True)
class UserSync:
    agent: Agent
    user: VonageUser
    action: str  # "created", "updated", "linked" (found by name) or "unchanged"


def _refused(agent: Agent, error: VonageError) -> VonageUserError:
    if isinstance(error, UserNameTaken):
        return VonageUserError(
            f"{agent}: the Vonage user name {agent.vonage_user!r} is taken by another user of "
            "the application; choose another name for this agent"
        )
    return VonageUserError(f"{agent}: Vonage refused the Users API request ({error})")


def agent_vonage_user_sync(*, agent: Agent) -> UserSync:
    client = get_client()
    try:
        user = user_get(client, user_id=agent.vonage_user_id) if agent.vonage_user_id else None
        action = "unchanged"
        if user is None:
            user = user_find(client, name=agent.vonage_user)
            action = "linked"
            if user is not None:
                holder = Agent.objects.filter(vonage_user_id=user.id).exclude(pk=agent.pk).first()
                if holder is not None:
                    raise VonageUserError(
                        f"{agent}: the Vonage user {agent.vonage_user!r} ({user.id}) belongs to "
                        f"agent {holder}; give one of them another user name"
                    )
        if user is None:
            user = user_create(client, name=agent.vonage_user, display_name=agent.display_name)
            action = "created"
        elif user.name != agent.vonage_user or user.display_name != agent.display_name:
            user = user_update(
                client, user_id=user.id, name=agent.vonage_user, display_name=agent.display_name
            )
            action = "updated"
    except VonageError as error:
        raise _refused(agent, error) from error
    if agent.vonage_user_id != user.id:
        Agent.objects.filter(pk=agent.pk).update(vonage_user_id=user.id)
        agent.vonage_user_id = user.id
        if action == "unchanged":
            action = "linked"
    return UserSync(agent=agent, user=user, action=action)


def agent_softphone_token(*, agent: Agent, user: User) -> ClientToken:
    """A Client SDK token for the agent's own Vonage user (made first if it never was),
    recorded in the audit trail."""
    if not agent.vonage_user_id:
        agent_vonage_user_sync(agent=agent)
    issued = client_sdk_token(
        user_name=agent.vonage_user, lifetime_seconds=settings.SOFTPHONE_TOKEN_SECONDS
    )
    audit_token_issued(user=user, jti=issued.jti, where="softphone")
    return issued
