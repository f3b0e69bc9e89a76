"""The Voice API operations call control uses, on the sandbox through the project's client
(the official SDK over HTTPS), against Vonage's published behaviour (CONTRACT §4, §5; the
Client SDK's "Managing call hold": hold is mute plus earmuff):

- hold: earmuff (the leg hears nobody), mute (nobody hears the leg) and a looped stream into
  the leg (its person hears the music); undone by unearmuff, unmute and stopping the stream;
- transfer: a REST transfer gives a leg a new NCCO and posts a `transfer` event; a leg with
  `endOnExit` leaving its conversation ends it for the others;
- conference: a third call joining the named conversation with `startOnEnter` is heard by
  everyone and hears everyone; hanging it up leaves the others;
- DTMF: `PUT /dtmf` answers 200 `{message: "DTMF sent", uuid}`; other digits are a 422;
- recording with split channels: `record` with `split: conversation` and 2 channels gives a
  stereo file, the leg's own side on the first channel and what it heard on the second.
"""

import io
import struct
import wave

import pytest
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client import HttpRequestError

from callcentre.tests.helpers import wait_until
from callcentre.vonage.client import VonageClient
from sandbox.audio import tone_wav
from sandbox.tests.helpers import APPLICATION_ID, CALLER, CENTRE, Received, feed_texts

pytestmark = pytest.mark.slow

AGENT = "447700900888"
THIRD = "447700900999"


def room(name: str, **options) -> dict:
    return {"action": "conversation", "name": name, **options}


@pytest.fixture
def sandbox(receiver, start_sandbox, monkeypatch):
    def respond(request: Received):
        if request.path == "/hold.wav":
            return 200, tone_wav(2.0)
        if request.path == "/webhooks/answer":  # the caller waits for the agent, on music
            return 200, [room("call", startOnEnter=False, endOnExit=True)]
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url, speed=5, callee_answer_delay=0.2)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.sandbox.certificate.bundle))
    return running


@pytest.fixture
def client(sandbox, private_key_pem):
    return VonageClient(
        application_id=APPLICATION_ID, private_key=private_key_pem, api_host=sandbox.config.api_host
    )


def join(client, sandbox, number: str, ncco: list[dict]) -> str:
    created = client.create_call(
        to={"type": "phone", "number": number}, from_number=CENTRE, ncco=ncco
    )
    wait_until(lambda: sandbox.control.call(created.uuid)["connected"])
    return created.uuid


def caller_with_agent(client, sandbox) -> tuple[str, str]:
    caller = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)["uuid"]
    wait_until(lambda: sandbox.control.call(caller)["conversation"] == "call")
    agent = join(client, sandbox, AGENT, [room("call")])
    wait_until(lambda: sandbox.control.call(caller)["connected"])
    return caller, agent


def heard(sandbox, uuid: str) -> list[str]:
    return [item["text"] for item in sandbox.control.call(uuid)["feed"] if item["kind"] == "heard"]


def test_hold_is_earmuff_mute_and_music_and_resume_undoes_them(client, sandbox, receiver):
    caller, agent = caller_with_agent(client, sandbox)

    client.earmuff(caller)
    client.mute(caller)
    client.stream(caller, url=f"{receiver.url}/hold.wav", loop=0)
    sandbox.control.say(agent, "One moment please.")
    sandbox.control.say(caller, "Is anyone there?")

    wait_until(lambda: "♪ Playing hold.wav" in feed_texts(sandbox, caller))
    state = sandbox.control.call(caller)
    assert (state["earmuffed"], state["muted"], state["ended"]) == (True, True, False)
    assert heard(sandbox, caller) == [] and heard(sandbox, agent) == []
    # The music played into the held leg does not reach the agent (the leg is muted).
    assert not any("hold.wav" in text for text in feed_texts(sandbox, agent))

    client.stop_stream(caller)
    client.unearmuff(caller)
    client.unmute(caller)
    sandbox.control.say(agent, "Thanks for holding.")
    sandbox.control.say(caller, "No problem.")

    assert "(stream stopped)" in feed_texts(sandbox, caller)
    wait_until(lambda: heard(sandbox, caller) == [f"+{AGENT}: “Thanks for holding.”"])
    wait_until(lambda: heard(sandbox, agent) == [f"+{CALLER}: “No problem.”"])


