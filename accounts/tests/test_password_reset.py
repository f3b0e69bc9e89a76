"""Password reset by email is offered only where email can be sent."""

import pytest
from django.core import mail

from agents.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/done/",
]


@pytest.fixture
def no_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""


@pytest.mark.parametrize("page", PAGES)
def test_without_email_the_reset_pages_say_it_is_not_available(client, no_email, page):
    response = client.get(page)

    assert response.status_code == 404
    assert "This centre has no email set up" in response.content.decode()


def test_without_email_a_reset_request_sends_nothing_and_says_so(client, no_email):
    UserFactory(username="bob", email="bob@example.com")

    response = client.post("/accounts/password_reset/", {"email": "bob@example.com"})

    assert response.status_code == 404
    assert "cannot send you a reset link" in response.content.decode()
    assert mail.outbox == []


def test_with_an_email_host_a_reset_link_is_sent(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="bob", email="bob@example.com")

    response = client.post("/accounts/password_reset/", {"email": "bob@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]
