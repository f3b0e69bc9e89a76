"""Fixtures shared by every app's tests."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from callcentre.vonage.signing import sign_webhook


@dataclass
class SignedVonage:
    """Sends webhooks the way Vonage does: HS256 JWT with payload_hash, iat and jti."""

    client: Client
    secret: str
    api_key: str

    def post(self, path: str, payload: dict, *, secret: str | None = None):
        body = json.dumps(payload).encode()
        token = sign_webhook(body=body, secret=secret or self.secret, api_key=self.api_key)
        return self.client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    def get(self, path: str, params: dict, *, secret: str | None = None):
        token = sign_webhook(body=b"", secret=secret or self.secret, api_key=self.api_key)
        return self.client.get(f"{path}?{urlencode(params)}", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture(autouse=True)
def fresh_menu_cache() -> Iterator[None]:
    """Each test starts without IVR menus cached by an earlier test (rolled back since)."""
    from routing.selectors import menu_cache

    menu_cache.clear()
    yield
    menu_cache.clear()


@pytest.fixture
def vonage(client: Client, settings) -> SignedVonage:
    return SignedVonage(
        client=client, secret=settings.VONAGE_SIGNATURE_SECRET, api_key=settings.VONAGE_API_KEY
    )


class DatabaseOutage:
    """Makes the real database unreachable: a closed port, or a path that cannot be opened."""

    def __init__(self) -> None:
        self.saved = dict(connection.settings_dict)
        self.is_down = False

    def start(self) -> None:
        connection.close()
        if connection.vendor == "postgresql":
            connection.settings_dict["HOST"] = "127.0.0.1"
            connection.settings_dict["PORT"] = "1"
        else:
            connection.settings_dict["NAME"] = "/nonexistent-directory/down.sqlite3"
        self.is_down = True

    def restore(self) -> None:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved)
        self.is_down = False


@pytest.fixture
def database_down(transactional_db) -> Iterator[DatabaseOutage]:
    outage = DatabaseOutage()
    outage.start()
    try:
        yield outage
    finally:
        outage.restore()


@pytest.fixture
def vonage_api(settings, tmp_path, monkeypatch):
    """Vonage's REST APIs on loopback, with the project's client pointed at them."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from callcentre.tests.fake_vonage import APPLICATION_ID, pkcs8_pem, running_fake_vonage
    from callcentre.vonage.client import reset_client

    with running_fake_vonage(tmp_path) as (fake, cert_path):
        fake.unique_call_uuids = True
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert_path)
        settings.VONAGE_API_HOST = settings.VONAGE_REST_HOST = fake.host
        settings.VONAGE_APPLICATION_ID = APPLICATION_ID
        settings.VONAGE_PRIVATE_KEY = pkcs8_pem(rsa.generate_private_key(65537, 2048))
        settings.VONAGE_NUMBERS = ["447700900000"]
        reset_client()
        yield fake
        reset_client()
