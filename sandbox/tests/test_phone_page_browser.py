"""A newcomer's first call, in a real browser: headless Chromium (Debian's chromium and
chromium-driver) opens the sandbox's phone page, calls the centre, reads the greeting and the
menu, presses 2, hears the queue, hangs up, and finds the call in the supervisor's admin.

Skipped, with the reason, where Chromium is not installed; CI installs it and sets
CHECK_BROWSER_REQUIRED=1, so there a missing browser fails instead.
"""

import pytest
from django.contrib.auth import get_user_model

from callcentre.tests.helpers import wait_until
from conversations.models import Conversation
from sandbox.tests.helpers import CALLER

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TIMEOUT = 20.0


def screen_text(browser) -> str:
    return browser.find_element("id", "screen").text


def test_before_any_call_the_phone_page_shows_no_call_panel(receiver, start_sandbox, browser):
    running = start_sandbox(receiver.url)

    browser.get(running.sandbox.control_url + "/")

    assert browser.find_element("css selector", "#dial-form button.call").is_displayed()
    for element_id in ("call", "screen", "keypad", "hangup"):
        assert not browser.find_element("id", element_id).is_displayed(), element_id


def test_a_newcomer_calls_the_centre_from_the_phone_page_and_finds_the_call_in_admin(
    project,
    settings,
    start_sandbox,
    browser,
):
    running = start_sandbox(
        project.url,
        signature_secret=settings.VONAGE_SIGNATURE_SECRET,
        api_key=settings.VONAGE_API_KEY,
        speed=10,
    )
    browser.get(running.sandbox.control_url + "/")
    assert browser.find_element("id", "caller").get_attribute("value") == CALLER

    browser.find_element("css selector", "#dial-form button.call").click()

    wait_until(
        lambda: "For billing and payments, press 2." in screen_text(browser), timeout=TIMEOUT
    )
    assert "Thank you for calling the contact centre." in screen_text(browser)
    browser.find_element("css selector", '#keypad button[data-key="2"]').click()
    wait_until(
        lambda: "Thank you. Connecting you to Billing. Please hold." in screen_text(browser),
        timeout=TIMEOUT,
    )
    assert "You pressed 2" in screen_text(browser)
    browser.find_element("id", "hangup").click()
    wait_until(
        lambda: browser.find_element("id", "call-status").get_attribute("data-ended") == "yes",
        timeout=TIMEOUT,
    )

    conversation = wait_until(
        lambda: Conversation.objects.filter(state=Conversation.State.ENDED).first(),
        timeout=TIMEOUT,
    )
    assert conversation.from_address == CALLER
    assert conversation.attributes["ivr"]["queue"] == "Billing"

    # The supervisor logs in to admin and finds the call.
    get_user_model().objects.create_user(
        username="sam", password="a-supervisor-password", is_staff=True, is_superuser=True
    )
    browser.get(project.url + "/admin/login/?next=/admin/conversations/conversation/")
    browser.find_element("id", "id_username").send_keys("sam")
    browser.find_element("id", "id_password").send_keys("a-supervisor-password")
    browser.find_element("css selector", "input[type=submit]").click()
    wait_until(lambda: "Select conversation to view" in browser.page_source, timeout=TIMEOUT)
    rows = browser.find_elements("css selector", "#result_list tbody tr")
    assert len(rows) == 1
    assert CALLER in rows[0].text
    assert "ended" in rows[0].text.lower()
