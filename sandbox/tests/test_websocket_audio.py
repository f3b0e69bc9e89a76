"""The sandbox streams a call's sound to a websocket endpoint as Vonage does (CONTRACT §4):
the handshake carries the signed JWT, the first message is text (the event, the content type
and our headers), then binary frames of 20 ms, 640 bytes at 16 kHz, at real-time pace; the
words said on the call are in them, spoken by espeak-ng."""

import json
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from callcentre.tests.helpers import wait_until
from callcentre.vonage.client import VonageClient
from callcentre.vonage.signing import verify_webhook
from sandbox.tests.helpers import API_KEY, APPLICATION_ID, CENTRE, SECRET
from speech.streams import transcribe
from speech.tests.helpers import needs_espeak, words

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PHRASE = "I have a problem with my bill"


class Endpoint:
    """A websocket server that keeps the handshake's headers and every message, timed."""

    def __init__(self) -> None:
        self.authorization: str | None = None
        self.messages: list[tuple[float, str | bytes]] = []

    def handle(self, connection: ServerConnection) -> None:
        self.authorization = connection.request.headers.get("Authorization")
        try:
            for message in connection:
                self.messages.append((time.monotonic(), message))
        except ConnectionClosed:
            return


@needs_espeak
def test_a_websocket_leg_gets_vonages_framing_and_the_spoken_words(
    receiver, start_sandbox, private_key_pem, monkeypatch, settings
):
    settings.VONAGE_SIGNATURE_SECRET, settings.VONAGE_API_KEY = SECRET, API_KEY
    running = start_sandbox(receiver.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.sandbox.certificate.bundle))
    client = VonageClient(
        application_id=APPLICATION_ID, private_key=private_key_pem, api_host=running.config.api_host
    )
    endpoint = Endpoint()
    with serve(endpoint.handle, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        created = client.create_call(
            to={
                "type": "websocket",
                "uri": f"ws://127.0.0.1:{server.socket.getsockname()[1]}/media",
                "content-type": "audio/l16;rate=16000",
                "headers": {"conversation_id": "42", "speaker": "customer"},
                "authorization": {"type": "vonage"},
            },
            from_number=CENTRE,
            ncco=[
                {"action": "talk", "text": PHRASE},
                {"action": "conversation", "name": "websocket-room", "startOnEnter": False},
            ],
        )
        wait_until(lambda: len(endpoint.messages) > 200, timeout=20)  # 4 s of audio
        client.hangup(created.uuid)
        wait_until(lambda: running.control.call(created.uuid)["ended"], timeout=10)
        server.shutdown()

    assert verify_webhook(authorization=endpoint.authorization, body=b"", method="GET")
    (_, first), *frames = endpoint.messages
    assert json.loads(first) == {
        "event": "websocket:connected",
        "content-type": "audio/l16;rate=16000",
        "conversation_id": "42",
        "speaker": "customer",
    }
    assert {type(message) for _, message in frames} == {bytes}
    assert {len(message) for _, message in frames} == {640}
    # Real time: 200 frames of 20 ms take about 4 s to arrive.
    assert 3.6 <= frames[200][0] - frames[0][0] <= 4.6
    audio = b"".join(message for _, message in frames)
    heard = " ".join(u.text for u in transcribe(audio, engine="pocketsphinx"))
    assert "problem" in words(heard)
