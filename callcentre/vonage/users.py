"""Vonage Users (the Client SDK users agents log in as) through the official SDK's Users API
client, and the JWT a user's Client SDK logs in with (CONTRACT §1, §9, §11).

The rest of the project sees VonageUser, UserNameTaken, ClientToken and VonageError; the
SDK's models and exceptions stay in here.
"""

import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from vonage_jwt import JwtClient
from vonage_users import ListUsersFilter, User

from callcentre.vonage.client import VonageClient, VonageError, load_private_key, vonage_errors

# What the desktop's Client SDK needs to log in and take calls, and nothing more (CONTRACT §1):
# sessions (log in), conversations (a call is a conversation: its members and events), legs
# (answer, reject, hang up, mute the agent's own leg), rtc (the WebRTC media of those legs).
# Not granted: users (manage users), knocking (start phone calls from the browser: click-to-call
# goes through the Voice API on the server), image/media, push/devices/applications.
CLIENT_SDK_PATHS = ("/*/sessions/**", "/*/conversations/**", "/*/legs/**", "/*/rtc/**")
CLIENT_SDK_ACL: dict[str, dict[str, dict]] = {"paths": {path: {} for path in CLIENT_SDK_PATHS}}
# Vonage's bounds on a token's lifetime (CONTRACT §1).
SHORTEST_TOKEN_SECONDS = 30
LONGEST_TOKEN_SECONDS = 24 * 3600


@dataclass(frozen=True)
class VonageUser:
    id: str
    name: str
    display_name: str


class UserNameTaken(VonageError):
    """Another Vonage user of the application already has this name."""


def _user(answer: User) -> VonageUser:
    return VonageUser(
        id=answer.id or "", name=answer.name or "", display_name=answer.display_name or ""
    )


def user_find(client: VonageClient, *, name: str) -> VonageUser | None:
    """The application's user called `name`, if there is one."""
    with vonage_errors():
        found, _ = client.users.list_users(ListUsersFilter(name=name, page_size=10))
    for summary in found:
        if summary.name == name and summary.id:
            return VonageUser(
                id=summary.id, name=summary.name, display_name=summary.display_name or ""
            )
    return None


def user_get(client: VonageClient, *, user_id: str) -> VonageUser | None:
    try:
        with vonage_errors():
            return _user(client.users.get_user(user_id))
    except VonageError as error:
        if error.status == 404:
            return None
        raise


def user_create(client: VonageClient, *, name: str, display_name: str) -> VonageUser:
    try:
        with vonage_errors():
            return _user(client.users.create_user(User(name=name, display_name=display_name)))
    except VonageError as error:
        if error.status == 409:
            raise UserNameTaken(status=409, reason=error.reason) from error
        raise


def user_update(client: VonageClient, *, user_id: str, name: str, display_name: str) -> VonageUser:
    try:
        with vonage_errors():
            answer = client.users.update_user(user_id, User(name=name, display_name=display_name))
    except VonageError as error:
        if error.status == 409:
            raise UserNameTaken(status=409, reason=error.reason) from error
        raise
    return _user(answer)


@dataclass(frozen=True)
class ClientToken:
    token: str
    jti: str
    issued_at: int
    expires_at: int


def client_sdk_token(*, user_name: str, lifetime_seconds: int) -> ClientToken:
    """An RS256 JWT for the Client SDK logged in as `user_name`: the application's claims
    (application_id, iat, jti, exp), `sub` and the ACL above, signed with its private key by
    the SDK's JWT tooling (vonage-jwt)."""
    if not settings.VONAGE_APPLICATION_ID or not settings.VONAGE_PRIVATE_KEY:
        raise ImproperlyConfigured(
            "VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY must be set to mint softphone tokens"
        )
    lifetime = max(SHORTEST_TOKEN_SECONDS, min(lifetime_seconds, LONGEST_TOKEN_SECONDS))
    issued_at = int(time.time())
    jti = str(uuid.uuid4())
    signer = JwtClient(
        settings.VONAGE_APPLICATION_ID, load_private_key(settings.VONAGE_PRIVATE_KEY)
    )
    token = signer.generate_application_jwt(
        {
            "sub": user_name,
            "acl": CLIENT_SDK_ACL,
            "iat": issued_at,
            "jti": jti,
            "exp": issued_at + lifetime,
        }
    )
    return ClientToken(
        token=token.decode(), jti=jti, issued_at=issued_at, expires_at=issued_at + lifetime
    )
