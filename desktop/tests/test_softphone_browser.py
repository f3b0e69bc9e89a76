"""The agent's phone in the page, in headless Chromium with a fake microphone: an offer rings
in the browser and the agent answers it there (the sandbox's softphone transport, as with
`make run`); a click-to-call; and the Vonage transport, with the vendored Client SDK pointed
at a host that does not answer, telling the agent plainly the phone is not connected and
trying again. Screenshots go to TEST_ARTIFACTS_DIR/softphone.
"""

import pytest

from callcentre.tests.browser import artifacts_dir, click, screenshot, shows, text_at, type_into
from callcentre.tests.helpers import wait_until
from conversations.models import Conversation, Customer, CustomerHandle
from desktop.tests.helpers import TIMEOUT, log_in_to_desktop
from reports.models import CallDetailRecord
from routing.models import Task
from routing.tests.factories import QueueFactory, available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = artifacts_dir("softphone")
CUSTOMER = "447700900777"


def phone_says(browser, text: str) -> bool:
    return shows(browser, "#softphone", text)


def phone_ready(browser) -> None:
    """Wait for the phone to log in; a failure says what the card said instead."""
    try:
        # Logging in makes the agent's Vonage user and a session: allow for a loaded machine.
        wait_until(lambda: phone_says(browser, "Phone ready (agent-bob)"), timeout=2 * TIMEOUT)
    except AssertionError:
        raise AssertionError(f"the phone says: {text_at(browser, '#softphone')!r}") from None


def test_an_offer_rings_in_the_browser_and_the_agent_answers_it_there(
    asgi_live_server, asgi_project_sandbox, billing_menu, billing_skill, browser
):
    # A short app_answer_delay: it must not apply while Bob's browser is logged in.
    sandbox = asgi_project_sandbox(speed=5, app_answer_delay=1.0)
    bob = available_agent("Bob", skills={billing_skill: 8}, status="offline")
    ada = Customer.objects.create(name="Ada Lovelace")
    CustomerHandle.objects.create(customer=ada, kind="phone", value=CALLER)

    log_in_to_desktop(browser, asgi_live_server.url, bob.user.username)
    phone_ready(browser)
    assert sandbox.sandbox.platform.softphones.has_session("agent-bob")
    click(browser, '#presence button[data-status="available"]')
    wait_until(lambda: shows(browser, "#activity", "Available: waiting for a contact"))

    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    wait_until(lambda: shows(browser, "#offers", "Ada Lovelace"), timeout=TIMEOUT)
    click(browser, "#offers button.accept")

    # Bob's phone rings in the page, and keeps ringing: nobody answers it but Bob.
    wait_until(lambda: phone_says(browser, "Incoming call"), timeout=TIMEOUT)
    assert browser.find_element("css selector", "#softphone").get_attribute("data-call") == (
        "ringing"
    )
    screenshot(browser, SHOTS, "1-offer-ringing-in-the-browser")
    agent_leg = sandbox.control.calls(to="agent-bob")[-1]
    wait_until(lambda: sandbox.control.call(agent_leg["uuid"])["seconds"] > 3)
    assert sandbox.control.call(agent_leg["uuid"])["status"] == "ringing"

    click(browser, "#softphone button.phone-answer")
    wait_until(lambda: phone_says(browser, "On a call"), timeout=TIMEOUT)
    wait_until(lambda: shows(browser, "#tasks .call-state", "Connected"), timeout=TIMEOUT)
    assert "Answered in the agent's browser" in feed_texts(sandbox, agent_leg["uuid"])
    wait_until(
        lambda: "Connected with agent-bob (app)" in feed_texts(sandbox, call["uuid"]),
        timeout=TIMEOUT,
    )
    screenshot(browser, SHOTS, "2-connected")

    # Bob mutes his microphone and hangs up from the phone.
    click(browser, "#softphone button.phone-mute")
    wait_until(lambda: phone_says(browser, "microphone muted"), timeout=TIMEOUT)
    assert sandbox.control.call(agent_leg["uuid"])["muted"] is True
    click(browser, "#softphone button.phone-hang-up")
    wait_until(lambda: phone_says(browser, "Phone ready (agent-bob)"), timeout=TIMEOUT)
    wait_until(lambda: shows(browser, "#tasks", "You are not on a contact"), timeout=TIMEOUT)
    wait_until(lambda: shows(browser, "#activity", "Wrap-up"), timeout=TIMEOUT)
    task = Task.objects.get(conversation__vonage_uuid=call["conversation_uuid"])
    assert task.state == Task.State.COMPLETED and task.agent == bob


