"""The voicemail inbox in a real browser: headless Chromium on the ASGI server with the
Vonage sandbox. Billing is closed; a caller presses 2, leaves a message after the tone and
hangs up; Bob's desktop offers the voicemail with its caller, queue, length and audio; he
accepts it, is refused closing it without Billing's required disposition, picks one and
closes it.

With WORKSPACE_SCREENSHOTS=<directory> it saves the screenshots docs/desktop.md uses.
"""

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from callcentre.tests.browser import click, shows, text_at
from callcentre.tests.helpers import wait_until
from conversations.models import Conversation
from desktop.tests.helpers import TIMEOUT, log_in_to_desktop
from routing.models import Task
from routing.tests.factories import available_agent
from routing.tests.voicemails import closed_billing, entry_menu
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(browser, name: str) -> None:
    directory = os.environ.get("WORKSPACE_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        browser.set_window_size(1280, 1100)
        card = browser.find_element(By.ID, "voicemail-card")
        browser.execute_script("arguments[0].scrollIntoView()", card)
        browser.save_screenshot(str(Path(directory) / f"{name}.png"))


def test_an_agent_plays_and_closes_a_voicemail_with_its_disposition(
    asgi_live_server, asgi_project_sandbox, browser
):
    sandbox = asgi_project_sandbox(speed=5)
    billing = closed_billing()
    entry_menu(billing)
    bob = available_agent("Bob", skills={}, status="offline")
    log_in_to_desktop(browser, asgi_live_server.url, bob.user.username)
    click(browser, '#presence button[data-status="available"]')
    wait_until(lambda: shows(browser, "#activity", "Available"), timeout=TIMEOUT)

    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    wait_until(lambda: "Recording…" in feed_texts(sandbox, call["uuid"]), timeout=TIMEOUT)
    sandbox.control.say(call["uuid"], "Hello, this is Ada about my last bill, please call me")
    sandbox.control.press(call["uuid"], "#")

    # Offered: under Offers, and in the Voicemails card with what Bob needs to decide.
    wait_until(lambda: shows(browser, "#offers", "voicemail"), timeout=TIMEOUT)
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#voicemails audio"), timeout=TIMEOUT)
    card = text_at(browser, "#voicemails")
    assert "Billing" in card and "+" + CALLER in card and "offered to you" in card
    audio = browser.find_element(By.CSS_SELECTOR, "#voicemails audio")
    played = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status));",
        audio.get_attribute("src"),
    )
    assert played == 200
    screenshot(browser, "desktop-voicemail-offered")

    click(browser, "#offers .accept")
    wait_until(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#voicemails .close-voicemail"),
        timeout=TIMEOUT,
    )
    click(browser, "#voicemails .close-voicemail")
    wait_until(lambda: shows(browser, "#error", "requires a disposition"), timeout=TIMEOUT)
    screenshot(browser, "desktop-voicemail-held")
    Select(browser.find_element(By.CSS_SELECTOR, "#voicemails select")).select_by_value("resolved")
    click(browser, "#voicemails .close-voicemail")

    wait_until(
        lambda: browser.find_element(By.ID, "voicemail-card").get_attribute("hidden") is not None,
        timeout=TIMEOUT,
    )
    task = Task.objects.get(channel="voicemail")
    assert task.state == Task.State.COMPLETED
    assert Conversation.objects.get(pk=task.conversation_id).disposition == "resolved"
