"""A supervisor uses the dashboard's controls in a real browser (headless Chromium, the ASGI
server): an alert shows as a banner and a highlighted queue; they set an agent away with a
reason, move a waiting contact to another queue and withdraw it.

SAVE_SCREENSHOTS=docs/images saves the page for docs/dashboards.md."""

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from agents.tests.factories import UserFactory
from callcentre.tests.browser import click, text_at
from callcentre.tests.helpers import wait_until
from routing.models import Task
from routing.queueing import task_enqueue
from routing.tests.factories import ConversationFactory, QueueFactory, available_agent
from supervision.alerts import alerts_evaluate
from supervision.models import AlertMetric, AlertRule, SupervisorAction
from supervision.tests.helpers import away_reason

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def screenshot(browser, name: str) -> None:
    directory = os.environ.get("SAVE_SCREENSHOTS")
    if directory:
        browser.save_screenshot(str(Path(directory) / name))


def test_a_supervisor_sees_an_alert_sets_an_agent_away_and_moves_and_withdraws_a_contact(
    asgi_live_server, billing, billing_skill, browser
):
    sales = QueueFactory(name="Sales")
    away_reason("coaching")
    UserFactory(username="sam", is_staff=True)
    bob = available_agent("Bob", skills={billing_skill: 8}, status="away", away_reason="Lunch")
    AlertRule.objects.create(queue=billing, metric=AlertMetric.NO_AGENT)
    task = task_enqueue(
        conversation=ConversationFactory(from_address="447700900123", channel="sms"),
        queue=billing,
    )
    assert alerts_evaluate() == (1, 0)

    browser.get(asgi_live_server.url + "/admin/login/?next=/admin/dashboard/live/")
    browser.find_element(By.ID, "id_username").send_keys("sam")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()

    # The breach: a banner, the queue's row highlighted, and the alert in the history.
    message = "Billing: 1 waiting and no agent who could take them is signed in"
    wait_until(lambda: message in text_at(browser, "#alert-banner"), timeout=TIMEOUT)
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-queue="Billing"].breach'))
    assert not browser.find_elements(By.CSS_SELECTOR, 'tr[data-queue="Sales"].breach')
    assert message in text_at(browser, "#alert-history")
    wait_until(lambda: "+447700900123" in text_at(browser, "#waiting"), timeout=TIMEOUT)
    screenshot(browser, "dashboard-supervisor-tools.png")

    # Bob is set away for coaching.
    wait_until(lambda: "Bob" in text_at(browser, "#presence-form"))
    browser.execute_script(
        "document.querySelector('#presence-form [name=agent]').value = arguments[0]", str(bob.pk)
    )
    browser.execute_script(
        "document.querySelector('#presence-form [name=reason]').value = 'coaching'"
    )
    click(browser, "#presence-form button[type=submit]")
    wait_until(lambda: text_at(browser, "#supervision-message"), timeout=TIMEOUT)
    assert text_at(browser, "#supervision-message") == "Bob is now away."
    wait_until(
        lambda: (
            text_at(browser, 'tr[data-agent="Bob"] td[data-field="doing"]')
            .lower()
            .endswith("coaching")
        ),
        timeout=TIMEOUT,
    )

    # The contact moves to Sales, keeping its place, then is withdrawn.
    row = f'#waiting tr[data-task="{task.pk}"]'
    click(browser, f"{row} button[data-act=move]")
    moved = wait_until(
        lambda: Task.objects.filter(queue=sales, state=Task.State.QUEUED).first(), timeout=TIMEOUT
    )
    assert moved.queued_at == task.queued_at
    wait_until(
        lambda: "Sales" in text_at(browser, f'#waiting tr[data-task="{moved.pk}"]'),
        timeout=TIMEOUT,
    )
    click(browser, f'#waiting tr[data-task="{moved.pk}"] button[data-act=withdraw]')
    wait_until(lambda: text_at(browser, "#waiting tbody") == "Nobody is waiting.", timeout=TIMEOUT)
    moved.refresh_from_db()
    assert moved.state == Task.State.CANCELLED
    assert list(SupervisorAction.objects.order_by("pk").values_list("kind", flat=True)) == [
        "agent_presence",
        "contact_move",
        "contact_withdraw",
    ]
    bob.refresh_from_db()
    assert (bob.status, bob.away_reason) == ("away", "coaching")
