"""Signed Vonage webhooks, driven through a tiny DRF view like the real webhook views."""

import hashlib
import json
import logging
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from callcentre.models import SeenWebhookToken
from callcentre.tasks import prune_seen_webhook_tokens
from callcentre.vonage import signing
from callcentre.vonage.signing import (
    VONAGE_CALLER,
    VonageWebhookAuthentication,
    sign_webhook,
    warn_if_verification_disabled,
)

# The replay store is a table: every process sees it.
pytestmark = pytest.mark.django_db

SECRET = "signature-secret-for-the-signing-tests"
API_KEY = "testkey"
BODY = json.dumps({"uuid": "leg-1", "conversation_uuid": "CON-1", "status": "answered"}).encode()
DROP = object()


class EchoView(APIView):
    authentication_classes = [VonageWebhookAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        return Response({"data": request.data, "user": str(request.user), "claims": request.auth})

    def get(self, request: Request) -> Response:
        return Response({"query": request.query_params.dict(), "claims": request.auth})


echo_view = EchoView.as_view()
factory = APIRequestFactory()


@pytest.fixture(autouse=True)
def vonage_settings(settings):
    # Set here rather than read from callcentre.test_settings, so these tests pin their own.
    settings.VONAGE_SIGNATURE_SECRET = SECRET
    settings.VONAGE_API_KEY = API_KEY
    settings.VONAGE_VERIFY_SIGNATURES = True
    settings.VONAGE_SIGNATURE_MAX_AGE = 300


@pytest.fixture(autouse=True)
def fresh_replay_guard():
    guard = signing._replay_guard
    guard.reset()
    yield
    signing._replay_guard = guard
    guard.reset()


def post(body: bytes, authorization: str | None) -> Response:
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    request = factory.post("/webhooks/event", data=body, content_type="application/json", **headers)
    return echo_view(request)


def get(query: dict, authorization: str | None) -> Response:
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    return echo_view(factory.get("/webhooks/answer", data=query, **headers))


def token_with(body: bytes = BODY, secret: str = SECRET, **changes: object) -> str:
    """A Vonage-shaped token with some claims changed (DROP removes one)."""
    claims = {
        "iat": int(time.time()),
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        "api_key": API_KEY,
        "application_id": "app-1",
    }
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not DROP}
    return jwt.encode(claims, secret, algorithm="HS256")


def assert_refused(response: Response, reason: str) -> None:
    assert response.status_code == 401
    assert response.data == {"detail": reason}
    assert response["WWW-Authenticate"] == 'Bearer realm="vonage"'


def test_valid_post_passes_and_body_is_parsed():
    token = sign_webhook(body=BODY, secret=SECRET, api_key=API_KEY, application_id="app-1")

    response = post(BODY, f"Bearer {token}")

    assert response.status_code == 200
    assert response.data["data"] == {
        "uuid": "leg-1",
        "conversation_uuid": "CON-1",
        "status": "answered",
    }
    assert response.data["user"] == "vonage"
    assert response.data["claims"]["application_id"] == "app-1"
    assert response.data["claims"]["iss"] == "Vonage"


def test_valid_get_passes_without_relying_on_payload_hash():
    query = {"uuid": "leg-1", "conversation_uuid": "CON-1", "to": "447700900000"}
    with_other_hash = token_with(body=b"not the query string")
    without_hash = token_with(payload_hash=DROP)

    first = get(query, f"Bearer {with_other_hash}")
    second = get(query, f"Bearer {without_hash}")

    assert first.status_code == 200
    assert first.data["query"] == query
    assert second.status_code == 200


def test_missing_authorization_header_is_refused():
    assert_refused(post(BODY, None), "missing Authorization header")


@pytest.mark.parametrize("authorization", ["Basic dGVzdDp0ZXN0", "Bearer", "Bearer   ", "token"])
def test_authorization_that_is_not_bearer_is_refused(authorization):
    assert_refused(post(BODY, authorization), "Authorization header is not a Bearer token")


