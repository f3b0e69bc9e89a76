"""API tokens: only a hash is stored, the key is shown once, and `Token <key>` still works."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import ApiToken
from accounts.services import api_token_create
from agents.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_as_its_hash_only():
    sam = UserFactory(username="sam", is_staff=True)

    token, key = api_token_create(user=sam, name="wallboard script")

    stored = ApiToken.objects.values().get(pk=token.pk)
    assert len(key) == 40
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert stored["prefix"] == key[:8]
    assert key not in str(stored.values())


def test_the_supervisor_api_takes_a_token(client):
    sam = UserFactory(username="sam", is_staff=True)
    _, key = api_token_create(user=sam)

    response = client.get("/api/conversations/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200


def test_a_wrong_or_hashed_key_is_refused(client):
    sam = UserFactory(username="sam", is_staff=True)
    token, key = api_token_create(user=sam)

    wrong = client.get("/api/conversations/", HTTP_AUTHORIZATION=f"Token {key[:-1]}x")
    its_hash = client.get("/api/conversations/", HTTP_AUTHORIZATION=f"Token {token.key_hash}")

    # 403, not 401: DRF answers with its first authentication class's, the session's.
    assert wrong.status_code == 403
    assert wrong.json() == {"detail": "Invalid token."}
    assert its_hash.status_code == 403


def test_an_inactive_users_token_is_refused(client):
    sam = UserFactory(username="sam", is_staff=True, is_active=False)
    _, key = api_token_create(user=sam)

    response = client.get("/api/conversations/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 403
    assert response.json() == {"detail": "User inactive or deleted."}


def test_the_admin_shows_a_new_key_once_and_never_lists_it(admin_client):
    bob = UserFactory(username="bob")

    created = admin_client.post(
        "/admin/accounts/apitoken/add/", {"user": bob.pk, "name": "load test"}
    )

    token = ApiToken.objects.get()
    key = created.context["key"]
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    assert f'<code id="api-token-key">{key}</code>' in created.content.decode()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert (token.user, token.name) == (bob, "load test")
    listing = admin_client.get("/admin/accounts/apitoken/").content.decode()
    detail = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in listing
    assert key not in listing
    assert key not in detail
    assert token.key_hash not in listing


@pytest.mark.django_db(transaction=True)
def test_existing_plaintext_tokens_are_migrated_to_hashes_and_keep_working(client):
    sam = UserFactory(username="sam", is_staff=True)
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token "
            f"({quote('key')} varchar(40) PRIMARY KEY, user_id integer, created timestamp)"
        )
        cursor.execute(
            f"INSERT INTO authtoken_token ({quote('key')}, user_id, created) "
            "VALUES (%s, %s, '2026-01-02 03:04:05')",
            ["0123456789abcdef0123456789abcdef01234567", sam.pk],
        )

    MigrationExecutor(connection).migrate([("accounts", "0002_hash_existing_tokens")])

    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get()
    assert (token.user, token.prefix, token.name) == (sam, "01234567", "DRF token (migrated)")
    response = client.get(
        "/api/conversations/",
        HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567",
    )
    assert response.status_code == 200
