"""Signed Vonage webhooks (CONTRACT §6a): verify the HS256 JWT Vonage sends, and make one.

Vonage signs Voice, Messages and RTC callbacks with the account signature secret. A token is
accepted only if its signature is good, it is fresh, it covers the body we received, it was
issued by Vonage (`iss`) for our account (`api_key`), and its `jti` has not been seen before.
Vonage sends every one of these claims (CONTRACT §6a), so a token without one is refused.
"""

import hashlib
import hmac
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

import jwt
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import Error as DatabaseError
from django.http import HttpRequest
from django.http.request import RawPostDataException
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from callcentre import deadline
from callcentre.db import seen_token_add

logger = logging.getLogger(__name__)

ISSUER = "Vonage"
# Vonage's clocks and ours may disagree a little; a token from further ahead is refused.
CLOCK_SKEW_SECONDS = 60
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
LOCAL_JTI_CAPACITY = 100_000
# After a cache error, stay on the local store this long so every webhook during a Redis
# outage does not pay a connect timeout.
CACHE_RETRY_AFTER_SECONDS = 10.0
WARNING_INTERVAL_SECONDS = 60.0


class SignatureError(Exception):
    """A webhook signature was refused; `reason` is short and safe to send back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_webhook(
    *, authorization: str | None, body: bytes, method: str, body_sha256: str | None = None
) -> dict:
    """Return the claims of a valid Vonage webhook token, or raise SignatureError.

    `body_sha256`: the body's hash, for a body too large to hold (then `body` is b"").
    """
    secret = settings.VONAGE_SIGNATURE_SECRET
    if not secret:
        raise SignatureError("signature secret not configured")
    claims = _decode(_bearer_token(authorization), secret=secret)
    _check_issued_at(claims["iat"], max_age=settings.VONAGE_SIGNATURE_MAX_AGE)
    if claims["iss"] != ISSUER:
        raise SignatureError("iss is not Vonage")
    # GET answer webhooks have no body and the contract leaves their payload_hash undefined.
    if method.upper() in METHODS_WITH_BODY:
        _check_payload_hash(
            claims.get("payload_hash"),
            body_sha256=body_sha256 or hashlib.sha256(body).hexdigest(),
        )
    api_key = settings.VONAGE_API_KEY
    # Unset only in development (`check --deploy` requires it): any account's key then passes.
    if api_key and claims["api_key"] != api_key:
        raise SignatureError("api_key does not match")
    # Last, so that tokens failing another check do not fill the replay store.
    if not _replay_guard.first_sighting(claims["jti"], ttl=2 * settings.VONAGE_SIGNATURE_MAX_AGE):
        raise SignatureError("token replayed")
    return claims


def sign_webhook(
    *,
    body: bytes,
    secret: str,
    api_key: str,
    application_id: str | None = None,
    issued_at: int | None = None,
    jti: str | None = None,
) -> str:
    """Sign a webhook the way Vonage does; for tests and the local Vonage sandbox."""
    claims: dict[str, Any] = {
        "iat": int(time.time()) if issued_at is None else issued_at,
        "jti": jti or str(uuid.uuid4()),
        "iss": ISSUER,
        "payload_hash": hashlib.sha256(body).hexdigest(),
        "api_key": api_key,
    }
    if application_id is not None:
        claims["application_id"] = application_id
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT"})


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise SignatureError("missing Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignatureError("Authorization header is not a Bearer token")
    return token.strip()


def _decode(token: str, *, secret: str) -> dict:
    try:
        # Only HS256: a token claiming alg "none" or RS256 is refused before any key is used.
        return jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            leeway=CLOCK_SKEW_SECONDS,
            # iat is checked by _check_issued_at, which also bounds its age.
            options={"require": ["iat", "jti", "iss", "api_key"], "verify_iat": False},
        )
    except jwt.InvalidAlgorithmError:
        raise SignatureError("algorithm not allowed") from None
    except jwt.InvalidSignatureError:
        raise SignatureError("bad signature") from None
    except jwt.ExpiredSignatureError:
        raise SignatureError("token expired") from None
    except jwt.ImmatureSignatureError:
        raise SignatureError("token not yet valid") from None
    except jwt.MissingRequiredClaimError as error:
        raise SignatureError(f"token has no {error.claim}") from None
    except jwt.exceptions.InvalidJTIError:
        raise SignatureError("jti is not a string") from None
    except jwt.InvalidTokenError:
        raise SignatureError("malformed token") from None


def _check_issued_at(issued_at: Any, *, max_age: int) -> None:
    if isinstance(issued_at, bool) or not isinstance(issued_at, int | float):
        raise SignatureError("iat is not a number")
    if not math.isfinite(issued_at):
        raise SignatureError("iat is not a number")
    age = time.time() - issued_at
    if age > max_age:
        raise SignatureError("token expired")
    if age < -CLOCK_SKEW_SECONDS:
        raise SignatureError("token issued in the future")


def _check_payload_hash(payload_hash: Any, *, body_sha256: str) -> None:
    if payload_hash is None:
        raise SignatureError("token has no payload_hash")
    expected = body_sha256.encode()
    # Encoded first: compare_digest raises TypeError on non-ASCII str.
    received = str(payload_hash).lower().encode()
    if not hmac.compare_digest(expected, received):
        raise SignatureError("payload_hash does not match the body")


class _LocalJtiStore:
    """Seen jti keys with an expiry, bounded so a flood cannot exhaust memory."""

    def __init__(self, *, capacity: int) -> None:
        self._capacity = capacity
        self._expiries: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str, *, ttl: float) -> bool:
        """Remember key; False when it is already remembered and unexpired."""
        now = time.monotonic()
        with self._lock:
            self._drop_expired(now)
            if self._expiries.get(key, 0.0) > now:
                return False
            self._expiries[key] = now + ttl
            self._expiries.move_to_end(key)
            while len(self._expiries) > self._capacity:
                self._expiries.popitem(last=False)
            return True

    def contains(self, key: str) -> bool:
        with self._lock:
            return self._expiries.get(key, 0.0) > time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._expiries.clear()

    def _drop_expired(self, now: float) -> None:
        while self._expiries:
            key, expiry = next(iter(self._expiries.items()))
            if expiry > now:
                return
            del self._expiries[key]


class _ReplayGuard:
    """The database first: every process sees each jti, with Redis up or down. When the
    database fails (the webhook will then spool its payload), the shared cache; when that
    fails too, a process-local store."""

    def __init__(self) -> None:
        self._local = _LocalJtiStore(capacity=LOCAL_JTI_CAPACITY)
        self._cache_retry_at = 0.0
        self._last_warning_at = -WARNING_INTERVAL_SECONDS
        self._last_database_warning_at = -WARNING_INTERVAL_SECONDS

    def first_sighting(self, jti: str, *, ttl: int) -> bool:
        digest = hashlib.sha256(jti.encode()).hexdigest()
        if not deadline.database_given_up():
            try:
                return seen_token_add(jti_hash=digest, ttl_seconds=ttl)
            except DatabaseError as error:
                # The webhook's own transaction will not wait for the database again.
                deadline.database_failed()
                self._database_failed(error)
        return self._cache_or_local("vonage:webhook-jti:" + digest, ttl=ttl)

    def _cache_or_local(self, key: str, *, ttl: int) -> bool:
        if time.monotonic() < self._cache_retry_at:
            return self._local.add(key, ttl=ttl)
        try:
            added = cache.add(key, 1, timeout=ttl)
        except Exception as error:  # any backend failure: the webhook must still be answered
            self._cache_failed(error)
            return self._local.add(key, ttl=ttl)
        # A jti first seen here during an outage is only in the local store.
        return added and not self._local.contains(key)

    def reset(self) -> None:
        self._local.clear()
        self._cache_retry_at = 0.0
        self._last_warning_at = -WARNING_INTERVAL_SECONDS
        self._last_database_warning_at = -WARNING_INTERVAL_SECONDS

    def _database_failed(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_database_warning_at >= WARNING_INTERVAL_SECONDS:
            self._last_database_warning_at = now
            logger.warning(
                "Database unavailable for webhook replay checks (%s: %s); using the cache",
                type(error).__name__,
                error,
            )

    def _cache_failed(self, error: Exception) -> None:
        now = time.monotonic()
        self._cache_retry_at = now + CACHE_RETRY_AFTER_SECONDS
        if now - self._last_warning_at >= WARNING_INTERVAL_SECONDS:
            self._last_warning_at = now
            logger.warning(
                "Cache unavailable for webhook replay checks (%s: %s); using a process-local "
                "store, so a replay sent to another process would not be caught",
                type(error).__name__,
                error,
            )


_replay_guard = _ReplayGuard()


class VonageCaller:
    """The user DRF sees for a verified Vonage webhook: authenticated, never staff."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    username = "vonage"

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def __str__(self) -> str:
        return "vonage"