def test_token_signed_with_another_secret_is_refused():
    token = sign_webhook(
        body=BODY, secret="another-signature-secret-of-the-same-length", api_key=API_KEY
    )

    assert_refused(post(BODY, f"Bearer {token}"), "bad signature")


def test_unsigned_alg_none_token_is_refused():
    claims = jwt.decode(token_with(), options={"verify_signature": False})
    token = jwt.encode(claims, None, algorithm="none")

    assert_refused(post(BODY, f"Bearer {token}"), "algorithm not allowed")


def test_rs256_token_is_refused():
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    claims = jwt.decode(token_with(), options={"verify_signature": False})
    token = jwt.encode(claims, pem, algorithm="RS256")

    assert_refused(post(BODY, f"Bearer {token}"), "algorithm not allowed")


def test_garbage_token_is_refused():
    assert_refused(post(BODY, "Bearer not.a.jwt"), "malformed token")


def test_token_older_than_max_age_is_refused():
    token = token_with(iat=int(time.time()) - 301)

    assert_refused(post(BODY, f"Bearer {token}"), "token expired")


def test_token_within_max_age_passes():
    token = token_with(iat=int(time.time()) - 280)

    assert post(BODY, f"Bearer {token}").status_code == 200


def test_token_from_the_future_is_refused():
    token = token_with(iat=int(time.time()) + 120)

    assert_refused(post(BODY, f"Bearer {token}"), "token issued in the future")


def test_small_clock_skew_is_tolerated():
    token = token_with(iat=int(time.time()) + 30)

    assert post(BODY, f"Bearer {token}").status_code == 200


def test_token_without_jti_is_refused():
    assert_refused(post(BODY, f"Bearer {token_with(jti=DROP)}"), "token has no jti")


def test_token_without_iat_is_refused():
    assert_refused(post(BODY, f"Bearer {token_with(iat=DROP)}"), "token has no iat")


def test_tampered_body_is_refused():
    token = sign_webhook(body=BODY, secret=SECRET, api_key=API_KEY)
    tampered = BODY.replace(b"answered", b"completed")

    assert_refused(post(tampered, f"Bearer {token}"), "payload_hash does not match the body")


def test_post_token_without_payload_hash_is_refused():
    token = token_with(payload_hash=DROP)

    assert_refused(post(BODY, f"Bearer {token}"), "token has no payload_hash")


def test_token_for_another_account_is_refused():
    token = sign_webhook(body=BODY, secret=SECRET, api_key="otherkey")

    assert_refused(post(BODY, f"Bearer {token}"), "api_key does not match")


def test_api_key_is_not_checked_when_not_configured(settings):
    settings.VONAGE_API_KEY = ""
    token = sign_webhook(body=BODY, secret=SECRET, api_key="otherkey")

    assert post(BODY, f"Bearer {token}").status_code == 200


@pytest.mark.parametrize("claim", ["iss", "api_key"])
def test_token_without_a_claim_vonage_always_sends_is_refused(claim):
    assert_refused(post(BODY, f"Bearer {token_with(**{claim: DROP})}"), f"token has no {claim}")


def test_token_without_api_key_is_refused_even_when_none_is_configured(settings):
    settings.VONAGE_API_KEY = ""

    assert_refused(post(BODY, f"Bearer {token_with(api_key=DROP)}"), "token has no api_key")


def test_token_from_another_issuer_is_refused():
    assert_refused(post(BODY, f"Bearer {token_with(iss='Someone')}"), "iss is not Vonage")


def test_replayed_token_is_refused():
    authorization = f"Bearer {sign_webhook(body=BODY, secret=SECRET, api_key=API_KEY)}"

    first = post(BODY, authorization)
    second = post(BODY, authorization)

    assert first.status_code == 200
    assert_refused(second, "token replayed")


def test_missing_signature_secret_refuses_everything(settings):
    settings.VONAGE_SIGNATURE_SECRET = ""
    token = sign_webhook(body=BODY, secret=SECRET, api_key=API_KEY)

    assert_refused(post(BODY, f"Bearer {token}"), "signature secret not configured")


