"""callcentre.vonage.inbound: Vonage's payloads made storable, field by field."""

import logging

import pytest

from callcentre.vonage import inbound
from conversations.models import Conversation, Member, Message, Recording


def test_the_limits_are_the_columns_of_the_models():
    def column(model, name):
        return model._meta.get_field(name)

    assert {
        column(Conversation, "vonage_uuid").max_length,
        column(Member, "leg_uuid").max_length,
        column(Message, "vonage_message_uuid").max_length,
        column(Recording, "recording_uuid").max_length,
    } == {inbound.IDENTIFIER_LENGTH}
    assert {
        column(model, name).max_length
        for model in (Conversation, Member)
        for name in ("from_address", "to_address")
    } == {inbound.ADDRESS_LENGTH}
    assert column(Recording, "vonage_url").max_length == inbound.URL_LENGTH
    assert {
        (column(Member, name).max_digits, column(Member, name).decimal_places)
        for name in ("rate", "price")
    } == {(12, 8)}
    assert (
        column(Member, "network").max_length,
        column(Member, "call_status_detail").max_length,
        column(Message, "message_type").max_length,
    ) == (40, 40, 20)


def clean(**fields) -> dict:
    return inbound.voice_event_clean(payload=fields)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("0.01837500", "0.01837500"),
        (0.5, 0.5),
        (12, 12),
        ("-9999.99999999", "-9999.99999999"),
        ("0.123456789", "0.12345679"),
        ("1e-30", "0.00000000"),
        ("1E+3", "1E+3"),
    ],
)
def test_an_amount_that_fits_is_kept_and_rounded_to_8_places(value, stored):
    assert clean(price=value) == {"price": stored}


@pytest.mark.parametrize(
    "value",
    ["1e30", "10000", "-10000", "Infinity", "NaN", "nan", True, "٣", "1,5", [1], {}],
)
def test_an_amount_that_cannot_be_stored_is_dropped(value):
    assert clean(price=value, rate=value) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", "245"),
        ("duration", 245),
        ("duration", "0"),
        ("duration", str(2**31 - 1)),
        ("size", 2**63 - 1),
    ],
)
def test_a_whole_number_in_range_is_kept(field, value):
    assert clean(**{field: value}) == {field: value}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", "99999999999999999999"),
        ("duration", str(2**31)),
        ("duration", "-1"),
        ("duration", "2.5"),
        ("duration", " 245"),
        ("duration", "٣٤"),
        ("duration", False),
        ("size", 2**63),
        ("size", 1.5),
    ],
)
def test_a_whole_number_out_of_range_or_not_whole_is_dropped(field, value):
    assert clean(**{field: value}) == {}


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-01T10:00:05.000Z",
        "2026-12-01T10:00:05+01:00",
        "2026-12-01T10:00:05",
        "2020-02-29T00:00:00Z",
    ],
)
def test_a_real_time_is_kept_as_it_came(value):
    assert clean(timestamp=value, start_time=value, end_time=value) == {
        "timestamp": value,
        "start_time": value,
        "end_time": value,
    }


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-01-01T25:00:00Z",
        "9999-12-31T23:59:59-05:00",  # year 10000 in UTC
        "yesterday",
        "2026-01-01T10:00:00Z" + " " * 40,
        1767261600,
    ],
)
def test_an_impossible_time_is_dropped(value):
    assert clean(timestamp=value, end_time=value) == {}


def test_a_missing_answered_time_stays_null():
    assert clean(start_time=None, rate=None, network=None) == {
        "start_time": None,
        "rate": None,
        "network": None,
    }


def test_an_id_longer_than_its_column_is_shortened_with_its_hash():
    first, second = "a" * 64 + "1", "a" * 64 + "2"

    cleaned = [clean(uuid=first)["uuid"], clean(uuid=second)["uuid"], clean(uuid=first)["uuid"]]

    assert [len(value) for value in cleaned] == [64, 64, 64]
    assert cleaned[0] != cleaned[1]
    assert cleaned[0] == cleaned[2]
    assert cleaned[0].startswith("a" * 47 + "~")
    assert clean(uuid=cleaned[0]) == {"uuid": cleaned[0]}


@pytest.mark.parametrize("value", [["x"], {"id": "x"}, True, 1.5])
def test_an_id_that_is_not_a_string_is_dropped(value):
    assert clean(conversation_uuid=value, uuid="leg") == {"uuid": "leg"}


def test_text_loses_nul_and_unpaired_surrogates_everywhere():
    payload = {
        "from": "4477\x0000\ud800123",
        "headers": {"X-\x00Key": ["a\udfffb", {"deep": "\x00"}]},
        "reason": "\U0001f600 ok",  # what a surrogate pair is once parsed
    }

    assert inbound.voice_event_clean(payload=payload) == {
        "from": "447700123",
        "headers": {"X-Key": ["ab", {"deep": ""}]},
        "reason": "\U0001f600 ok",
    }


def test_addresses_and_short_texts_are_cut_to_their_columns():
    cleaned = clean(to="1" * 300, network="N" * 50, detail="d" * 41)

    assert cleaned == {"to": "1" * 200, "network": "N" * 40, "detail": "d" * 40}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("direction", "sideways"),
        ("direction", ["inbound"]),
        ("endpoint_type", "pigeon"),
        ("disconnected_by", "nobody"),
        ("status", None),
        ("status", "None!"),
        ("status", "x" * 21),
        ("status", ["completed"]),
    ],
)
def test_a_value_outside_its_enum_is_dropped(field, value):
    assert clean(**{field: value}) == {}


