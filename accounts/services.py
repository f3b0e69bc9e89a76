"""Writes for accounts: API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import User

from accounts.models import ApiToken

KEY_BYTES = 20  # 40 hex characters, as DRF's own tokens


def api_token_hash(key: str) -> str:
    """SHA-256 of the key. A fast hash is enough: a key is 160 random bits, not a password,
    so it cannot be guessed from its hash however many guesses a second one can try."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`, and its key: the only time the key is known."""
    key = secrets.token_hex(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=api_token_hash(key), prefix=key[:8]
    )
    return token, key
