"""The desktop page and the login in front of it (the live part: test_desktop_browser.py)."""

import pytest

from agents.tests.factories import UserFactory
from routing.tests.factories import available_agent

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's


def test_the_desktop_asks_for_a_login_first(client):
    response = client.get("/desktop/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/desktop/"


def test_an_agent_logs_in_and_lands_on_their_desktop(client):
    bob = available_agent("Bob", skills={}, status="away")

    login = client.post(
        "/accounts/login/", {"username": bob.user.username, "password": PASSWORD}, follow=True
    )

    assert [url for url, _ in login.redirect_chain] == ["/", "/desktop/"]
    page = login.content.decode()
    assert "<h1>Bob</h1>" in page
    assert 'data-socket="/ws/agent/"' in page
    assert 'data-status="available"' in page and 'data-status="offline"' in page
    # The presence the agent has now is the pressed button.
    assert 'data-status="away" aria-pressed="true"' in page


def test_a_wrong_password_is_a_form_error_and_logs_nobody_in(client):
    bob = available_agent("Bob", skills={}, status="away")

    response = client.post("/accounts/login/", {"username": bob.user.username, "password": "x"})

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert client.get("/desktop/").status_code == 302


def test_a_supervisor_lands_in_the_admin(client):
    UserFactory(username="sam", is_staff=True, is_superuser=True)

    login = client.post("/accounts/login/", {"username": "sam", "password": PASSWORD}, follow=True)

    assert login.redirect_chain[-1][0] == "/admin/"


def test_a_user_who_is_not_an_agent_gets_a_403_page_that_says_why(client):
    client.force_login(UserFactory(username="sam", is_staff=True))

    response = client.get("/desktop/")

    assert response.status_code == 403
    assert "sam is not set up as an agent" in response.content.decode()


def test_logging_out_takes_the_desktop_away(client):
    bob = available_agent("Bob", skills={}, status="away")
    client.force_login(bob.user)

    logout = client.post("/accounts/logout/")

    assert logout["Location"] == "/accounts/login/"
    assert client.get("/desktop/").status_code == 302