def test_a_transfer_moves_the_leg_and_its_end_on_exit_ends_the_conversation(
    client, sandbox, receiver
):
    caller, agent = caller_with_agent(client, sandbox)

    client.transfer_to_ncco(
        caller,
        [
            {"action": "talk", "text": "Transferring you."},
            room("elsewhere", startOnEnter=False, endOnExit=True),
        ],
    )

    transfer = receiver.wait_for(lambda r: "conversation_uuid_from" in r.payload)[0].payload
    assert transfer["uuid"] == caller
    wait_until(lambda: "Transferring you." in feed_texts(sandbox, caller))
    # The caller had endOnExit in "call": the agent's leg, with nothing after it, ends.
    wait_until(lambda: sandbox.control.call(agent)["ended"])
    assert receiver.statuses(agent)[-1] == "completed"
    wait_until(lambda: sandbox.control.call(caller)["conversation"] == "elsewhere")
    assert not sandbox.control.call(caller)["ended"]


def test_a_third_party_conferenced_in_hears_and_is_heard_then_is_dropped(client, sandbox):
    caller, agent = caller_with_agent(client, sandbox)

    third = join(client, sandbox, THIRD, [room("call", startOnEnter=True, endOnExit=False)])
    sandbox.control.say(third, "Hello both.")

    wait_until(lambda: heard(sandbox, caller) == [f"+{THIRD}: “Hello both.”"])
    wait_until(lambda: heard(sandbox, agent) == [f"+{THIRD}: “Hello both.”"])
    client.hangup(third)
    wait_until(lambda: sandbox.control.call(third)["ended"])
    sandbox.control.say(agent, "Still here.")
    wait_until(lambda: f"+{AGENT}: “Still here.”" in heard(sandbox, caller))


def test_dtmf_is_played_into_a_leg_and_bad_digits_are_refused(client, sandbox, private_key_pem):
    caller, _agent = caller_with_agent(client, sandbox)
    sdk = Vonage(
        Auth(application_id=APPLICATION_ID, private_key=private_key_pem),
        HttpClientOptions(api_host=sandbox.config.api_host),
    )

    answer = sdk.voice.play_dtmf_into_call(caller, "12p#")

    assert (answer.message, answer.uuid) == ("DTMF sent", caller)
    assert "DTMF tones played into the call: 12p#" in feed_texts(sandbox, caller)
    # The SDK checks the digits itself; the API refuses them too (422, RFC 7807).
    with pytest.raises(HttpRequestError) as refused:
        sdk.http_client.put(sandbox.config.api_host, f"/v1/calls/{caller}/dtmf", {"digits": "12a"})
    assert refused.value.response.status_code == 422
    assert refused.value.response.json()["invalid_parameters"][0]["name"] == "digits"


def channel_levels(data: bytes) -> list[int]:
    """The loudest sample of each channel of a 16-bit WAV."""
    with wave.open(io.BytesIO(data)) as reader:
        channels, frames = reader.getnchannels(), reader.readframes(reader.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    return [max((abs(x) for x in samples[c::channels]), default=0) for c in range(channels)]


def test_a_split_recording_keeps_each_side_on_its_own_channel(client, sandbox, receiver):
    caller = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)["uuid"]
    wait_until(lambda: sandbox.control.call(caller)["conversation"] == "call")
    agent = join(
        client,
        sandbox,
        AGENT,
        [
            {
                "action": "record",
                "split": "conversation",
                "channels": 2,
                "eventUrl": [f"{receiver.url}/recording"],
            },
            room("call"),
        ],
    )
    wait_until(lambda: sandbox.control.call(caller)["connected"])
    sandbox.control.say(caller, "My invoice is wrong")  # heard by the agent's leg

    client.hangup(agent)

    event = receiver.wait_for(lambda r: r.path == "/recording")[0].payload
    audio = client.download_recording(event["recording_url"])
    with wave.open(io.BytesIO(audio)) as reader:
        assert reader.getnchannels() == 2
    agent_side, heard_side = channel_levels(audio)
    assert agent_side == 0  # the agent said nothing
    assert heard_side > 0  # the caller, as the agent's leg heard them