def test_disabled_verification_accepts_unsigned_and_warns_at_start_up(settings, caplog):
    settings.VONAGE_VERIFY_SIGNATURES = False

    with caplog.at_level(logging.WARNING, logger="callcentre.vonage.signing"):
        warn_if_verification_disabled()
    response = post(BODY, None)

    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert "VONAGE_VERIFY_SIGNATURES is off" in caplog.records[0].getMessage()
    assert response.status_code == 200
    assert response.data["data"]["uuid"] == "leg-1"
    assert response.data["claims"] == {}


def test_enabled_verification_logs_nothing_at_start_up(caplog):
    with caplog.at_level(logging.DEBUG, logger="callcentre.vonage.signing"):
        warn_if_verification_disabled()

    assert caplog.records == []


REDIS_DOWN = {
    "default": {
        "BACKEND": "callcentre.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def another_process() -> None:
    """What a replay sent to another gunicorn worker finds: nothing of this one's memory."""
    signing._replay_guard = signing._ReplayGuard()


def test_a_replay_to_another_process_during_a_redis_outage_is_refused(settings):
    settings.CACHES = REDIS_DOWN
    authorization = f"Bearer {sign_webhook(body=BODY, secret=SECRET, api_key=API_KEY)}"

    first = post(BODY, authorization)
    another_process()
    second = post(BODY, authorization)
    another_process()
    third = post(BODY, authorization)

    assert first.status_code == 200
    assert_refused(second, "token replayed")
    assert_refused(third, "token replayed")
    assert SeenWebhookToken.objects.count() == 1


def test_a_jti_is_remembered_as_its_hash_until_twice_the_max_age(settings):
    token = sign_webhook(body=BODY, secret=SECRET, api_key=API_KEY, jti="jti-1")

    before = timezone.now()
    post(BODY, f"Bearer {token}")

    seen = SeenWebhookToken.objects.get()
    assert seen.jti_hash == hashlib.sha256(b"jti-1").hexdigest()
    lifetime = (seen.expires_at - before).total_seconds()
    assert 600 <= lifetime < 602


def test_an_expired_jti_is_pruned():
    SeenWebhookToken.objects.create(jti_hash="a" * 64, expires_at=timezone.now())
    SeenWebhookToken.objects.create(jti_hash="b" * 64, expires_at=timezone.now() + timedelta(1))

    prune_seen_webhook_tokens()

    assert list(SeenWebhookToken.objects.values_list("jti_hash", flat=True)) == ["b" * 64]


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_the_cache_then_the_local_store_catch_replays(
    settings, caplog, database_down
):
    settings.CACHES = REDIS_DOWN
    authorization = f"Bearer {sign_webhook(body=BODY, secret=SECRET, api_key=API_KEY)}"

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="callcentre.vonage.signing"):
        first = post(BODY, authorization)
        second = post(BODY, authorization)
    elapsed = time.monotonic() - started

    assert first.status_code == 200
    assert_refused(second, "token replayed")
    assert elapsed < 2
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == "callcentre.vonage.signing"
    ]
    assert warnings[0].startswith("Database unavailable for webhook replay checks")
    assert warnings[1].startswith("Cache unavailable for webhook replay checks (ConnectionError")
    assert warnings[2:] == ["Refused Vonage webhook POST /webhooks/event: token replayed"]


def test_sign_webhook_builds_a_vonage_shaped_token():
    token = sign_webhook(
        body=b'{"a":1}',
        secret=SECRET,
        api_key=API_KEY,
        application_id="app-1",
        issued_at=1_700_000_000,
        jti="jti-1",
    )

    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    assert jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False}) == {
        "iat": 1_700_000_000,
        "jti": "jti-1",
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(b'{"a":1}').hexdigest(),
        "api_key": API_KEY,
        "application_id": "app-1",
    }


def test_vonage_caller_is_authenticated_but_not_staff():
    assert VONAGE_CALLER.is_authenticated is True
    assert VONAGE_CALLER.is_anonymous is False
    assert VONAGE_CALLER.is_staff is False
    assert VONAGE_CALLER.is_superuser is False
    assert VONAGE_CALLER.has_perm("conversations.view_call") is False
