"""The sandbox's Users API (through the official SDK, with the JWT check of the rest of its
API) and its softphone sessions: a browser logged in as a user is invited to that user's app
legs, answers, hangs up, and the sandbox no longer answers those legs by a timer."""

import json
import time

import jwt
import pytest
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client import AuthenticationError, HttpRequestError, NotFoundError
from vonage_users import ListUsersFilter, User
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from callcentre.tests.helpers import wait_until
from sandbox.tests.helpers import APPLICATION_ID, CENTRE

pytestmark = pytest.mark.slow

ROOM = [{"action": "conversation", "name": "softphone-room"}]
SESSION_ACL = {"paths": {"/*/sessions/**": {}, "/*/legs/**": {}}}


@pytest.fixture
def sandbox(receiver, start_sandbox, monkeypatch):
    receiver.respond = lambda request: (204, None)
    running = start_sandbox(receiver.url, app_answer_delay=0.5)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.sandbox.certificate.bundle))
    return running


@pytest.fixture
def sdk(sandbox, private_key_pem):
    auth = Auth(application_id=APPLICATION_ID, private_key=private_key_pem)
    return Vonage(auth, HttpClientOptions(api_host=sandbox.config.api_host))


def user_token(private_key_pem: str, *, sub: str | None = "agent-bob", **claims) -> str:
    now = int(time.time())
    payload = {"application_id": APPLICATION_ID, "iat": now, "jti": str(now), "exp": now + 60}
    payload |= {"sub": sub, "acl": SESSION_ACL} if sub else {"acl": SESSION_ACL}
    payload |= claims
    return jwt.encode(payload, private_key_pem, algorithm="RS256")


def session_url(sandbox, token: str) -> str:
    return f"ws://127.0.0.1:{sandbox.config.control_port}/v1/client/session?token={token}"


