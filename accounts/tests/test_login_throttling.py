"""Login throttling (django-axes): per user name and per address, on both login pages."""

import pytest
from django.test import Client

from agents.tests.factories import UserFactory
from compliance.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5


def log_in(path: str, username: str, password: str, address: str = "203.0.113.7") -> int:
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password})
    return response.status_code


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_after_five_wrong_passwords_even_the_right_one_is_refused(path):
    UserFactory(username="bob", is_staff=True)

    wrong = [log_in(path, "bob", "guess") for _ in range(5)]
    right = log_in(path, "bob", PASSWORD)

    assert wrong == [200, 200, 200, 200, 429]
    assert right == 429


def test_the_lockout_is_per_user_name_from_any_address():
    UserFactory(username="bob")
    for number in range(5):
        log_in("/accounts/login/", "bob", "guess", address=f"198.51.100.{number}")

    assert log_in("/accounts/login/", "bob", PASSWORD, address="192.0.2.99") == 429


def test_the_lockout_is_per_address_whatever_the_user_name():
    UserFactory(username="bob")
    for number in range(5):
        log_in("/accounts/login/", f"guess{number}", "guess", address="198.51.100.1")

    assert log_in("/accounts/login/", "bob", PASSWORD, address="198.51.100.1") == 429
    assert log_in("/accounts/login/", "bob", PASSWORD, address="198.51.100.2") == 302


def test_a_few_wrong_passwords_then_the_right_one_logs_in_and_clears_the_count():
    UserFactory(username="bob")

    wrong = [log_in("/accounts/login/", "bob", "guess") for _ in range(4)]
    right = log_in("/accounts/login/", "bob", PASSWORD)

    assert wrong == [200, 200, 200, 200]
    assert right == 302
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_a_lockout_is_in_the_audit_trail_once():
    bob = UserFactory(username="bob")
    for _ in range(8):
        log_in("/admin/login/", "bob", "guess")

    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.user, entry.username, entry.object_id, entry.where) == (
        "lockout",
        bob,
        "bob",
        "203.0.113.7",
        "/admin/login/",
    )
    assert str(entry) == "bob locked out from 203.0.113.7 (/admin/login/)"


def test_behind_the_proxy_the_address_is_the_one_it_forwards(settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    UserFactory(username="bob")
    for number in range(5):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="198.51.100.1").post(
            "/accounts/login/", {"username": f"guess{number}", "password": "guess"}
        )

    other_client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="198.51.100.2")
    response = other_client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})

    assert response.status_code == 302
    assert AuditEntry.objects.get().object_id == "198.51.100.1"
