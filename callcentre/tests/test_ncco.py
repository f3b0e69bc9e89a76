"""The NCCO builder against the official SDK's serialisation, and against CONTRACT.md
section 12 wherever the two disagree."""

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pydantic
import pytest
import vonage_voice as sdk
from vonage_voice.errors import NccoActionError
from vonage_voice.models.common import WebsocketAuthorization as SdkWebsocketAuthorization

from callcentre.vonage.ncco import (
    AdvancedMachineDetection,
    AppEndpoint,
    Connect,
    Conversation,
    DtmfSettings,
    Input,
    NccoError,
    Notify,
    OnAnswer,
    PhoneEndpoint,
    Record,
    SipEndpoint,
    SpeechSettings,
    Stream,
    Talk,
    Transcription,
    Transfer,
    VbcEndpoint,
    Wait,
    WebsocketAuthorization,
    WebsocketEndpoint,
    ncco_to_json,
)

EVENTS = "https://centre.example.com/webhooks/voice/event"
HOLD_MUSIC = "https://centre.example.com/static/audio/hold.mp3"
RINGBACK = "https://centre.example.com/static/audio/ringback.mp3"
LEG = "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"
OTHER_LEG = "bbbbbbbb-cccc-4ddd-8eee-0123456789ab"
CALLER_ID = "447700900000"