def frames_until(socket, kind: str, *, timeout: float = 10.0) -> list[dict]:
    """Frames received up to and including the first of `kind`."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(socket.recv(timeout=deadline - time.monotonic()))
        seen.append(frame)
        if frame["type"] == kind:
            return seen
    raise AssertionError(f"no {kind} frame; got {seen}")


def refused_reason(sandbox, token: str) -> tuple[int, str]:
    with connect(session_url(sandbox, token)) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_users_api_create_list_get_update_delete_through_the_sdk(sdk, sandbox):
    created = sdk.users.create_user(User(name="agent-bob", display_name="Bob Okafor"))
    assert created.id.startswith("USR-") and created.name == "agent-bob"
    assert created.link == f"{sandbox.config.api_base}/v1/users/{created.id}"

    found, cursor = sdk.users.list_users(ListUsersFilter(name="agent-bob"))
    assert [(user.id, user.name) for user in found] == [(created.id, "agent-bob")]
    assert cursor is None
    assert sdk.users.list_users(ListUsersFilter(name="agent-nobody"))[0] == []

    updated = sdk.users.update_user(created.id, User(display_name="Robert Okafor"))
    assert updated.display_name == "Robert Okafor" and updated.name == "agent-bob"
    assert sdk.users.get_user(created.id).display_name == "Robert Okafor"

    sdk.users.delete_user(created.id)
    with pytest.raises(NotFoundError):
        sdk.users.get_user(created.id)


def test_a_second_user_of_the_same_name_is_a_409_and_changes_nothing(sdk, sandbox):
    first = sdk.users.create_user(User(name="agent-carol"))
    with pytest.raises(HttpRequestError) as refused:
        sdk.users.create_user(User(name="agent-carol", display_name="Another Carol"))
    assert refused.value.response.status_code == 409
    assert refused.value.response.json()["code"] == "user:error:duplicate-name"
    found, _ = sdk.users.list_users(ListUsersFilter(name="agent-carol"))
    assert [user.id for user in found] == [first.id]
    assert sdk.users.get_user(first.id).display_name == "agent-carol"


def test_users_api_wants_the_application_jwt(sandbox, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other_key = (
        rsa.generate_private_key(65537, 2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    stranger = Vonage(
        Auth(application_id=APPLICATION_ID, private_key=other_key),
        HttpClientOptions(api_host=sandbox.config.api_host),
    )
    with pytest.raises(AuthenticationError):
        stranger.users.create_user(User(name="agent-eve"))
    assert sandbox.sandbox.users.users == {}


def test_users_outlive_a_restart_of_the_sandbox(sdk, sandbox):
    from sandbox.users import UserStore

    created = sdk.users.create_user(User(name="agent-dave"))
    reloaded = UserStore.load(sandbox.config.directory / "users.json", api_base="https://x")
    assert reloaded.by_name("agent-dave")["id"] == created.id


def test_a_session_is_refused_plainly_without_a_good_token(sdk, sandbox, private_key_pem):
    sdk.users.create_user(User(name="agent-bob"))
    code, reason = refused_reason(sandbox, user_token(private_key_pem, sub="agent-nobody"))
    assert code == 4401 and "agent-nobody" in reason and "does not exist" in reason
    code, reason = refused_reason(sandbox, user_token(private_key_pem, sub=None))
    assert code == 4401 and "sub" in reason
    no_sessions = user_token(private_key_pem, acl={"paths": {"/*/legs/**": {}}})
    code, reason = refused_reason(sandbox, no_sessions)
    assert code == 4401 and "/*/sessions/**" in reason
    expired = user_token(private_key_pem, iat=int(time.time()) - 120, exp=int(time.time()) - 60)
    code, reason = refused_reason(sandbox, expired)
    assert code == 4401 and "Expired" in reason
    assert not sandbox.sandbox.platform.softphones.has_session("agent-bob")


def test_the_browser_is_invited_answers_and_hangs_up_and_no_timer_answers(
    sdk, sandbox, private_key_pem, receiver
):
    sdk.users.create_user(User(name="agent-bob"))
    with connect(session_url(sandbox, user_token(private_key_pem))) as socket:
        hello = frames_until(socket, "session:success")[-1]
        assert hello["user"] == "agent-bob"
        leg = sandbox.sandbox.run(_create_app_leg(sandbox))
        invite = frames_until(socket, "callInvite")[-1]
        assert invite == {
            "type": "callInvite",
            "call_id": leg,
            "from": CENTRE,
            "channel_type": "phone",
        }
        # app_answer_delay is 0.5 s of call time: with a browser logged in it does not apply.
        time.sleep(1.0)
        assert sandbox.control.call(leg)["status"] == "ringing"

        socket.send(json.dumps({"type": "answer", "call_id": leg}))
        statuses = frames_until(socket, "legStatusUpdate")
        while statuses[-1]["status"] != "answered":
            statuses = frames_until(socket, "legStatusUpdate")
        assert sandbox.control.call(leg)["status"] == "answered"
        receiver.wait_for(
            lambda r: r.payload.get("uuid") == leg and r.payload.get("status") == "answered"
        )

        socket.send(json.dumps({"type": "mute", "call_id": leg, "muted": True}))
        assert frames_until(socket, "mute")[-1] == {"type": "mute", "call_id": leg, "muted": True}

        socket.send(json.dumps({"type": "hangup", "call_id": leg}))
        hangup = frames_until(socket, "callHangup")[-1]
        assert hangup == {"type": "callHangup", "call_id": leg, "reason": "LOCAL_HANGUP"}
        wait_until(lambda: sandbox.control.call(leg)["status"] == "completed")

        socket.send(json.dumps({"type": "answer", "call_id": "no-such-call"}))
        assert "no call no-such-call" in frames_until(socket, "error")[-1]["reason"]


def test_a_rejected_invite_and_the_timer_again_once_the_browser_is_gone(
    sdk, sandbox, private_key_pem
):
    sdk.users.create_user(User(name="agent-bob"))
    with connect(session_url(sandbox, user_token(private_key_pem))) as socket:
        frames_until(socket, "session:success")
        leg = sandbox.sandbox.run(_create_app_leg(sandbox))
        frames_until(socket, "callInvite")
        socket.send(json.dumps({"type": "reject", "call_id": leg}))
        cancel = frames_until(socket, "callInviteCancel")[-1]
        assert cancel == {"type": "callInviteCancel", "call_id": leg, "reason": "RejectedElsewhere"}
        wait_until(lambda: sandbox.control.call(leg)["status"] == "rejected")
    wait_until(lambda: not sandbox.sandbox.platform.softphones.has_session("agent-bob"))
    leg = sandbox.sandbox.run(_create_app_leg(sandbox))
    wait_until(lambda: sandbox.control.call(leg)["status"] == "answered")


def test_an_unrefreshed_session_ends_when_its_token_does(sdk, sandbox, private_key_pem):
    sdk.users.create_user(User(name="agent-bob"))
    first_expiry = int(time.time()) + 2
    with connect(session_url(sandbox, user_token(private_key_pem, exp=first_expiry))) as socket:
        frames_until(socket, "session:success")
        renewed_expiry = first_expiry + 3
        fresh = user_token(private_key_pem, exp=renewed_expiry)
        socket.send(json.dumps({"type": "refresh", "token": fresh}))
        assert frames_until(socket, "session:refreshed")[-1]["expires_at"] == renewed_expiry
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=15)
    # It outlived its first token, and ended with the one it was renewed with.
    assert time.time() >= renewed_expiry
    assert closed.value.rcvd.code == 4401
    assert closed.value.rcvd.reason == "the session's token expired"


async def _create_app_leg(sandbox) -> str:
    leg = sandbox.sandbox.platform.create_call(
        to={"type": "app", "user": "agent-bob"},
        from_endpoint={"type": "phone", "number": CENTRE},
        ncco=ROOM,
        answer_url=None,
        answer_method="GET",
        event_url=None,
        event_method="POST",
        ringing_timer=60,
        length_timer=7200,
        machine=None,
    )
    return leg.uuid