VONAGE_CALLER = VonageCaller()


def streamed_sha256(request: HttpRequest, *, chunk_size: int = 64 * 1024) -> str:
    digest = hashlib.sha256()
    while chunk := request.read(chunk_size):
        digest.update(chunk)
    return digest.hexdigest()


class VonageWebhookAuthentication(BaseAuthentication):
    """DRF authentication for Vonage webhooks; authenticates as VONAGE_CALLER with the claims."""

    def authenticate(self, request: Request) -> tuple[VonageCaller, dict]:
        if not settings.VONAGE_VERIFY_SIGNATURES:
            return VONAGE_CALLER, {}
        body_sha256 = None
        try:
            # HttpRequest.body keeps a copy and re-arms the stream, so DRF can parse it later.
            body = request._request.body
        except RawPostDataException:
            raise AuthenticationFailed("request body was read before verification") from None
        except RequestDataTooBig:
            # Over DATA_UPLOAD_MAX_MEMORY_SIZE: never a Vonage payload, and never parsed, but
            # its signature is still checked (the hash read in chunks), so that the answer
            # webhook can tell a signed one, which it still answers (webhooks.views).
            body, body_sha256 = b"", streamed_sha256(request._request)
        try:
            claims = verify_webhook(
                authorization=request.META.get("HTTP_AUTHORIZATION"),
                body=body,
                # A request without a method (none Django builds) counts as one with a body,
                # so its payload hash is checked.
                method=request.method or "POST",
                body_sha256=body_sha256,
            )
        except SignatureError as error:
            logger.warning(
                "Refused Vonage webhook %s %s: %s", request.method, request.path, error.reason
            )
            raise AuthenticationFailed(error.reason) from None
        return VONAGE_CALLER, claims

    def authenticate_header(self, request: Request) -> str:
        # Any value here makes DRF answer 401 (not 403) to a refused webhook.
        return 'Bearer realm="vonage"'


def warn_if_verification_disabled() -> None:
    """Called at start-up so that running without signature checks is never silent."""
    if not settings.VONAGE_VERIFY_SIGNATURES:
        logger.warning(
            "VONAGE_VERIFY_SIGNATURES is off: Vonage webhooks are accepted without checking "
            "their signatures, so anyone who can reach them can fake call events"
        )
