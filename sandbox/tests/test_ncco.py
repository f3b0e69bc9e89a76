"""Every NCCO the sandbox accepts or refuses gets the same verdict from the official SDK's models
(vonage_voice), except the documented disagreements where CONTRACT §12 wins."""

from typing import Any

import pytest
from pydantic import ValidationError
from vonage_voice import Connect, Conversation, Input, Notify, Record, Stream, Talk, Transfer, Wait
from vonage_voice.errors import NccoActionError

from callcentre.vonage import ncco as builder
from sandbox.ncco import NccoInvalid, validate_ncco, wait_seconds

SDK_MODELS = {
    "record": Record,
    "conversation": Conversation,
    "connect": Connect,
    "talk": Talk,
    "stream": Stream,
    "input": Input,
    "notify": Notify,
    "wait": Wait,
    "transfer": Transfer,
}
URL = ["https://centre.example.com/webhooks/event"]


def sdk_accepts(ncco: list[dict[str, Any]]) -> bool:
    """The SDK models read the wire keys they serialise under other names (`from`,
    `content-type`) only by their Python names."""
    for action in ncco:
        model = SDK_MODELS.get(action.get("action"))
        if model is None:
            return False
        data = {("from_" if key == "from" else key): value for key, value in action.items()}
        data.pop("action")
        if "endpoint" in data:
            data["endpoint"] = [
                {
                    ("contentType" if key == "content-type" else key): value
                    for key, value in e.items()
                }
                for e in data["endpoint"]
            ]
        try:
            model.model_validate(data)
        except (ValidationError, NccoActionError):
            return False
    return True


def sandbox_accepts(ncco: list[dict[str, Any]]) -> bool:
    try:
        validate_ncco(ncco)
    except NccoInvalid:
        return False
    return True


