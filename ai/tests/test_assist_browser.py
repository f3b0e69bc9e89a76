"""Sarah's call in a real browser: headless Chromium on the desktop (ASGI server, websocket),
the call placed through the Vonage sandbox, her words said on it; the offer card shows the
intent, the sentiment and the suggestion, and Bob marks it used."""

import pytest
from selenium.webdriver.common.by import By

from ai.models import Suggestion
from ai.tests.helpers import demo_setup
from callcentre.tests.browser import attribute_at, click, text_at
from callcentre.tests.helpers import wait_until
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def test_the_offer_card_shows_intent_sentiment_and_a_suggestion_bob_uses(
    asgi_live_server, asgi_project_sandbox, browser
):
    queues, skills = demo_setup()  # trains the demo intents' classifier as it commits
    menu = IvrMenuFactory(name="Main", is_entry=True, intent_question="How can we help you today?")
    IvrOptionFactory(menu=menu, digit="2", prompt="For billing", queue=queues["Billing"])
    sandbox = asgi_project_sandbox(speed=5)
    bob = available_agent("Bob", skills={skills["billing"]: 8}, status="available")

    browser.get(asgi_live_server.url + "/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(bob.user.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: "Live" in text_at(browser, "#connection"), timeout=TIMEOUT)

    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(
        lambda: any(
            "how can we help" in text.lower() for text in feed_texts(sandbox, call["uuid"])
        ),
        timeout=TIMEOUT,
    )
    sandbox.control.say(call["uuid"], "I have a problem with my bill")

    wait_until(lambda: "Intent: Billing dispute" in text_at(browser, "#offers"), timeout=TIMEOUT)
    card = text_at(browser, "#offers")
    assert "Sentiment: Negative" in card
    assert "Suggested action: Offer goodwill credit" in card
    assert (
        attribute_at(browser, "#offers .suggestion .article", "href")
        == "https://help.example.com/billing/goodwill-credit"
    )

    click(browser, "#offers .suggestion button.used")
    wait_until(lambda: "used" in text_at(browser, "#offers .suggestion .answered"))
    used = Suggestion.objects.get(text="Offer goodwill credit")
    assert (used.state, used.agent) == ("used", bob)
