"""The whole chain on real parts: a caller on the Vonage sandbox reaches Billing (a queue that
transcribes), Bob accepts; when his leg is answered the project joins two websocket legs to
the call, the sandbox streams each party's words spoken by espeak-ng to the project's ASGI
server (/ws/media/), PocketSphinx hears them, and the segments are stored and pushed to Bob's
desktop websocket, each with its speaker."""

import json
import threading

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from callcentre.tests.helpers import wait_until
from callcentre.tests.websockets import session_cookie
from conversations.models import TranscriptSegment
from routing.models import Offer
from routing.offers import offer_accept
from routing.tests.factories import available_agent
from sandbox.tests.helpers import CALLER, CENTRE, feed_texts
from speech.tests.helpers import needs_espeak, words

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), needs_espeak]

TIMEOUT = 60.0  # a shared, loaded machine: the engine may run behind real time


class Desktop:
    """Bob's desktop websocket (/ws/agent/), read in a thread."""

    def __init__(self, url: str, cookie: tuple[bytes, bytes]) -> None:
        self.socket = connect(
            url.replace("http", "ws", 1) + "/ws/agent/",
            additional_headers={"Cookie": cookie[1].decode(), "Origin": url},
        ).__enter__()  # closed at the end of the test
        self.events: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for message in self.socket:
                self.events.append(json.loads(message))
        except ConnectionClosed:
            return

    def segments(self) -> list[dict]:
        return [event for event in self.events if event["type"] == "transcript.segment"]


def test_a_call_is_transcribed_live_onto_the_agents_desktop(
    asgi_live_server, asgi_project_sandbox, billing_menu, billing, billing_skill, settings
):
    billing.transcribe_calls = True
    billing.save()
    sandbox = asgi_project_sandbox(speed=5, app_answer_delay=1.0)
    settings.MEDIA_STREAM_URL = asgi_live_server.url.replace("http", "ws", 1) + "/ws/media/"
    bob = available_agent("Bob", skills={billing_skill: 8})
    desktop = Desktop(asgi_live_server.url, session_cookie(bob.user))

    call = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: any("press 2" in text for text in feed_texts(sandbox, call["uuid"])))
    sandbox.control.press(call["uuid"], "2")
    offer = wait_until(lambda: Offer.objects.filter(agent=bob).first(), timeout=TIMEOUT)
    offer_accept(offer_id=offer.pk, agent=bob)

    def streaming_legs() -> list[dict]:
        legs = [
            leg for leg in sandbox.control.calls(live=True) if leg["endpoint_type"] == "websocket"
        ]
        return legs if len(legs) == 2 and all(leg["connected"] for leg in legs) else []

    wait_until(streaming_legs, timeout=TIMEOUT)
    agent_leg = next(
        leg for leg in sandbox.control.calls(live=True) if leg["endpoint_type"] == "app"
    )
    sandbox.control.say(call["uuid"], "I have a problem with my bill")
    customer = wait_until(
        lambda: TranscriptSegment.objects.filter(speaker="customer").first(), timeout=TIMEOUT
    )
    sandbox.control.say(agent_leg["uuid"], "Can I have your account number please")
    agent = wait_until(
        lambda: TranscriptSegment.objects.filter(speaker="agent").first(), timeout=TIMEOUT
    )

    assert customer.conversation.vonage_uuid == call["conversation_uuid"]
    assert "problem" in words(customer.text)
    assert agent.conversation_id == customer.conversation_id
    assert "account" in words(agent.text)
    pushed = wait_until(lambda: len(desktop.segments()) == 2 and desktop.segments())
    assert [(s["speaker"], s["text"]) for s in pushed] == [
        ("customer", customer.text),
        ("agent", agent.text),
    ]
    assert pushed[0]["conversation_id"] == customer.conversation_id
    desktop.socket.close()
    sandbox.control.hangup(call["uuid"])
