"""REST authentication as Vonage does it (CONTRACT §1), and Vonage's error bodies (§5, §7).

Voice takes only `Authorization: Bearer <application JWT>`: RS256, signed with the
application's private key (checked here with the public key derived from it), claims
`application_id`, `iat` and `jti` required, `nbf`/`exp` honoured (exp defaults to iat + 15 min).
Messages also takes Basic `base64(api_key:api_secret)`.
"""

import base64
import binascii
import hmac
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

DEFAULT_LIFETIME_SECONDS = 15 * 60
CLOCK_SKEW_SECONDS = 30
ERRORS_BASE = "https://developer.nexmo.com/api-errors"


class Unauthorized(Exception):
    """The request's credentials were refused; `detail` says why (logged, not sent)."""


def public_key_from_private(private_key_pem: str) -> RSAPublicKey:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    public_key = key.public_key()
    if not isinstance(public_key, RSAPublicKey):
        raise ValueError("the application key must be an RSA key")
    return public_key


class Authenticator:
    def __init__(
        self, *, application_id: str, private_key: str, api_key: str, api_secret: str
    ) -> None:
        self.application_id = application_id
        self._public_key = public_key_from_private(private_key)
        self._api_key = api_key
        self._api_secret = api_secret

    def check_jwt(self, authorization: str | None) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("no Bearer token")
        try:
            claims = jwt.decode(
                token.strip(),
                self._public_key,
                algorithms=["RS256"],
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["application_id", "iat", "jti"], "verify_iat": False},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthorized(f"{type(error).__name__}: {error}") from None
        if claims["application_id"] != self.application_id:
            raise Unauthorized("application_id is not this application")
        issued_at = claims["iat"]
        if not isinstance(issued_at, int | float) or issued_at > time.time() + CLOCK_SKEW_SECONDS:
            raise Unauthorized("iat is not a past time")
        if "exp" not in claims and time.time() > issued_at + DEFAULT_LIFETIME_SECONDS:
            raise Unauthorized("token older than the default 15 minute lifetime")
        return claims

    @property
    def api_key(self) -> str:
        return self._api_key

    def check_jwt_or_basic(self, authorization: str | None) -> None:
        scheme = (authorization or "").partition(" ")[0]
        if scheme.lower() != "basic":
            self.check_jwt(authorization)
            return
        self.check_basic(authorization)

    def check_basic(self, authorization: str | None) -> None:
        """Basic auth with the account's api_key and api_secret (Messages, Reports)."""
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            raise Unauthorized("no Basic credentials")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("malformed Basic credentials") from None
        key, _, secret = decoded.partition(":")
        expected = f"{self._api_key}:{self._api_secret}"
        if not self._api_secret or not hmac.compare_digest(f"{key}:{secret}", expected):
            raise Unauthorized("wrong api_key or api_secret")


def error_body(status: int, *, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    """RFC 7807 bodies as the Voice and Messages APIs send them."""
    kinds = {
        400: ("bad-request", "Bad Request", "The request could not be understood."),
        401: ("unauthorized", "Unauthorized", "You did not provide correct credentials."),
        404: ("not-found", "Not Found", "The requested resource does not exist."),
        405: ("method-not-allowed", "Method Not Allowed", "This method is not supported."),
        422: (
            "invalid-parameters",
            "Invalid parameters",
            "The value of one or more parameters is invalid.",
        ),
    }
    anchor, title, default_detail = kinds[status]
    return {
        "type": f"{ERRORS_BASE}#{anchor}",
        "title": title,
        "detail": detail or default_detail,
        "instance": str(uuid.uuid4()),
        **extra,
    }
