"""The live transcript in a real browser: Bob's desktop shows what his call has said so far
(read over HTTP), then each new segment as Vonage's stream of the call is transcribed
(pushed over his websocket), in the order it was said, with the speaker."""

import json
import time

import pytest
from selenium.webdriver.common.by import By
from websockets.sync.client import connect

from callcentre.tests.browser import text_at
from callcentre.tests.helpers import wait_until
from callcentre.vonage.signing import sign_webhook
from conversations.models import Member, TranscriptSegment
from routing.tests.factories import ConversationFactory, available_agent
from speech.tests.helpers import needs_espeak, silence, spoken

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_espeak,
]

PASSWORD = "correct horse battery staple"  # UserFactory's


def stream_to(url: str, *, conversation_id: int, speaker: str, audio: bytes, settings) -> None:
    """What Vonage does on a websocket leg: the JWT, the first text frame, 20 ms frames."""
    token = sign_webhook(
        body=b"", secret=settings.VONAGE_SIGNATURE_SECRET, api_key=settings.VONAGE_API_KEY
    )
    with connect(
        url.replace("http", "ws", 1) + "/ws/media/",
        additional_headers={"Authorization": f"Bearer {token}"},
    ) as socket:
        first = {
            "event": "websocket:connected",
            "content-type": "audio/l16;rate=16000",
            "conversation_id": str(conversation_id),
            "speaker": speaker,
        }
        socket.send(json.dumps(first))
        for start in range(0, len(audio), 640):
            socket.send(audio[start : start + 640])
            time.sleep(0.005)  # faster than real time, still a stream


def test_the_desktop_shows_the_transcript_so_far_then_the_new_words(
    asgi_live_server, browser, settings
):
    bob = available_agent("Bob", skills={})
    call = ConversationFactory()
    Member.objects.create(
        conversation=call, kind="agent", agent=bob, channel="voice", leg_uuid="bob-leg"
    )
    TranscriptSegment.objects.create(
        conversation=call, speaker="agent", started_at=0.5, ended_at=1.5, text="good morning"
    )

    browser.get(asgi_live_server.url + "/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(bob.user.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: "Live" in text_at(browser, "#connection"), timeout=20)
    wait_until(lambda: "good morning" in text_at(browser, "#transcript-lines"))
    assert browser.find_element(By.ID, "transcript").is_displayed()

    stream_to(
        asgi_live_server.url,
        conversation_id=call.pk,
        speaker="customer",
        audio=silence(2.0) + spoken("I have a problem with my bill") + silence(1.0),
        settings=settings,
    )

    segment = wait_until(
        lambda: TranscriptSegment.objects.filter(speaker="customer").first(), timeout=30
    )
    wait_until(lambda: segment.text in text_at(browser, "#transcript-lines"), timeout=20)
    lines = browser.find_elements(By.CSS_SELECTOR, "#transcript-lines li")
    assert [line.find_element(By.CLASS_NAME, "speaker").text for line in lines] == [
        "You",
        "Customer",
    ]
    assert "problem" in lines[1].text
    # Said after 2 s of silence (the endpointer starts a segment a little before the words).
    assert 1.0 < segment.started_at < 2.5
    assert lines[1].find_element(By.CLASS_NAME, "when").text == f"0:{int(segment.started_at):02d}"