def sdk_json(model: pydantic.BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


# Actions


def test_record_matches_sdk() -> None:
    ours = Record(
        format="wav",
        channels=2,
        end_on_silence=5,
        end_on_key="#",
        timeout=600,
        beep_start=True,
        event_url=EVENTS,
        event_method="POST",
    )
    theirs = sdk.Record(
        format="wav",
        channels=2,
        endOnSilence=5,
        endOnKey="#",
        timeOut=600,
        beepStart=True,
        eventUrl=[EVENTS],
        eventMethod="POST",
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "action": "record",
        "format": "wav",
        "split": "conversation",
        "channels": 2,
        "endOnSilence": 5,
        "endOnKey": "#",
        "timeOut": 600,
        "beepStart": True,
        "eventUrl": [EVENTS],
        "eventMethod": "POST",
    }


def test_record_channels_implies_split_conversation_like_sdk() -> None:
    record = Record(channels=4)

    assert record.split == "conversation"
    assert record.to_dict() == sdk_json(sdk.Record(channels=4))


def test_record_transcription_per_contract_which_sdk_lacks() -> None:
    ours = Record(
        event_url=EVENTS,
        transcription=Transcription(
            language="en-GB", event_url=EVENTS, event_method="POST", sentiment_analysis=True
        ),
    )

    assert ours.to_dict() == sdk_json(sdk.Record(eventUrl=[EVENTS])) | {
        "transcription": {
            "language": "en-GB",
            "eventUrl": [EVENTS],
            "eventMethod": "POST",
            "sentimentAnalysis": True,
        }
    }


def test_conversation_matches_sdk() -> None:
    ours = Conversation(
        name="queue-sales-7f3a",
        music_on_hold_url=HOLD_MUSIC,
        start_on_enter=False,
        end_on_exit=True,
        record=True,
        can_speak=[LEG],
        can_hear=[LEG, OTHER_LEG],
        event_url=EVENTS,
        event_method="POST",
    )
    theirs = sdk.Conversation(
        name="queue-sales-7f3a",
        musicOnHoldUrl=[HOLD_MUSIC],
        startOnEnter=False,
        endOnExit=True,
        record=True,
        canSpeak=[LEG],
        canHear=[LEG, OTHER_LEG],
        eventUrl=[EVENTS],
        eventMethod="POST",
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict()["musicOnHoldUrl"] == [HOLD_MUSIC]


def test_conversation_muted_matches_sdk() -> None:
    ours = Conversation(name="supervisor-listen-7f3a", mute=True, can_hear=[])

    assert ours.to_dict() == sdk_json(
        sdk.Conversation(name="supervisor-listen-7f3a", mute=True, canHear=[])
    )
    assert ours.to_dict() == {
        "action": "conversation",
        "name": "supervisor-listen-7f3a",
        "mute": True,
        "canHear": [],
    }


def test_conversation_transcription_per_contract_which_sdk_lacks() -> None:
    ours = Conversation(name="queue-sales-7f3a", transcription=Transcription(language="en-US"))

    assert ours.to_dict() == {
        "action": "conversation",
        "name": "queue-sales-7f3a",
        "transcription": {"language": "en-US"},
    }


def test_connect_matches_sdk() -> None:
    ours = Connect(
        endpoint=PhoneEndpoint(number="447700900001"),
        from_number=CALLER_ID,
        event_type="synchronous",
        timeout=45,
        limit=3600,
        machine_detection="hangup",
        event_url=EVENTS,
        event_method="POST",
    )
    theirs = sdk.Connect(
        endpoint=[sdk.PhoneEndpoint(number="447700900001")],
        from_=CALLER_ID,
        eventType="synchronous",
        timeout=45,
        limit=3600,
        machineDetection="hangup",
        eventUrl=[EVENTS],
        eventMethod="POST",
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "action": "connect",
        "endpoint": [{"type": "phone", "number": "447700900001"}],
        "from": CALLER_ID,
        "eventType": "synchronous",
        "timeout": 45,
        "limit": 3600,
        "machineDetection": "hangup",
        "eventUrl": [EVENTS],
        "eventMethod": "POST",
    }


def test_connect_random_from_number_matches_sdk() -> None:
    ours = Connect(endpoint=VbcEndpoint(extension="1234"), random_from_number=True)

    assert ours.to_dict() == sdk_json(
        sdk.Connect(endpoint=[sdk.VbcEndpoint(extension="1234")], randomFromNumber=True)
    )


def test_connect_advanced_machine_detection_matches_sdk() -> None:
    detection = AdvancedMachineDetection(behavior="continue", mode="detect_beep", beep_timeout=60)
    ours = Connect(
        endpoint=PhoneEndpoint(number="447700900001"),
        from_number=CALLER_ID,
        advanced_machine_detection=detection,
    )
    theirs = sdk.Connect(
        endpoint=[sdk.PhoneEndpoint(number="447700900001")],
        from_=CALLER_ID,
        advancedMachineDetection=sdk.AdvancedMachineDetection(
            behavior="continue", mode="detect_beep", beep_timeout=60
        ),
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict()["advancedMachineDetection"] == {
        "behavior": "continue",
        "mode": "detect_beep",
        "beep_timeout": 60,
    }


def test_beep_timeout_of_30_seconds_is_allowed_per_contract_unlike_sdk() -> None:
    assert AdvancedMachineDetection(beep_timeout=30).to_dict() == {"beep_timeout": 30}
    with pytest.raises(pydantic.ValidationError):
        sdk.AdvancedMachineDetection(beep_timeout=30)


def test_connect_to_app_user_needs_no_from_number_unlike_sdk() -> None:
    ours = Connect(endpoint=AppEndpoint(user="agent.alice"))

    assert ours.to_dict() == {
        "action": "connect",
        "endpoint": [{"type": "app", "user": "agent.alice"}],
    }
    with pytest.raises(NccoActionError):
        sdk.Connect(endpoint=[sdk.AppEndpoint(user="agent.alice")])


def test_ringback_tone_is_a_string_per_contract_unlike_sdk_list() -> None:
    ours = Connect(endpoint=AppEndpoint(user="agent.alice"), ringback_tone=RINGBACK)
    theirs = sdk.Connect(
        endpoint=[sdk.AppEndpoint(user="agent.alice")], from_=CALLER_ID, ringbackTone=[RINGBACK]
    )

    assert ours.to_dict()["ringbackTone"] == RINGBACK
    assert sdk_json(theirs)["ringbackTone"] == [RINGBACK]


def test_talk_matches_sdk() -> None:
    ours = Talk(
        text="Thanks for calling. Press 1 for sales.",
        barge_in=True,
        loop=2,
        level=0.5,
        language="en-GB",
        style=1,
        premium=True,
    )
    theirs = sdk.Talk(
        text="Thanks for calling. Press 1 for sales.",
        bargeIn=True,
        loop=2,
        level=0.5,
        language="en-GB",
        style=1,
        premium=True,
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "action": "talk",
        "text": "Thanks for calling. Press 1 for sales.",
        "bargeIn": True,
        "loop": 2,
        "level": 0.5,
        "language": "en-GB",
        "style": 1,
        "premium": True,
    }


def test_talk_leaves_unset_fields_to_vonage_defaults() -> None:
    assert Talk(text="Hello").to_dict() == {"action": "talk", "text": "Hello"}
    assert Talk(text="Hello").to_dict() == sdk_json(sdk.Talk(text="Hello"))


def test_talk_ssml_markup_does_not_count_toward_1500_characters_unlike_sdk() -> None:
    text = "<speak>" + '<break time="1ms"/>'.join(["a"] * 1500) + "</speak>"

    assert Talk(text=text).to_dict() == {"action": "talk", "text": text}
    with pytest.raises(pydantic.ValidationError):
        sdk.Talk(text=text)


def test_stream_matches_sdk() -> None:
    ours = Stream(stream_url=HOLD_MUSIC, level=-0.5, barge_in=True, loop=0)
    theirs = sdk.Stream(streamUrl=[HOLD_MUSIC], level=-0.5, bargeIn=True, loop=0)

    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "action": "stream",
        "streamUrl": [HOLD_MUSIC],
        "level": -0.5,
        "bargeIn": True,
        "loop": 0,
    }


def test_input_dtmf_matches_sdk() -> None:
    ours = Input(
        type=["dtmf"],
        dtmf=DtmfSettings(timeout=5, max_digits=1, submit_on_hash=True),
        event_url=EVENTS,
        event_method="POST",
    )
    theirs = sdk.Input(
        type=["dtmf"],
        dtmf=sdk.Dtmf(timeOut=5, maxDigits=1, submitOnHash=True),
        eventUrl=[EVENTS],
        eventMethod="POST",
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "action": "input",
        "type": ["dtmf"],
        "dtmf": {"timeOut": 5, "maxDigits": 1, "submitOnHash": True},
        "eventUrl": [EVENTS],
        "eventMethod": "POST",
    }


def test_input_speech_and_dtmf_matches_sdk() -> None:
    ours = Input(
        type=["dtmf", "speech"],
        dtmf=DtmfSettings(max_digits=4),
        speech=SpeechSettings(
            uuid=LEG,
            end_on_silence=1.5,
            language="en-GB",
            context=["sales", "support", "billing"],
            start_timeout=5,
            max_duration=30,
            save_audio=True,
            sensitivity=80,
        ),
        event_url=EVENTS,
    )
    theirs = sdk.Input(
        type=["dtmf", "speech"],
        dtmf=sdk.Dtmf(maxDigits=4),
        speech=sdk.Speech(
            uuid=[LEG],
            endOnSilence=1.5,
            language="en-GB",
            context=["sales", "support", "billing"],
            startTimeout=5,
            maxDuration=30,
            saveAudio=True,
            sensitivity=80,
        ),
        eventUrl=[EVENTS],
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict()["speech"]["uuid"] == [LEG]


def test_speech_save_audio_left_unset_is_omitted_unlike_sdk_default_false() -> None:
    assert SpeechSettings(language="en-GB").to_dict() == {"language": "en-GB"}
    assert sdk_json(sdk.Speech(language="en-GB")) == {"language": "en-GB", "saveAudio": False}


def test_input_asynchronous_mode_per_contract_which_sdk_lacks() -> None:
    ours = Input(type=["dtmf"], mode="asynchronous", event_url=EVENTS)

    assert ours.to_dict() == {
        "action": "input",
        "type": ["dtmf"],
        "mode": "asynchronous",
        "eventUrl": [EVENTS],
    }


def test_notify_matches_sdk() -> None:
    payload = {"task": "offer", "offer_id": 42, "agents": ["alice", "bob"]}
    ours = Notify(payload=payload, event_url=EVENTS, event_method="POST")
    theirs = sdk.Notify(payload=payload, eventUrl=[EVENTS], eventMethod="POST")

    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "action": "notify",
        "payload": {"task": "offer", "offer_id": 42, "agents": ["alice", "bob"]},
        "eventUrl": [EVENTS],
        "eventMethod": "POST",
    }


def test_wait_matches_sdk() -> None:
    assert Wait(timeout=2.5).to_dict() == sdk_json(sdk.Wait(timeout=2.5))
    assert Wait(timeout=2.5).to_dict() == {"action": "wait", "timeout": 2.5}


def test_wait_without_timeout_leaves_vonage_default_unlike_sdk_explicit_10() -> None:
    assert Wait().to_dict() == {"action": "wait"}
    assert sdk_json(sdk.Wait()) == {"action": "wait", "timeout": 10.0}


def test_transfer_matches_sdk() -> None:
    ours = Transfer(conversation_id="CON-f972836a-550f-45fa-956c-12a2ab5b7d22", can_hear=[LEG])
    theirs = sdk.Transfer(conversationId="CON-f972836a-550f-45fa-956c-12a2ab5b7d22", canHear=[LEG])

    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "action": "transfer",
        "conversationId": "CON-f972836a-550f-45fa-956c-12a2ab5b7d22",
        "canHear": [LEG],
    }


def test_transfer_muted_matches_sdk() -> None:
    ours = Transfer(conversation_id="CON-f972836a", can_speak=[], can_hear=[LEG, OTHER_LEG])
    muted = Transfer(conversation_id="CON-f972836a", mute=True)

    assert ours.to_dict() == sdk_json(
        sdk.Transfer(conversationId="CON-f972836a", canSpeak=[], canHear=[LEG, OTHER_LEG])
    )
    assert muted.to_dict() == sdk_json(sdk.Transfer(conversationId="CON-f972836a", mute=True))


# Connect endpoints


def test_phone_endpoint_matches_sdk() -> None:
    ours = PhoneEndpoint(
        number="447700900001",
        dtmf_answer="p*123#",
        on_answer=OnAnswer(url="https://centre.example.com/ncco/whisper", ringback_tone=RINGBACK),
        shaken="eyJhbGciOiJFUzI1NiJ9.shaken.identity",
    )
    theirs = sdk.PhoneEndpoint(
        number="447700900001",
        dtmfAnswer="p*123#",
        onAnswer=sdk.OnAnswer(url="https://centre.example.com/ncco/whisper", ringbackTone=RINGBACK),
        shaken="eyJhbGciOiJFUzI1NiJ9.shaken.identity",
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "type": "phone",
        "number": "447700900001",
        "dtmfAnswer": "p*123#",
        "onAnswer": {"url": "https://centre.example.com/ncco/whisper", "ringbackTone": RINGBACK},
        "shaken": "eyJhbGciOiJFUzI1NiJ9.shaken.identity",
    }


def test_app_endpoint_matches_sdk() -> None:
    ours = AppEndpoint(user="agent.alice")

    assert ours.to_dict() == sdk_json(sdk.AppEndpoint(user="agent.alice"))
    assert ours.to_dict() == {"type": "app", "user": "agent.alice"}


def test_websocket_endpoint_matches_sdk() -> None:
    ours = WebsocketEndpoint(
        uri="wss://transcriber.example.com/socket",
        content_type="audio/l16;rate=16000",
        headers={"call_id": "7f3a", "language": "en-GB"},
        authorization=WebsocketAuthorization(type="custom", value="Bearer s3cr3t"),
    )
    theirs = sdk.WebsocketEndpoint(
        uri="wss://transcriber.example.com/socket",
        contentType="audio/l16;rate=16000",
        headers={"call_id": "7f3a", "language": "en-GB"},
        authorization=SdkWebsocketAuthorization(type="custom", value="Bearer s3cr3t"),
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "type": "websocket",
        "uri": "wss://transcriber.example.com/socket",
        "content-type": "audio/l16;rate=16000",
        "headers": {"call_id": "7f3a", "language": "en-GB"},
        "authorization": {"type": "custom", "value": "Bearer s3cr3t"},
    }


def test_websocket_endpoint_with_vonage_authorization_matches_sdk() -> None:
    ours = WebsocketEndpoint(
        uri="wss://transcriber.example.com/socket",
        content_type="audio/l16;rate=8000",
        authorization=WebsocketAuthorization(type="vonage"),
    )
    theirs = sdk.WebsocketEndpoint(
        uri="wss://transcriber.example.com/socket",
        contentType="audio/l16;rate=8000",
        authorization=SdkWebsocketAuthorization(type="vonage"),
    )
    assert ours.to_dict() == sdk_json(theirs)


def test_sip_endpoint_matches_sdk() -> None:
    ours = SipEndpoint(
        uri="sip:agent@pbx.example.com;transport=tls;media=srtp",
        headers={"queue": "sales"},
        standard_headers={"User-to-User": "342342ef34;encoding=hex"},
    )
    theirs = sdk.SipEndpoint(
        uri="sip:agent@pbx.example.com;transport=tls;media=srtp",
        headers={"queue": "sales"},
        standardHeaders={"User-to-User": "342342ef34;encoding=hex"},
    )
    assert ours.to_dict() == sdk_json(theirs)
    assert ours.to_dict() == {
        "type": "sip",
        "uri": "sip:agent@pbx.example.com;transport=tls;media=srtp",
        "headers": {"queue": "sales"},
        "standardHeaders": {"User-to-User": "342342ef34;encoding=hex"},
    }


def test_vbc_endpoint_matches_sdk() -> None:
    ours = VbcEndpoint(extension="1234")

    assert ours.to_dict() == sdk_json(sdk.VbcEndpoint(extension="1234"))
    assert ours.to_dict() == {"type": "vbc", "extension": "1234"}


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (AppEndpoint(user="agent.alice"), sdk.AppEndpoint(user="agent.alice")),
        (
            WebsocketEndpoint(uri="wss://ai.example.com/ws", content_type="audio/l16;rate=24000"),
            sdk.WebsocketEndpoint(
                uri="wss://ai.example.com/ws", contentType="audio/l16;rate=24000"
            ),
        ),
        (
            SipEndpoint(uri="sips:desk@pbx.example.com"),
            sdk.SipEndpoint(uri="sips:desk@pbx.example.com"),
        ),
        (VbcEndpoint(extension="200"), sdk.VbcEndpoint(extension="200")),
    ],
    ids=["app", "websocket", "sip", "vbc"],
)
def test_connect_wraps_each_endpoint_type_in_a_list_like_sdk(
    ours: AppEndpoint | WebsocketEndpoint | SipEndpoint | VbcEndpoint, theirs: pydantic.BaseModel
) -> None:
    connect = Connect(endpoint=ours, from_number=CALLER_ID)

    assert connect.to_dict() == sdk_json(sdk.Connect(endpoint=[theirs], from_=CALLER_ID))


