"""Call control from the contact card in headless Chromium, on the ASGI server with the Vonage
sandbox: Bob holds Ada (the sandbox's phone shows her on music) and resumes, keys a
reference, consults Carol while Ada holds and completes the warm transfer, after which
Carol's desktop holds the call; and a cold transfer to a queue that Carol then takes.
Each agent answers their own leg in their page (docs/softphone.md); Carol's consult leg, while
no desktop of hers is open, is answered by the sandbox's timer.

Screenshots of each step are kept in var/screenshots/ (SCREENSHOT_DIR), as artefacts.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By

from callcentre.tests.browser import attribute_at, click, shows, text_at, type_into
from callcentre.tests.helpers import wait_until
from conversations.models import CallStep, Customer, CustomerHandle, Member
from desktop.tests.helpers import choose_target
from reports.models import CallDetailRecord
from routing.models import Task
from routing.tests.factories import QueueFactory, QueueSkillFactory, SkillFactory, available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def screenshot(browser, name: str) -> None:
    directory = Path(
        os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var/screenshots"
    )
    directory.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(directory / f"callcontrol-{name}.png"))


def log_in(browser, server, agent) -> None:
    browser.delete_all_cookies()
    browser.get(server.url + "/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(agent.user.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: shows(browser, "#connection", "Live"), timeout=TIMEOUT)


def ada_reaches(browser, sandbox, agent) -> dict:
    """Ada calls, presses 2 for Billing; the agent accepts on the desktop and is connected."""
    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    wait_until(lambda: shows(browser, "#offers", "Ada Lovelace"), timeout=TIMEOUT)
    click(browser, "#offers button.accept")
    answer_in_the_page(browser)
    wait_until(lambda: shows(browser, "#tasks .call-state", "Connected"), timeout=TIMEOUT)
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#tasks .call-control"))
    return call


def answer_in_the_page(browser) -> None:
    """The agent's phone rings in the desktop (docs/softphone.md): answer it there. While the
    desktop is logged in, the sandbox does not answer the agent's leg by a timer."""
    wait_until(lambda: shows(browser, "#softphone", "Incoming call"), timeout=TIMEOUT)
    click(browser, "#softphone button.phone-answer")


def customer_hears(sandbox, call: dict, text: str) -> bool:
    return any(text in line for line in feed_texts(sandbox, call["uuid"]))


@pytest.fixture
def ada():
    customer = Customer.objects.create(name="Ada Lovelace")
    CustomerHandle.objects.create(customer=customer, kind="phone", value=CALLER)
    return customer