PHONE = {"type": "phone", "number": "447700900001"}
VALID = {
    "talk": [{"action": "talk", "text": "Hello", "loop": 2, "level": 0.5, "language": "en-GB"}],
    "talk barge-in then input": [
        {"action": "talk", "text": "Press 1", "bargeIn": True},
        {"action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 1, "timeOut": 5}},
    ],
    "stream": [{"action": "stream", "streamUrl": ["https://example.com/hold.mp3"], "loop": 0}],
    "input both": [
        {
            "action": "input",
            "type": ["dtmf", "speech"],
            "eventUrl": URL,
            "speech": {"endOnSilence": 1.5, "context": ["billing"], "startTimeout": 10},
        },
    ],
    "record": [
        {
            "action": "record",
            "endOnKey": "#",
            "beepStart": True,
            "timeOut": 120,
            "format": "wav",
            "eventUrl": URL,
        }
    ],
    "record channels": [{"action": "record", "channels": 2, "split": "conversation"}],
    "conversation": [
        {
            "action": "conversation",
            "name": "waiting-CON-1",
            "startOnEnter": False,
            "musicOnHoldUrl": ["https://example.com/hold.wav"],
            "eventUrl": URL,
        }
    ],
    "conversation can speak": [{"action": "conversation", "name": "x", "canSpeak": ["leg-1"]}],
    "connect phone": [
        {
            "action": "connect",
            "from": "447700900000",
            "endpoint": [PHONE],
            "eventType": "synchronous",
            "timeout": 30,
            "limit": 600,
        }
    ],
    "connect random from": [
        {
            "action": "connect",
            "randomFromNumber": True,
            "endpoint": [{"type": "sip", "uri": "sip:agent@example.com"}],
        }
    ],
    "connect websocket": [
        {
            "action": "connect",
            "from": "447700900000",
            "endpoint": [
                {
                    "type": "websocket",
                    "uri": "wss://example.com/socket",
                    "content-type": "audio/l16;rate=16000",
                    "headers": {"id": "1"},
                }
            ],
        }
    ],
    "connect vbc": [
        {
            "action": "connect",
            "from": "447700900000",
            "endpoint": [{"type": "vbc", "extension": "1234"}],
        }
    ],
    "notify": [{"action": "notify", "payload": {"step": 1}, "eventUrl": URL}],
    "wait": [{"action": "wait", "timeout": 2.5}],
    "transfer": [{"action": "transfer", "conversationId": "CON-123", "canHear": ["a"]}],
    "empty": [],
}
INVALID = {
    "unknown action": [{"action": "dance"}],
    "no action": [{"text": "Hello"}],
    "talk without text": [{"action": "talk"}],
    "talk text too long": [{"action": "talk", "text": "a" * 1501}],
    "talk level": [{"action": "talk", "text": "Hi", "level": 2}],
    "talk loop": [{"action": "talk", "text": "Hi", "loop": -1}],
    "stream without url": [{"action": "stream"}],
    "input without type": [{"action": "input"}],
    "input unknown type": [{"action": "input", "type": ["fax"]}],
    "input max digits": [{"action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 21}}],
    "input dtmf timeout": [{"action": "input", "type": ["dtmf"], "dtmf": {"timeOut": 11}}],
    "input end on silence": [
        {"action": "input", "type": ["speech"], "speech": {"endOnSilence": 0.1}}
    ],
    "record end on key": [{"action": "record", "endOnKey": "A"}],
    "record timeout": [{"action": "record", "timeOut": 2}],
    "record end on silence": [{"action": "record", "endOnSilence": 11}],
    "record channels": [{"action": "record", "channels": 33}],
    "record format": [{"action": "record", "format": "flac"}],
    "conversation without name": [{"action": "conversation"}],
    "conversation mute and can speak": [
        {"action": "conversation", "name": "x", "mute": True, "canSpeak": ["leg-1"]}
    ],
    "connect without endpoint": [{"action": "connect", "from": "447700900000"}],
    "connect phone without from": [{"action": "connect", "endpoint": [PHONE]}],
    "connect from and random": [
        {"action": "connect", "from": "447700900000", "randomFromNumber": True, "endpoint": [PHONE]}
    ],
    "connect bad number": [
        {
            "action": "connect",
            "from": "447700900000",
            "endpoint": [{"type": "phone", "number": "+44 7700"}],
        }
    ],
    "connect limit": [
        {"action": "connect", "from": "447700900000", "endpoint": [PHONE], "limit": 7201}
    ],
    "connect machine detection": [
        {
            "action": "connect",
            "from": "447700900000",
            "endpoint": [PHONE],
            "machineDetection": "ignore",
        }
    ],
    "notify without url": [{"action": "notify", "payload": {}}],
    "notify without payload": [{"action": "notify", "eventUrl": URL}],
    "transfer without conversation": [{"action": "transfer"}],
    "transfer mute and can speak": [
        {"action": "transfer", "conversationId": "CON-1", "mute": True, "canSpeak": ["a"]}
    ],
}
# Where CONTRACT §12 (and the Voice OAS) and the SDK disagree: (NCCO, sandbox's verdict).
DISAGREEMENTS = {
    "§12.1 app connect without from": (
        [{"action": "connect", "endpoint": [{"type": "app", "user": "agent-bob"}]}],
        True,
    ),
    "§12.2 ringbackTone as a URL string": (
        [
            {
                "action": "connect",
                "from": "447700900000",
                "endpoint": [PHONE],
                "ringbackTone": "https://example.com/ring.mp3",
            }
        ],
        True,
    ),
    "§12.5 beep_timeout 30-44 s": (
        [
            {
                "action": "connect",
                "from": "447700900000",
                "endpoint": [PHONE],
                "advancedMachineDetection": {"beep_timeout": 30},
            }
        ],
        True,
    ),
    "OAS: websocket needs content-type": (
        [
            {
                "action": "connect",
                "from": "447700900000",
                "endpoint": [{"type": "websocket", "uri": "wss://example.com/socket"}],
            }
        ],
        False,
    ),
    "§4: connect takes exactly one endpoint": (
        [{"action": "connect", "from": "447700900000", "endpoint": [PHONE, PHONE]}],
        False,
    ),
    "§4: talk length counts text without SSML": (
        [{"action": "talk", "text": "<speak>" + "a" * 1500 + "</speak>"}],
        True,
    ),
    "§4: bargeIn needs an input next": (
        [{"action": "talk", "text": "Hi", "bargeIn": True}, {"action": "wait"}],
        False,
    ),
    "§4: input type may not be empty": ([{"action": "input", "type": []}], False),
    "SDK: a bad SIP URI passes as a websocket endpoint (its union)": (
        [
            {
                "action": "connect",
                "from": "447700900000",
                "endpoint": [{"type": "sip", "uri": "agent@example.com"}],
            }
        ],
        False,
    ),
}


@pytest.mark.parametrize("ncco", VALID.values(), ids=VALID.keys())
def test_valid_nccos_are_accepted_by_the_sandbox_and_the_sdk(ncco):
    assert sandbox_accepts(ncco)
    assert sdk_accepts(ncco)


@pytest.mark.parametrize("ncco", INVALID.values(), ids=INVALID.keys())
def test_invalid_nccos_are_refused_by_the_sandbox_and_the_sdk(ncco):
    assert not sandbox_accepts(ncco)
    assert not sdk_accepts(ncco)


@pytest.mark.parametrize(
    ("ncco", "sandbox_verdict"), DISAGREEMENTS.values(), ids=DISAGREEMENTS.keys()
)
def test_where_the_sdk_disagrees_with_the_contract_the_contract_wins(ncco, sandbox_verdict):
    assert sandbox_accepts(ncco) is sandbox_verdict
    assert sdk_accepts(ncco) is not sandbox_verdict


def test_the_reason_names_the_action_and_the_problem():
    with pytest.raises(NccoInvalid) as refused:
        validate_ncco([{"action": "talk", "text": "Hi"}, INVALID["input max digits"][0]])

    assert refused.value.reason == (
        "Invalid NCCO: action 1 (input): dtmf maxDigits must be between 1 and 20, got 21"
    )


def test_unknown_actions_get_vonages_syntax_error():
    with pytest.raises(NccoInvalid) as refused:
        validate_ncco([{"action": "dance"}])

    assert "Syntax error in NCCO. Invalid value type or action." in refused.value.reason


def test_everything_the_projects_builder_makes_is_accepted():
    ncco = builder.ncco_to_json(
        [
            builder.Talk(text="Welcome", barge_in=True, language="en-GB"),
            builder.Input(
                type=["dtmf", "speech"],
                dtmf=builder.DtmfSettings(max_digits=1, timeout=5),
                speech=builder.SpeechSettings(context=["billing"], end_on_silence=1.5),
                event_url=URL[0],
            ),
            builder.Record(end_on_key="#", beep_start=True, timeout=120, event_url=URL[0]),
            builder.Conversation(
                name="waiting-CON-1",
                music_on_hold_url="https://e.com/hold.wav",
                start_on_enter=False,
                end_on_exit=True,
                event_url=URL[0],
            ),
            builder.Connect(
                endpoint=builder.AppEndpoint(user="agent-bob"),
                event_url=URL[0],
                ringback_tone="https://e.com/ring.mp3",
            ),
            builder.Notify(payload={"a": 1}, event_url=URL[0]),
            builder.Wait(timeout=1),
            builder.Transfer(conversation_id="CON-2"),
        ]
    )

    assert validate_ncco(ncco) == ncco


@pytest.mark.parametrize(("timeout", "seconds"), [(None, 10.0), (0.01, 0.1), (9000, 7200.0)])
def test_wait_is_clamped_like_the_sdk(timeout, seconds):
    action = {"action": "wait"} if timeout is None else {"action": "wait", "timeout": timeout}
    assert wait_seconds(action) == seconds == Wait.model_validate(action).timeout