@pytest.mark.parametrize("value", ["completed", "transcribed", "something-new"])
def test_a_status_shaped_like_one_is_kept(value):
    assert clean(status=value) == {"status": value}


def test_non_finite_numbers_anywhere_become_null():
    assert clean(price=float("inf")) == {"price": None}
    assert clean(headers={"n": float("nan"), "m": [float("-inf"), 1.5]}) == {
        "headers": {"n": None, "m": [None, 1.5]}
    }


def test_a_value_nested_deeper_than_vonage_ever_nests_is_dropped():
    deep: dict = {"leaf": 1}
    for _ in range(inbound.MAX_DEPTH):
        deep = {"a": deep}

    assert clean(uuid="leg", headers=deep, custom_data={"a": {"b": [1]}}) == {
        "uuid": "leg",
        "custom_data": {"a": {"b": [1]}},
    }


def test_dtmf_digits_are_ascii_keys_only():
    assert clean(dtmf={"digits": "12#", "timed_out": False}) == {
        "dtmf": {"digits": "12#", "timed_out": False}
    }
    assert clean(dtmf={"digits": "١٢", "timed_out": False}) == {
        "dtmf": {"digits": None, "timed_out": False}
    }
    assert clean(dtmf={"digits": 12}) == {"dtmf": {"digits": None}}
    assert clean(dtmf="5") == {"dtmf": "5"}
    assert clean(dtmf="٥") == {}


def test_speech_results_that_cannot_be_compared_lose_what_is_unreadable():
    speech = {
        "results": [
            {"text": "billing", "confidence": "0.91"},
            {"text": "sales", "confidence": "NaN"},
            {"text": "support", "confidence": None},
            {"text": ["x"], "confidence": "0.5"},
            "loose",
        ]
    }

    assert clean(speech=speech) == {
        "speech": {
            "results": [
                {"text": "billing", "confidence": "0.91"},
                {"text": "sales"},
                {"text": "support", "confidence": None},
            ]
        }
    }
    assert clean(speech={"results": "none"}) == {"speech": {"results": []}}


def test_a_fallback_names_an_answer_or_an_event():
    assert inbound.voice_fallback_clean(
        payload={"original_request": {"url": "https://x/answer", "type": "event"}}
    ) == {"original_request": {"url": "https://x/answer", "type": "event"}}
    assert inbound.voice_fallback_clean(
        payload={"original_request": {"url": "https://x/answer", "type": ["event"]}}
    ) == {"original_request": {"url": "https://x/answer"}}


def test_an_answer_fallback_by_get_carries_its_original_request_as_json():
    # A query parameter is a string: the object arrives JSON-encoded.
    assert inbound.voice_fallback_clean(
        payload={"original_request": '{"url": "https://x/answer", "type": "answer"}'}
    ) == {"original_request": {"url": "https://x/answer", "type": "answer"}}
    assert inbound.voice_fallback_clean(payload={"original_request": "answer"}) == {}


def test_a_recording_url_longer_than_its_column_is_dropped_not_cut():
    long_url = "https://api.nexmo.com/v1/files/" + "f" * 500

    assert clean(recording_url=long_url, recording_uuid="r") == {"recording_uuid": "r"}


def test_messages_keep_their_text_and_cut_their_columns():
    payload = {
        "message_uuid": "m" * 70,
        "channel": "sms",
        "from": "447700900123",
        "text": "Hello\x00 there " + "x" * 5000,
        "message_type": "t" * 30,
        "timestamp": "2026-02-30T10:00:00Z",
        "usage": {"price": "NaN"},
    }

    cleaned = inbound.message_inbound_clean(payload=payload)

    assert len(cleaned["message_uuid"]) == 64
    assert cleaned["text"] == "Hello there " + "x" * 5000
    assert cleaned["message_type"] == "t" * 20
    assert "timestamp" not in cleaned
    assert cleaned["usage"] == {"price": "NaN"}  # not a column: kept as it came


def test_cleaning_twice_changes_nothing(caplog):
    payload = {
        "uuid": "u" * 100,
        "from": "4" * 300 + "\x00",
        "price": "0.123456789",
        "status": "completed",
        "end_time": "2026-02-30T10:00:00Z",
        "dtmf": {"digits": "٣"},
        "headers": {"a": float("nan")},
    }
    once = clean(**payload)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="callcentre.vonage.inbound"):
        twice = clean(**once)

    assert twice == once
    assert caplog.records == []


def test_each_change_is_logged_with_the_field_and_why(caplog):
    with caplog.at_level(logging.WARNING, logger="callcentre.vonage.inbound"):
        clean(uuid="leg", direction="sideways", to="1" * 201)

    assert [record.getMessage() for record in caplog.records] == [
        "Vonage event webhook: field 'direction' dropped (not one of inbound, outbound): "
        "'sideways'",
        "Vonage event webhook: field 'to' stored with a change (cut to 200 characters): '"
        + "1" * 76
        + "...",
    ]


@pytest.mark.parametrize(
    ("value", "digits"),
    [
        ("447700900123", "447700900123"),
        ("+44 7700 900123", "447700900123"),
        ("+1 (555) 010-9999", "15550109999"),
        ("123456789012345", "123456789012345"),
        ("1234567890123456", ""),  # E.164 has 15 digits at most
        ("٣٤²³", ""),
        ("44770090012٣", ""),
        ("agent-bob", ""),
        ("sip:447700900123@pbx.example.com", ""),
        ("", ""),
        ("+", ""),
    ],
)
def test_a_phone_number_is_ascii_digits_only(value, digits):
    assert inbound.phone_number(value) == digits
