"""The workspace in a real browser: headless Chromium on the ASGI server with the Vonage
sandbox. An offer shows the customer panel with the history of a previous call and its
disposition; the agent wraps up, is refused without the queue's required disposition,
picks one, writes a note, and the customer's next call shows it.

With WORKSPACE_SCREENSHOTS=<directory> it saves the screenshots docs/desktop.md uses.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from callcentre.tests.browser import click, shows, text_at, type_into
from callcentre.tests.helpers import wait_until
from conversations.models import Conversation
from reports.models import CallDetailRecord
from routing.models import DispositionCode, Task
from routing.tests.factories import available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts
from workspace.tests.helpers import customer_with_number, past_contact

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def screenshot(browser, name: str) -> None:
    directory = os.environ.get("WORKSPACE_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        browser.set_window_size(1280, 1100)
        browser.save_screenshot(str(Path(directory) / f"{name}.png"))


def call_and_press_2(sandbox) -> dict:
    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    return call


def test_the_panel_shows_the_history_and_the_wrap_up_needs_the_disposition(
    asgi_live_server, asgi_project_sandbox, billing_menu, billing, billing_skill, browser
):
    sandbox = asgi_project_sandbox(speed=5, app_answer_delay=2.0)
    billing.disposition_required = True
    billing.wrap_up_seconds = 600
    billing.save()
    DispositionCode.objects.create(queue=billing, code="explained", label="Bill explained")
    DispositionCode.objects.create(queue=billing, code="refund", label="Refund agreed")
    alice = available_agent("Alice", skills={billing_skill: 8}, status="offline")
    bob = available_agent("Bob", skills={billing_skill: 8}, status="offline")
    sarah = customer_with_number(
        "Sarah Johnson", number=CALLER, is_vip=True, account_value=Decimal("4200")
    )
    past_contact(
        customer=sarah,
        queue=billing,
        agent=alice,
        days_ago=90,
        disposition="explained",
        notes="Explained the roaming charges on her March bill.",
    )

    # Bob logs in and goes available.
    browser.get(asgi_live_server.url + "/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(bob.user.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: shows(browser, "#connection", "Live"), timeout=TIMEOUT)
    click(browser, '#presence button[data-status="available"]')
    wait_until(lambda: shows(browser, "#activity", "Available: waiting for a contact"))
    wait_until(lambda: shows(browser, "#my-queues", "Billing"), timeout=TIMEOUT)

    # Sarah calls and presses 2: the offer shows who she is and her previous call.
    call = call_and_press_2(sandbox)
    wait_until(
        lambda: shows(browser, "#offers .customer-panel", "Previous contacts: 1"), timeout=TIMEOUT
    )
    panel = text_at(browser, "#offers .customer-panel")
    assert "Sarah Johnson" in panel and "VIP" in panel and "£4,200/yr" in panel
    assert "pressed 2" in panel and "Billing" in panel
    assert "Bill explained" in panel and "Alice" in panel
    assert "Explained the roaming charges on her March bill." in panel
    screenshot(browser, "desktop-offer-customer-panel")

    # Bob accepts, answers in the page, is connected, and hangs up: the wrap-up asks for the
    # disposition.
    click(browser, "#offers button.accept")
    wait_until(lambda: shows(browser, "#softphone", "Incoming call"), timeout=TIMEOUT)
    click(browser, "#softphone button.phone-answer")
    wait_until(lambda: shows(browser, "#tasks .call-state", "Connected"), timeout=TIMEOUT)
    assert shows(browser, "#tasks .customer-panel", "Sarah Johnson")
    click(browser, "#tasks button.hang-up")
    wait_until(lambda: shows(browser, "#wrap-ups", "disposition required"), timeout=TIMEOUT)
    # The wrap-up card and the activity line come from two messages; both arrive.
    wait_until(lambda: shows(browser, "#activity", "Wrap-up"), timeout=TIMEOUT)

    # Ready now without the disposition is refused, and he stays in wrap-up.
    click(browser, "#end-wrap-up")
    wait_until(lambda: shows(browser, "#error", "Choose a disposition for the contact with"))
    assert shows(browser, "#activity", "Wrap-up")
    screenshot(browser, "desktop-wrap-up-refused")

    # He picks the disposition, writes a note and saves; then he is ready.
    Select(
        browser.find_element(By.CSS_SELECTOR, "#wrap-ups select[name=disposition]")
    ).select_by_visible_text("Refund agreed")
    type_into(browser, "#wrap-ups textarea[name=notes]", "Refund of £20 promised by e-mail.")
    screenshot(browser, "desktop-wrap-up-form")
    click(browser, "#wrap-ups button.save-wrap-up")
    wait_until(lambda: not browser.find_element(By.ID, "wrap-ups-card").is_displayed())
    click(browser, "#end-wrap-up")
    wait_until(lambda: shows(browser, "#activity", "Available: waiting for a contact"))
    first = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    assert (first.disposition, first.wrap_up_notes) == (
        "refund",
        "Refund of £20 promised by e-mail.",
    )
    wait_until(
        lambda: CallDetailRecord.objects.filter(conversation=first, disposition="refund").exists()
    )
    wait_until(
        lambda: text_at(browser, '#my-day dd[data-figure="handled"]') == "1", timeout=TIMEOUT
    )

    # Sarah calls again: the offer shows the call Bob just wrapped up, with his note.
    call_and_press_2(sandbox)
    wait_until(
        lambda: shows(browser, "#offers .customer-panel", "Previous contacts: 2"), timeout=TIMEOUT
    )
    panel = text_at(browser, "#offers .customer-panel")
    assert "Refund agreed" in panel and "Refund of £20 promised by e-mail." in panel
    assert panel.index("Refund agreed") < panel.index("Bill explained")  # newest first
    screenshot(browser, "desktop-next-call-history")

    # The full history opens from the panel.
    click(browser, "#offers button.full-history")
    wait_until(lambda: shows(browser, "#customer-history", "Refund of £20 promised by e-mail."))
    screenshot(browser, "desktop-full-history")
    assert Task.objects.filter(conversation=first, agent=bob, state="completed").exists()
