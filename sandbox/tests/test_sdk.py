"""The project's VonageClient (official SDK) against the sandbox over real HTTPS with the
generated certificate, for every REST operation the project uses (CONTRACT §5, §7, §11)."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from vonage import Auth, HttpClientOptions, Vonage
from vonage_voice import ListCallsFilter

from callcentre.tests.helpers import wait_until
from callcentre.vonage.client import VonageClient, VonageError
from sandbox.audio import tone_wav
from sandbox.tests.helpers import APPLICATION_ID, CENTRE, Received, feed_texts

pytestmark = pytest.mark.slow

CUSTOMER = "447700900777"
HOLD = [
    {"action": "talk", "text": "Please hold for an important message."},
    {"action": "conversation", "name": "sdk-room", "startOnEnter": False},
]


@pytest.fixture
def sandbox(receiver, start_sandbox, monkeypatch):
    def respond(request: Received):
        if request.path == "/hold.wav":
            return 200, tone_wav(2.0)
        if request.path == "/transfer-ncco":
            return 200, [{"action": "talk", "text": "You were transferred by URL."}] + HOLD[1:]
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.sandbox.certificate.bundle))
    return running


@pytest.fixture
def client(sandbox, private_key_pem):
    return VonageClient(
        application_id=APPLICATION_ID, private_key=private_key_pem, api_host=sandbox.config.api_host
    )


@pytest.fixture
def sdk(sandbox, private_key_pem):
    auth = Auth(application_id=APPLICATION_ID, private_key=private_key_pem)
    return Vonage(auth, HttpClientOptions(api_host=sandbox.config.api_host))


def answered_call(client, sandbox, ncco=HOLD):
    created = client.create_call(
        to={"type": "phone", "number": CUSTOMER}, from_number=CENTRE, ncco=ncco
    )
    wait_until(lambda: sandbox.control.call(created.uuid)["status"] == "answered")
    return created


def test_create_get_and_list_calls(client, sdk, sandbox, receiver):
    created = answered_call(client, sandbox)

    assert created.status == "started"
    assert created.direction == "outbound"
    assert created.conversation_uuid.startswith("CON-")
    info = sdk.voice.get_call(created.uuid)
    assert (info.uuid, info.status, info.direction) == (created.uuid, "answered", "outbound")
    assert info.to.number == CUSTOMER
    assert info.from_.number == CENTRE
    calls, next_index = sdk.voice.list_calls(ListCallsFilter(status="answered"))
    assert [call.uuid for call in calls] == [created.uuid]
    assert next_index is None
    assert receiver.statuses(created.uuid)[:3] == ["started", "ringing", "answered"]


def test_modify_a_call_mute_earmuff_talk_stream_dtmf_and_hang_up(client, sdk, sandbox, receiver):
    created = answered_call(client, sandbox)

    for operation in (client.mute, client.unmute, client.earmuff, client.unearmuff):
        operation(created.uuid)
    client.talk(created.uuid, text="This call may be recorded.")
    client.stop_talk(created.uuid)
    client.stream(created.uuid, url=f"{receiver.url}/hold.wav")
    client.stop_stream(created.uuid)
    client.send_dtmf(created.uuid, digits="1234")
    client.hangup(created.uuid)

    texts = feed_texts(sandbox, created.uuid)
    assert "You are muted" in texts
    assert "You are earmuffed: you hear nothing" in texts
    assert "This call may be recorded." in texts
    assert "♪ Playing hold.wav" in texts
    assert "DTMF tones played into the call: 1234" in texts
    wait_until(lambda: sdk.voice.get_call(created.uuid).status == "completed")
    completed = sdk.voice.get_call(created.uuid)
    assert completed.duration is not None and completed.price is not None


def test_transfer_with_an_ncco_and_with_a_url(client, sandbox, receiver):
    created = answered_call(client, sandbox)

    client.transfer_to_ncco(created.uuid, [{"action": "talk", "text": "New flow."}, *HOLD[1:]])
    wait_until(lambda: "New flow." in feed_texts(sandbox, created.uuid))
    client.transfer_to_url(created.uuid, f"{receiver.url}/transfer-ncco")
    wait_until(lambda: "You were transferred by URL." in feed_texts(sandbox, created.uuid))

    # The transfer events are posted while the new NCCO already runs: wait for both.
    transfers = receiver.wait_for(lambda r: "conversation_uuid_from" in r.payload, count=2)
    assert len(transfers) == 2
    assert all(t.payload["uuid"] == created.uuid for t in transfers)


def test_a_recording_is_downloadable_with_the_application_jwt(client, sandbox, receiver):
    record = [
        {"action": "record", "endOnKey": "#", "eventUrl": [f"{receiver.url}/recording"]},
        {"action": "talk", "text": "Thanks."},
    ]
    created = answered_call(client, sandbox, ncco=record)
    sandbox.control.say(created.uuid, "Please call me back tomorrow")
    sandbox.control.press(created.uuid, "#")

    event = receiver.wait_for(lambda r: r.path == "/recording")[0].payload
    audio = client.download_recording(event["recording_url"])

    assert event["recording_url"].startswith(f"https://{sandbox.config.api_host}/v1/files/")
    assert event["recording_uuid"] not in event["recording_url"]
    assert audio[:4] == b"RIFF" and len(audio) == event["size"]


def test_a_message_is_accepted_then_submitted_and_delivered(client, receiver):
    message_uuid = client.send_message(
        channel="sms", to="447700900123", from_=CENTRE, text="Your ticket is 42", client_ref="t-42"
    )

    statuses = receiver.wait_for(lambda r: r.path == "/webhooks/message-status", count=2)
    assert [r.payload["status"] for r in statuses] == ["submitted", "delivered"]
    assert {r.payload["message_uuid"] for r in statuses} == {message_uuid}
    assert statuses[1].payload["client_ref"] == "t-42"
    assert statuses[1].payload["usage"] == {"currency": "EUR", "price": "0.0333"}


def test_a_token_signed_with_another_key_gets_401_with_vonages_body(sandbox):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    intruder = VonageClient(
        application_id=APPLICATION_ID,
        private_key=other_key.decode(),
        api_host=sandbox.config.api_host,
    )

    with pytest.raises(VonageError) as refused:
        intruder.create_call(
            to={"type": "phone", "number": CUSTOMER}, from_number=CENTRE, ncco=HOLD
        )

    assert refused.value.status == 401
    assert refused.value.reason == "Unauthorized: You did not provide correct credentials."
    assert sandbox.control.calls() == []


def test_an_unknown_call_is_404(client):
    with pytest.raises(VonageError) as missing:
        client.hangup("63f61863-4a51-4f6b-86e1-46edebcf9356")

    assert missing.value.status == 404
    assert missing.value.reason.startswith("Not Found: Call with uuid 63f61863")