def test_hold_keys_and_a_warm_transfer_to_carol_from_the_contact_card(
    asgi_live_server, asgi_project_sandbox, billing_menu, billing_skill, browser, ada
):
    sandbox = asgi_project_sandbox(speed=5, app_answer_delay=1.0)
    bob = available_agent("Bob", skills={billing_skill: 8})
    carol = available_agent("Carol", skills={billing_skill: 8})
    log_in(browser, asgi_live_server, bob)
    call = ada_reaches(browser, sandbox, bob)

    # Hold: Ada hears the music, Bob's card shows the hold time running.
    click(browser, "#tasks button.hold")
    wait_until(lambda: shows(browser, "#tasks .hold-state", "Customer on hold"), timeout=TIMEOUT)
    wait_until(lambda: customer_hears(sandbox, call, "♪ Playing hold.wav"), timeout=TIMEOUT)
    assert sandbox.control.call(call["uuid"])["earmuffed"]
    wait_until(lambda: shows(browser, "#tasks .on-hold .since", "0:01"), timeout=TIMEOUT)
    assert text_at(browser, "#tasks button.hold") == "Resume"
    screenshot(browser, "1-on-hold")

    # Resume: the music stops, Ada is back with Bob; the card keeps the time held.
    click(browser, "#tasks button.hold")
    wait_until(lambda: text_at(browser, "#tasks button.hold") == "Hold", timeout=TIMEOUT)
    wait_until(lambda: customer_hears(sandbox, call, "(stream stopped)"))
    assert not sandbox.control.call(call["uuid"])["earmuffed"]
    assert shows(browser, "#tasks .hold-state", "Held")

    # Keys go into the call.
    type_into(browser, "#tasks input.dtmf-digits", "1234#")
    click(browser, "#tasks button.send-dtmf")
    wait_until(lambda: customer_hears(sandbox, call, "DTMF tones played into the call: 1234#"))
    wait_until(lambda: attribute_at(browser, "#tasks input.dtmf-digits", "value") == "")
    screenshot(browser, "2-keys-sent")

    # Consult Carol: Ada holds while Carol's softphone rings and answers.
    choose_target(browser, "Agent: Carol (free)")
    click(browser, "#tasks button.consult")
    wait_until(
        lambda: shows(browser, "#tasks .party", "Consulting Carol: connected"), timeout=TIMEOUT
    )
    assert shows(browser, "#tasks .hold-state", "Customer on hold")
    carol_leg = Member.objects.get(agent=carol)
    assert sandbox.control.call(call["uuid"])["earmuffed"]
    assert "Connected" in " ".join(feed_texts(sandbox, str(carol_leg.leg_uuid)))
    screenshot(browser, "3-consulting-carol")

    # Complete: Bob's leg ends and he wraps up; Ada is with Carol, off hold.
    click(browser, "#tasks button.consult-complete")
    wait_until(lambda: shows(browser, "#tasks", "You are not on a contact"), timeout=TIMEOUT)
    wait_until(lambda: shows(browser, "#activity", "Wrap-up"), timeout=TIMEOUT)
    customer = sandbox.control.call(call["uuid"])
    assert (customer["earmuffed"], customer["muted"], customer["ended"]) == (False, False, False)
    screenshot(browser, "4-bob-wraps-up")

    # Carol's desktop holds the call, with where it came from.
    log_in(browser, asgi_live_server, carol)
    wait_until(lambda: shows(browser, "#tasks", "Ada Lovelace"), timeout=TIMEOUT)
    assert shows(browser, "#tasks .call-state", "Connected")
    assert shows(browser, "#tasks .hold-state", "Consult from Bob")
    screenshot(browser, "5-carol-has-the-call")
    click(browser, "#tasks button.hang-up")
    wait_until(lambda: shows(browser, "#activity", "Wrap-up"), timeout=TIMEOUT)
    cdr = wait_until(
        lambda: CallDetailRecord.objects.filter(
            conversation__vonage_uuid=call["conversation_uuid"]
        ).first(),
        timeout=TIMEOUT,
    )
    assert (cdr.agent, cdr.transfers) == (carol, 1)
    assert cdr.hold_seconds >= 1
    assert list(CallStep.objects.values_list("kind", "agent__display_name")) == [
        ("hold", "Bob"),
        ("dtmf", "Bob"),
        ("hold", "Bob"),
        ("consult", "Bob"),
        ("hang_up", "Carol"),
    ]


def test_a_cold_transfer_to_a_queue_from_the_contact_card(
    asgi_live_server, asgi_project_sandbox, billing_menu, billing_skill, browser, ada
):
    sandbox = asgi_project_sandbox(speed=5, app_answer_delay=1.0)
    support_skill = SkillFactory(name="support")
    support = QueueFactory(name="Support")
    QueueSkillFactory(queue=support, skill=support_skill, min_proficiency=1)
    bob = available_agent("Bob", skills={billing_skill: 8})
    carol = available_agent("Carol", skills={support_skill: 5})
    log_in(browser, asgi_live_server, bob)
    call = ada_reaches(browser, sandbox, bob)

    choose_target(browser, "Queue: Support")
    screenshot(browser, "6-transfer-to-support")
    click(browser, "#tasks button.transfer")

    wait_until(lambda: shows(browser, "#tasks", "You are not on a contact"), timeout=TIMEOUT)
    wait_until(lambda: shows(browser, "#activity", "Wrap-up"), timeout=TIMEOUT)
    wait_until(lambda: customer_hears(sandbox, call, "transfer you to Support"), timeout=TIMEOUT)
    # Carol, free in Support, is offered Ada's call on her desktop and takes it.
    log_in(browser, asgi_live_server, carol)
    wait_until(lambda: shows(browser, "#offers", "Ada Lovelace"), timeout=TIMEOUT)
    assert shows(browser, "#offers", "Support")
    click(browser, "#offers button.accept")
    answer_in_the_page(browser)
    wait_until(lambda: shows(browser, "#tasks .call-state", "Connected"), timeout=TIMEOUT)
    wait_until(lambda: customer_hears(sandbox, call, "Connected with agent-carol (app)"))
    screenshot(browser, "7-carol-takes-the-transfer")
    first, second = Task.objects.order_by("pk")
    assert (first.agent, first.state, second.agent, second.queue) == (
        bob,
        "completed",
        carol,
        support,
    )