def test_an_agent_calls_a_customer_from_the_desktop(
    asgi_live_server, asgi_project_sandbox, browser
):
    sandbox = asgi_project_sandbox(speed=5)
    QueueFactory(name="Outbound", wrap_up_seconds=600)
    bob = available_agent("Bob", skills={})
    log_in_to_desktop(browser, asgi_live_server.url, bob.user.username)
    phone_ready(browser)

    # A number that is not one is refused in the page, and nothing is dialled.
    type_into(browser, "#softphone input[name=number]", "call me")
    click(browser, "#softphone button.phone-dial-button")
    wait_until(lambda: phone_says(browser, "international form"), timeout=TIMEOUT)
    assert sandbox.control.calls() == []

    type_into(browser, "#softphone input[name=number]", "+44 7700 900777")
    click(browser, "#softphone button.phone-dial-button")

    # Bob's own phone rings first; the customer's only once he has answered.
    wait_until(lambda: phone_says(browser, "Incoming call"), timeout=TIMEOUT)
    assert sandbox.control.calls(to=CUSTOMER) == []
    screenshot(browser, SHOTS, "3-click-to-call-ringing")
    click(browser, "#softphone button.phone-answer")
    wait_until(
        lambda: [leg["status"] for leg in sandbox.control.calls(to=CUSTOMER)] == ["answered"],
        timeout=TIMEOUT,
    )
    customer_leg = sandbox.control.calls(to=CUSTOMER)[0]
    assert customer_leg["from"] == CENTRE
    wait_until(lambda: shows(browser, "#tasks .call-state", "Connected"), timeout=TIMEOUT)
    assert shows(browser, "#tasks", "Outbound") and shows(browser, "#tasks", "+" + CUSTOMER)
    screenshot(browser, SHOTS, "4-click-to-call-connected")

    # The customer hangs up: the contact is complete, Bob wraps up, the CDR is written.
    sandbox.control.hangup(customer_leg["uuid"])
    wait_until(lambda: shows(browser, "#tasks", "You are not on a contact"), timeout=TIMEOUT)
    wait_until(lambda: phone_says(browser, "Phone ready (agent-bob)"), timeout=TIMEOUT)
    wait_until(lambda: shows(browser, "#activity", "Wrap-up"), timeout=TIMEOUT)
    conversation = Conversation.objects.get(vonage_uuid=customer_leg["conversation_uuid"])
    task = conversation.tasks.get()
    assert (task.state, task.agent, task.queue.name) == ("completed", bob, "Outbound")
    wait_until(lambda: CallDetailRecord.objects.filter(conversation=conversation).exists())
    cdr = CallDetailRecord.objects.get(conversation=conversation)
    assert (cdr.direction, cdr.agent, cdr.to_address) == ("outbound", bob, CUSTOMER)


def test_the_vonage_transport_says_plainly_it_is_not_connected_and_tries_again(
    asgi_live_server, browser, settings, private_key_pem
):
    from agents.models import Agent
    from sandbox.tests.helpers import APPLICATION_ID

    # A Vonage host: the page loads the vendored Client SDK, here pointed at a closed port.
    settings.VONAGE_API_HOST = "api.nexmo.com"
    settings.VONAGE_APPLICATION_ID = APPLICATION_ID
    settings.VONAGE_PRIVATE_KEY = private_key_pem
    settings.VONAGE_CLIENT_API_URL = "https://127.0.0.1:9"
    settings.VONAGE_CLIENT_WEBSOCKET_URL = "wss://127.0.0.1:9"
    bob = available_agent("Bob", skills={})
    Agent.objects.filter(pk=bob.pk).update(vonage_user_id="USR-bob")  # no Users API call

    log_in_to_desktop(browser, asgi_live_server.url, bob.user.username)
    assert browser.execute_script("return typeof window.vonageClientSDK.VonageClient") == (
        "function"
    )
    wait_until(lambda: phone_says(browser, "Your phone is not connected"), timeout=40)
    status = text_at(browser, "#softphone .phone-status")
    assert "Trying again in 2 s (attempt 2)." in status, status
    assert ".." not in status
    assert browser.find_element("css selector", "#softphone").get_attribute("data-state") == (
        "down"
    )
    screenshot(browser, SHOTS, "5-vonage-not-connected")
    # It does try again, and backs off.
    wait_until(lambda: phone_says(browser, "Trying again in 4 s (attempt 3)"), timeout=40)


def test_a_refused_microphone_is_said_plainly_and_the_call_keeps_ringing(
    asgi_live_server, asgi_project_sandbox, browser_factory
):
    browser = browser_factory(["--deny-permission-prompts"], fake_ui=False)
    sandbox = asgi_project_sandbox(speed=5)
    QueueFactory(name="Outbound")
    bob = available_agent("Bob", skills={})
    log_in_to_desktop(browser, asgi_live_server.url, bob.user.username)
    phone_ready(browser)
    type_into(browser, "#softphone input[name=number]", "+" + CUSTOMER)
    click(browser, "#softphone button.phone-dial-button")
    wait_until(lambda: phone_says(browser, "Incoming call"), timeout=TIMEOUT)

    click(browser, "#softphone button.phone-answer")

    wait_until(lambda: phone_says(browser, "Your browser refused the microphone"), timeout=TIMEOUT)
    assert phone_says(browser, "allow it for this site")
    agent_leg = sandbox.control.calls(to="agent-bob")[-1]
    assert sandbox.control.call(agent_leg["uuid"])["status"] == "ringing"
    assert phone_says(browser, "Incoming call")
    screenshot(browser, SHOTS, "6-microphone-refused")


def test_the_page_renews_its_token_and_logs_in_again_after_a_dropped_session(
    asgi_live_server, asgi_project_sandbox, browser, settings
):
    settings.SOFTPHONE_TOKEN_SECONDS = 30  # Vonage's shortest: renewed at 24 s
    sandbox = asgi_project_sandbox(speed=5)
    bob = available_agent("Bob", skills={})
    log_in_to_desktop(browser, asgi_live_server.url, bob.user.username)
    phone_ready(browser)
    softphones = sandbox.sandbox.platform.softphones
    (session,) = softphones.sessions["agent-bob"]
    first_expiry = session.expires_at

    # Before the token runs out the page brings a new one to the same session.
    wait_until(lambda: session.expires_at > first_expiry, timeout=40)
    assert softphones.sessions["agent-bob"] == {session}

    # The session is dropped (as when the sandbox restarts): the page says so, then logs in
    # again by itself.
    async def drop() -> None:
        session.send({"type": "close", "reason": "the sandbox dropped the session"})

    sandbox.sandbox.run(drop())
    wait_until(
        lambda: phone_says(browser, "Your phone is not connected: the sandbox dropped the session"),
        timeout=TIMEOUT,
    )
    phone_ready(browser)
    assert softphones.has_session("agent-bob")
    assert softphones.sessions["agent-bob"] != {session}
