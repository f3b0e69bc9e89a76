"""A supervisor watches the live dashboard in a real browser (headless Chromium, the ASGI
server, the Vonage sandbox) while a caller queues for billing and an agent, through the
agent API, goes available, is offered the call, takes it, and wraps up when the caller
hangs up. The test never reloads the page: every change arrives over the websocket.
"""

import httpx
import pytest
from selenium.webdriver.common.by import By

from accounts.services import api_token_create
from agents.tests.factories import UserFactory
from callcentre.tests.browser import text_at
from callcentre.tests.helpers import wait_until
from routing.tests.factories import (
    available_agent,
)
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def cell(browser, row: str, field: str) -> str:
    return text_at(browser, f'{row} td[data-field="{field}"]')


def test_a_supervisor_watches_a_call_queue_and_an_agent_take_it(
    asgi_live_server,
    asgi_project_sandbox,
    billing_menu,
    billing_skill,
    browser,
    settings,
):
    settings.DASHBOARD_REFRESH_SECONDS = 3600  # only what is pushed updates the page
    sandbox = asgi_project_sandbox(speed=5, app_answer_delay=1.0)
    UserFactory(username="sam", is_staff=True)
    bob = available_agent("Bob", skills={billing_skill: 8}, status="away", away_reason="Lunch")
    bob_api = httpx.Client(
        base_url=asgi_live_server.url + "/api/agent/",
        headers={"Authorization": f"Token {api_token_create(user=bob.user)[1]}"},
    )
    queue_row, bob_row = 'tr[data-queue="Billing"]', 'tr[data-agent="Bob"]'

    browser.get(asgi_live_server.url + "/admin/login/?next=/admin/dashboard/live/")
    browser.find_element(By.ID, "id_username").send_keys("sam")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_until(lambda: text_at(browser, "#connection") == "Live", timeout=TIMEOUT)
    wait_until(lambda: cell(browser, bob_row, "doing") == "Away: Lunch")
    assert cell(browser, queue_row, "waiting") == "0"

    # A caller presses 2 and waits: nobody is available, so the queue's row turns red.
    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    wait_until(lambda: cell(browser, queue_row, "waiting") == "1", timeout=TIMEOUT)
    assert browser.find_elements(By.CSS_SELECTOR, f"{queue_row}.alert")
    wait_until(lambda: text_at(browser, '[data-total="waiting"]') == "1")

    # Bob comes back from lunch: the call is offered to him, then he takes it.
    assert bob_api.post("status", json={"status": "available"}).status_code == 200
    wait_until(lambda: cell(browser, bob_row, "doing") == "Offered a contact", timeout=TIMEOUT)
    assert cell(browser, bob_row, "contact") == f"Billing · +{CALLER}"
    [offer] = bob_api.get("").json()["offers"]
    assert bob_api.post(f"offers/{offer['id']}/accept").status_code == 200
    wait_until(lambda: cell(browser, bob_row, "doing") == "Busy", timeout=TIMEOUT)
    wait_until(lambda: cell(browser, queue_row, "waiting") == "0")

    # The caller hangs up once connected: Bob wraps up.
    wait_until(lambda: "Connected with agent-bob (app)" in feed_texts(sandbox, call["uuid"]))
    sandbox.control.hangup(call["uuid"])
    wait_until(lambda: cell(browser, bob_row, "doing") == "Wrap-up", timeout=TIMEOUT)
    assert cell(browser, bob_row, "contact") == "–"
    bob_api.close()
