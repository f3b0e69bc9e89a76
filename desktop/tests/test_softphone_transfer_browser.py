"""The issue's "Done when", in two headless Chromiums with fake microphones on the ASGI
server with the Vonage sandbox (as `make run` plays it): Ada calls, Bob answers in his
browser, holds her and resumes, consults Carol, whose phone rings in her own browser and who
answers there, and completes the warm transfer; Ada is with Carol, Bob wraps up, and the
call's CDR shows the transfer and the time Ada was held. No leg is answered by a timer: both
agents' desktops are logged in to the sandbox. Screenshots go to
TEST_ARTIFACTS_DIR/softphone.
"""

import pytest

from callcentre.tests.browser import artifacts_dir, click, screenshot, shows, text_at
from callcentre.tests.helpers import wait_until
from conversations.models import Customer, CustomerHandle, Member
from desktop.tests.helpers import TIMEOUT, choose_target, log_in_to_desktop
from reports.models import CallDetailRecord
from routing.tests.factories import available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = artifacts_dir("softphone")


def phone_ready(browser, user: str) -> None:
    try:
        wait_until(lambda: shows(browser, "#softphone", f"Phone ready ({user})"), timeout=40)
    except AssertionError:
        raise AssertionError(f"the phone says: {text_at(browser, '#softphone')!r}") from None


def answer_in_the_page(browser) -> None:
    wait_until(lambda: shows(browser, "#softphone", "Incoming call"), timeout=TIMEOUT)
    click(browser, "#softphone button.phone-answer")
    wait_until(lambda: shows(browser, "#softphone", "On a call"), timeout=TIMEOUT)


def test_bob_answers_holds_and_warm_transfers_to_carol_who_answers_in_her_browser(
    asgi_live_server, asgi_project_sandbox, billing_menu, billing_skill, browser_factory
):
    sandbox = asgi_project_sandbox(speed=5)
    bob = available_agent("Bob", skills={billing_skill: 8}, idle_minutes=5)
    carol = available_agent("Carol", skills={billing_skill: 8}, idle_minutes=1)
    ada = Customer.objects.create(name="Ada Lovelace")
    CustomerHandle.objects.create(customer=ada, kind="phone", value=CALLER)
    bobs, carols = browser_factory(), browser_factory()
    log_in_to_desktop(bobs, asgi_live_server.url, bob.user.username)
    log_in_to_desktop(carols, asgi_live_server.url, carol.user.username)
    phone_ready(bobs, "agent-bob")
    phone_ready(carols, "agent-carol")

    # Ada calls and presses 2; Bob (the longest idle) is offered her call, accepts, and
    # answers it in his browser.
    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    wait_until(lambda: shows(bobs, "#offers", "Ada Lovelace"), timeout=TIMEOUT)
    click(bobs, "#offers button.accept")
    answer_in_the_page(bobs)
    wait_until(lambda: shows(bobs, "#tasks .call-state", "Connected"), timeout=TIMEOUT)
    wait_until(lambda: "Connected with agent-bob (app)" in feed_texts(sandbox, call["uuid"]))
    assert "Answered in the agent's browser" in " ".join(
        feed_texts(sandbox, str(Member.objects.get(agent=bob).leg_uuid))
    )

    # Hold: Ada hears the music; Bob's card counts the hold time. Then resume.
    click(bobs, "#tasks button.hold")
    wait_until(lambda: shows(bobs, "#tasks .hold-state", "Customer on hold"), timeout=TIMEOUT)
    wait_until(lambda: sandbox.control.call(call["uuid"])["earmuffed"], timeout=TIMEOUT)
    wait_until(lambda: shows(bobs, "#tasks .on-hold .since", "0:02"), timeout=TIMEOUT)
    screenshot(bobs, SHOTS, "7-bob-holds-ada")
    assert text_at(bobs, "#tasks button.hold") == "Resume"
    click(bobs, "#tasks button.hold")
    wait_until(lambda: text_at(bobs, "#tasks button.hold") == "Hold", timeout=TIMEOUT)
    wait_until(lambda: not sandbox.control.call(call["uuid"])["earmuffed"], timeout=TIMEOUT)

    # Consult Carol: Ada holds while Carol's phone rings in her browser; she answers there.
    choose_target(bobs, "Agent: Carol (free)")
    click(bobs, "#tasks button.consult")
    answer_in_the_page(carols)
    screenshot(carols, SHOTS, "8-carol-answers-the-consult")
    wait_until(lambda: shows(bobs, "#tasks .party", "Consulting Carol: connected"), timeout=TIMEOUT)
    carol_leg = Member.objects.get(agent=carol)
    assert "Answered in the agent's browser" in " ".join(
        feed_texts(sandbox, str(carol_leg.leg_uuid))
    )

    # Bob completes the transfer: he wraps up, Ada is with Carol, off hold.
    click(bobs, "#tasks button.consult-complete")
    wait_until(lambda: shows(bobs, "#tasks", "You are not on a contact"), timeout=TIMEOUT)
    wait_until(lambda: shows(bobs, "#activity", "Wrap-up"), timeout=TIMEOUT)
    wait_until(lambda: shows(carols, "#tasks", "Ada Lovelace"), timeout=TIMEOUT)
    assert shows(carols, "#tasks .call-state", "Connected")
    customer = sandbox.control.call(call["uuid"])
    assert (customer["earmuffed"], customer["ended"]) == (False, False)
    screenshot(carols, SHOTS, "9-carol-has-the-call")

    # Carol hangs up in her browser; the call's CDR shows the transfer and the hold time.
    click(carols, "#softphone button.phone-hang-up")
    wait_until(lambda: shows(carols, "#activity", "Wrap-up"), timeout=TIMEOUT)
    cdr = wait_until(
        lambda: CallDetailRecord.objects.filter(
            conversation__vonage_uuid=call["conversation_uuid"]
        ).first(),
        timeout=TIMEOUT,
    )
    assert cdr.transfers == 1
    assert cdr.hold_seconds >= 2
    assert cdr.agent == carol
