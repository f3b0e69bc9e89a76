"""An agent's shift in a real browser: headless Chromium logs in to the desktop on the ASGI
server (HTTP and the websocket), goes available, is offered a call placed through the Vonage
sandbox, accepts it, is connected, mutes, hangs up, wraps up and is ready again; and answers
an SMS chat from the sandbox's phone. Nothing in the page is reloaded by the test: every
change arrives over the websocket.
"""

import pytest
from selenium.webdriver.common.by import By

from callcentre.tests.browser import click, shows, text_at, type_into
from callcentre.tests.helpers import wait_until
from conversations.models import Customer, CustomerHandle
from routing.models import Task
from routing.tests.factories import QueueFactory, available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def test_an_agent_takes_a_call_on_the_desktop_from_offer_to_wrap_up(
    asgi_live_server,
    asgi_project_sandbox,
    billing_menu,
    billing_skill,
    browser,
):
    sandbox = asgi_project_sandbox(speed=5)
    bob = available_agent("Bob", skills={billing_skill: 8}, status="offline")
    ada = Customer.objects.create(name="Ada Lovelace", is_vip=True)
    CustomerHandle.objects.create(customer=ada, kind="phone", value=CALLER)

    # Bob logs in and goes available.
    browser.get(asgi_live_server.url + "/desktop/")
    assert browser.current_url.endswith("/accounts/login/?next=/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(bob.user.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: shows(browser, "#connection", "Live"), timeout=TIMEOUT)
    assert shows(browser, "#activity", "Offline")
    click(browser, '#presence button[data-status="available"]')
    wait_until(lambda: shows(browser, "#activity", "Available: waiting for a contact"))

    # Ada calls and presses 2: the offer appears, with who she is.
    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    wait_until(lambda: shows(browser, "#offers", "Ada Lovelace"), timeout=TIMEOUT)
    offer = text_at(browser, "#offers")
    assert "Billing" in offer and CALLER in offer and "VIP" in offer
    assert shows(browser, "#activity", "A contact is offered to you")
    assert browser.title.startswith("● Offer")

    # Bob accepts: his phone rings in the page (docs/softphone.md), he answers, connected.
    click(browser, "#offers button.accept")
    wait_until(lambda: shows(browser, "#offers", "No contact is being offered"))
    wait_until(lambda: shows(browser, "#softphone", "Incoming call"), timeout=TIMEOUT)
    click(browser, "#softphone button.phone-answer")
    wait_until(lambda: shows(browser, "#tasks .call-state", "Connected"), timeout=TIMEOUT)
    assert shows(browser, "#tasks", "Ada Lovelace")
    assert shows(browser, "#activity", "On a contact")
    wait_until(
        lambda: "Connected with agent-bob (app)" in feed_texts(sandbox, call["uuid"]),
        timeout=TIMEOUT,
    )

    # Mute and unmute go to Vonage and show on the button.
    click(browser, "#tasks button.mute")
    wait_until(lambda: shows(browser, "#tasks .call-state", "Connected (muted)"))
    assert text_at(browser, "#tasks button.mute") == "Unmute"
    click(browser, "#tasks button.mute")
    wait_until(lambda: text_at(browser, "#tasks button.mute") == "Mute")

    # Bob hangs up: the call ends, the contact is complete and he wraps up.
    click(browser, "#tasks button.hang-up")
    wait_until(lambda: shows(browser, "#tasks", "You are not on a contact"), timeout=TIMEOUT)
    wait_until(lambda: browser.find_element(By.ID, "wrap-up").is_displayed())
    assert shows(browser, "#activity", "Wrap-up")
    task = Task.objects.get(conversation__vonage_uuid=call["conversation_uuid"])
    assert task.state == Task.State.COMPLETED and task.agent == bob
    wait_until(lambda: sandbox.control.call(call["uuid"])["status"] == "completed")

    # Ready before the wrap-up time is over.
    click(browser, "#end-wrap-up")
    wait_until(lambda: shows(browser, "#activity", "Available: waiting for a contact"))
    assert not browser.find_element(By.ID, "wrap-up").is_displayed()
    bob.refresh_from_db()
    assert bob.voice_load == 0 and bob.status == "available"


def test_an_agent_answers_and_closes_a_chat_from_an_sms_on_the_desktop(
    asgi_live_server,
    asgi_project_sandbox,
    browser,
):
    sandbox = asgi_project_sandbox(speed=5)
    QueueFactory(name="Support", wrap_up_seconds=600)  # where messages wait (MESSAGES_QUEUE)
    carol = available_agent("Carol", skills={})
    browser.get(asgi_live_server.url + "/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(carol.user.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: shows(browser, "#connection", "Live"), timeout=TIMEOUT)

    # The customer texts the centre from the sandbox's phone: the chat is offered, with it.
    sandbox.control.send_message(
        channel="sms", from_number=CALLER, to_number=CENTRE, text="Where is my parcel?"
    )
    wait_until(lambda: shows(browser, "#offers .preview", "Where is my parcel?"), timeout=TIMEOUT)
    click(browser, "#offers button.accept")
    wait_until(lambda: shows(browser, "#tasks .thread", "Where is my parcel?"))

    # Carol answers; the customer's phone gets it, and their next message shows up live.
    type_into(browser, "#tasks textarea[name=text]", "It left our warehouse this morning.")
    click(browser, "#tasks button.send")

    def carols_answer_on_the_phone() -> bool:
        phone = sandbox.control.messages(CALLER)
        return "It left our warehouse this morning." in [
            m["text"] for m in phone if m["direction"] == "outbound"
        ]

    wait_until(carols_answer_on_the_phone, timeout=TIMEOUT)
    sandbox.control.send_message(
        channel="sms", from_number=CALLER, to_number=CENTRE, text="Great, thanks!"
    )
    wait_until(lambda: shows(browser, "#tasks .thread", "Great, thanks!"), timeout=TIMEOUT)
    assert text_at(browser, "#tasks .thread .message.outbound") == (
        "It left our warehouse this morning."
    )
    assert browser.execute_script("return document.querySelector('#tasks textarea').value") == ""

    # Closing the chat ends it: wrap-up.
    click(browser, "#tasks button.close-chat")
    wait_until(lambda: shows(browser, "#tasks", "You are not on a contact"), timeout=TIMEOUT)
    assert shows(browser, "#activity", "Wrap-up")
    assert Task.objects.get().state == Task.State.COMPLETED