# Validation


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Talk(text=""), "Talk.text is required, got ''"),
        (
            lambda: Talk(text="a" * 1501),
            "Talk.text must be at most 1500 characters besides SSML, got 1501",
        ),
        (lambda: Talk(text="Hi", level=1.5), "Talk.level must be between -1 and 1, got 1.5"),
        (lambda: Talk(text="Hi", loop=-1), "Talk.loop must be at least 0, got -1"),
        (lambda: Stream(stream_url=""), "Stream.stream_url is required, got ''"),
        (
            lambda: Stream(stream_url=HOLD_MUSIC, level=-1.1),
            "Stream.level must be between -1 and 1, got -1.1",
        ),
        (
            lambda: Input(type=[]),
            "Input.type must be a non-empty list of 'dtmf' and/or 'speech', got []",
        ),
        (
            lambda: Input(type="dtmf"),
            "Input.type must be a non-empty list of 'dtmf' and/or 'speech', got 'dtmf'",
        ),
        (
            lambda: Input(type=["dtmf", "video"]),
            "Input.type must be a non-empty list of 'dtmf' and/or 'speech', got ['dtmf', 'video']",
        ),
        (
            lambda: Input(type=["dtmf", "dtmf"]),
            "Input.type must not repeat an input type, got ['dtmf', 'dtmf']",
        ),
        (
            lambda: Input(type=["dtmf"], mode="streaming"),
            "Input.mode must be one of synchronous, asynchronous, got 'streaming'",
        ),
        (
            lambda: DtmfSettings(timeout=11),
            "DtmfSettings.timeout must be between 0 and 10, got 11",
        ),
        (
            lambda: DtmfSettings(max_digits=0),
            "DtmfSettings.max_digits must be between 1 and 20, got 0",
        ),
        (
            lambda: DtmfSettings(max_digits=21),
            "DtmfSettings.max_digits must be between 1 and 20, got 21",
        ),
        (
            lambda: SpeechSettings(end_on_silence=0.3),
            "SpeechSettings.end_on_silence must be between 0.4 and 10, got 0.3",
        ),
        (
            lambda: SpeechSettings(end_on_silence=10.5),
            "SpeechSettings.end_on_silence must be between 0.4 and 10, got 10.5",
        ),
        (
            lambda: SpeechSettings(max_duration=61),
            "SpeechSettings.max_duration must be between 1 and 60, got 61",
        ),
        (
            lambda: SpeechSettings(max_duration=0),
            "SpeechSettings.max_duration must be between 1 and 60, got 0",
        ),
        (lambda: Record(channels=0), "Record.channels must be between 1 and 32, got 0"),
        (lambda: Record(channels=33), "Record.channels must be between 1 and 32, got 33"),
        (
            lambda: Record(end_on_silence=2),
            "Record.end_on_silence must be between 3 and 10, got 2",
        ),
        (
            lambda: Record(end_on_silence=11),
            "Record.end_on_silence must be between 3 and 10, got 11",
        ),
        (lambda: Record(end_on_key="a"), "Record.end_on_key must match [0-9*#], got 'a'"),
        (lambda: Record(end_on_key="12"), "Record.end_on_key must match [0-9*#], got '12'"),
        (lambda: Record(timeout=2), "Record.timeout must be between 3 and 7200, got 2"),
        (lambda: Record(timeout=7201), "Record.timeout must be between 3 and 7200, got 7201"),
        (lambda: Record(format="aac"), "Record.format must be one of mp3, wav, ogg, got 'aac'"),
        (
            lambda: Record(event_method="PUT"),
            "Record.event_method must be one of GET, POST, got 'PUT'",
        ),
        (lambda: Conversation(name=""), "Conversation.name is required, got ''"),
        (
            lambda: Conversation(name="queue-sales", mute=True, can_speak=[LEG]),
            "Conversation.mute cannot be combined with can_speak",
        ),
        (
            lambda: Connect(endpoint=[AppEndpoint(user="agent.alice")]),
            "Connect.endpoint must be exactly one endpoint, got [AppEndpoint(user='agent.alice')]",
        ),
        (
            lambda: Connect(
                endpoint=AppEndpoint(user="agent.alice"),
                from_number=CALLER_ID,
                random_from_number=True,
            ),
            "Connect.from_number cannot be combined with random_from_number",
        ),
        (
            lambda: Connect(endpoint=AppEndpoint(user="agent.alice"), from_number="+447700900000"),
            r"Connect.from_number must match [1-9]\d{6,14}, got '+447700900000'",
        ),
        (
            lambda: Connect(endpoint=AppEndpoint(user="agent.alice"), limit=7201),
            "Connect.limit must be between 1 and 7200, got 7201",
        ),
        (
            lambda: Connect(endpoint=AppEndpoint(user="agent.alice"), machine_detection="ignore"),
            "Connect.machine_detection must be one of continue, hangup, got 'ignore'",
        ),
        (
            lambda: AdvancedMachineDetection(beep_timeout=29),
            "AdvancedMachineDetection.beep_timeout must be between 30 and 120, got 29",
        ),
        (
            lambda: AdvancedMachineDetection(beep_timeout=121),
            "AdvancedMachineDetection.beep_timeout must be between 30 and 120, got 121",
        ),
        (
            lambda: AdvancedMachineDetection(mode="detect_voice"),
            "AdvancedMachineDetection.mode must be one of default, detect, detect_beep, "
            "got 'detect_voice'",
        ),
        (lambda: Wait(timeout=0.05), "Wait.timeout must be between 0.1 and 7200, got 0.05"),
        (lambda: Wait(timeout=7201), "Wait.timeout must be between 0.1 and 7200, got 7201"),
        (
            lambda: Notify(payload=["offer"], event_url=EVENTS),
            "Notify.payload must be a dict, got ['offer']",
        ),
        (
            lambda: Notify(payload={"task": "offer"}, event_url=""),
            "Notify.event_url is required, got ''",
        ),
        (lambda: Transfer(conversation_id=""), "Transfer.conversation_id is required, got ''"),
        (
            lambda: Transfer(conversation_id="CON-f972836a", mute=True, can_speak=[]),
            "Transfer.mute cannot be combined with can_speak",
        ),
        (
            lambda: PhoneEndpoint(number="+447700900001"),
            r"PhoneEndpoint.number must match [1-9]\d{6,14}, got '+447700900001'",
        ),
        (
            lambda: PhoneEndpoint(number="447700900001", dtmf_answer="12x"),
            "PhoneEndpoint.dtmf_answer must match [0-9*#p]+, got '12x'",
        ),
        (lambda: OnAnswer(url=""), "OnAnswer.url is required, got ''"),
        (lambda: AppEndpoint(user=""), "AppEndpoint.user is required, got ''"),
        (
            lambda: WebsocketEndpoint(
                uri="https://ai.example.com", content_type="audio/l16;rate=8000"
            ),
            "WebsocketEndpoint.uri must match wss?://.+, got 'https://ai.example.com'",
        ),
        (
            lambda: WebsocketEndpoint(uri="wss://ai.example.com", content_type="audio/pcm"),
            "WebsocketEndpoint.content_type must be one of audio/l16;rate=8000, "
            "audio/l16;rate=16000, audio/l16;rate=24000, got 'audio/pcm'",
        ),
        (
            lambda: WebsocketAuthorization(type="custom"),
            "WebsocketAuthorization.value is required when type is 'custom'",
        ),
        (
            lambda: SipEndpoint(uri="agent@pbx.example.com"),
            "SipEndpoint.uri must match sips?:.+, got 'agent@pbx.example.com'",
        ),
        (lambda: VbcEndpoint(extension=""), "VbcEndpoint.extension is required, got ''"),
    ],
)
def test_invalid_values_raise_ncco_error_naming_the_field(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(NccoError) as raised:
        build()

    assert str(raised.value) == message


def test_ncco_error_is_a_value_error() -> None:
    assert issubclass(NccoError, ValueError)


def test_actions_are_frozen() -> None:
    talk = Talk(text="Hello")

    with pytest.raises(dataclasses.FrozenInstanceError):
        talk.text = "Goodbye"  # type: ignore[misc]


# Whole NCCOs


def test_ncco_to_json_of_a_mixed_list_round_trips_through_json() -> None:
    ncco = ncco_to_json(
        [
            Talk(text="Press 1 for sales, 2 for support.", barge_in=True),
            Input(type=["dtmf"], dtmf=DtmfSettings(max_digits=1), event_url=EVENTS),
            Record(beep_start=True, event_url=EVENTS),
            Notify(payload={"stage": "queued"}, event_url=EVENTS),
            Stream(stream_url=HOLD_MUSIC, loop=0),
            Wait(timeout=1.5),
            Conversation(name="queue-sales-7f3a", start_on_enter=False),
            Connect(endpoint=AppEndpoint(user="agent.alice"), ringback_tone=RINGBACK),
            Transfer(conversation_id="CON-f972836a"),
        ]
    )

    assert json.loads(json.dumps(ncco)) == ncco
    assert ncco == [
        {"action": "talk", "text": "Press 1 for sales, 2 for support.", "bargeIn": True},
        {"action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 1}, "eventUrl": [EVENTS]},
        {"action": "record", "beepStart": True, "eventUrl": [EVENTS]},
        {"action": "notify", "payload": {"stage": "queued"}, "eventUrl": [EVENTS]},
        {"action": "stream", "streamUrl": [HOLD_MUSIC], "loop": 0},
        {"action": "wait", "timeout": 1.5},
        {"action": "conversation", "name": "queue-sales-7f3a", "startOnEnter": False},
        {
            "action": "connect",
            "endpoint": [{"type": "app", "user": "agent.alice"}],
            "ringbackTone": RINGBACK,
        },
        {"action": "transfer", "conversationId": "CON-f972836a"},
    ]


def test_ncco_to_json_accepts_a_generator_and_an_empty_ncco() -> None:
    assert ncco_to_json(Talk(text=word) for word in ["One", "Two"]) == [
        {"action": "talk", "text": "One"},
        {"action": "talk", "text": "Two"},
    ]
    assert ncco_to_json([]) == []


def test_talk_barge_in_allows_more_talk_before_the_input() -> None:
    ncco = ncco_to_json(
        [Talk(text="Welcome.", barge_in=True), Talk(text="Press 1."), Input(type=["speech"])]
    )

    assert [action["action"] for action in ncco] == ["talk", "talk", "input"]


@pytest.mark.parametrize(
    "actions",
    [
        [Talk(text="Welcome.", barge_in=True)],
        [Talk(text="Welcome.", barge_in=True), Talk(text="Press 1."), Wait(timeout=1)],
    ],
    ids=["nothing-after", "wait-after"],
)
def test_talk_barge_in_needs_an_input_as_the_next_non_talk_action(actions: list[Any]) -> None:
    with pytest.raises(NccoError) as raised:
        ncco_to_json(actions)

    assert str(raised.value) == "Talk.barge_in at 0 needs an Input as the next non-talk action"
