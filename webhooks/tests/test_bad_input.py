"""Signed webhooks with bad input (issue 11, items 14-18): a field that cannot be stored is
dropped or cut and logged, the rest of the event is applied; the answer webhook always
answers with an NCCO; nothing is a 500."""

import importlib
import json
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from callcentre.spool import spool_entries
from callcentre.vonage.signing import sign_webhook
from conversations.models import Conversation, CustomerHandle, Event, Member
from conversations.tests import payloads
from reports.models import CallDetailRecord
from reports.services import cdr_write
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory

pytestmark = pytest.mark.django_db

SAFE_NCCO_ACTIONS = ["talk", "record", "talk"]
MENU_ACTIONS = ["talk", "input"]


@pytest.fixture(autouse=True)
def empty_spool(settings, tmp_path):
    settings.SPOOL_DIR = tmp_path / "spool"


@pytest.fixture
def menu():
    main = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(
        menu=main,
        digit="2",
        prompt="For billing",
        keywords="billing",
        queue=QueueFactory(name="Billing"),
    )
    return main


def post_body(vonage, path: str, body: bytes, *, content_type: str = "application/json"):
    """A signed POST of exactly these bytes (what json.dumps would refuse to write)."""
    token = sign_webhook(body=body, secret=vonage.secret, api_key=vonage.api_key)
    return vonage.client.post(
        path, body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def actions(response) -> list[str]:
    return [action["action"] for action in response.json()]


# 14. Acknowledged but never stored


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("price", "1e30", "price"),
        ("price", "Infinity", "price"),
        ("rate", "NaN", "rate"),
        ("duration", "99999999999999999999", "duration_seconds"),
    ],
)
def test_a_completed_event_with_an_unstorable_number_ends_the_call_without_it(
    vonage, field, value, column
):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    vonage.post("/webhooks/event", payloads.status(call, "answered", at=2))

    response = vonage.post(
        "/webhooks/event", payloads.status(call, "completed", at=247, **{field: value})
    )

    assert response.status_code == 204
    assert spool_entries() == []
    conversation = Conversation.objects.get()
    member = Member.objects.get()
    assert (conversation.state, member.call_status) == ("ended", "completed")
    assert getattr(member, column) is None
    kept = {"rate": Decimal("0.00450000"), "price": Decimal("0.01837500"), "duration_seconds": 245}
    del kept[column]
    assert {name: getattr(member, name) for name in kept} == kept
    assert Event.objects.get(status="completed").payload.get(field) is None
    assert cdr_write(conversation_id=conversation.pk).price == member.price


def test_a_completed_event_with_an_impossible_end_time_ends_the_call_at_its_timestamp(vonage):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    vonage.post("/webhooks/event", payloads.status(call, "answered", at=2))
    completed = payloads.status(call, "completed", at=247, end_time="2026-02-30T10:00:00.000Z")

    response = vonage.post("/webhooks/event", completed)

    assert response.status_code == 204
    assert spool_entries() == []
    conversation = Conversation.objects.get()
    assert conversation.state == "ended"
    assert conversation.ended_at == payloads.BASE_TIME + timedelta(seconds=247)
    assert Member.objects.get().price == Decimal("0.01837500")
    assert cdr_write(conversation_id=conversation.pk).duration_seconds == 245


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("4477009\u000000123", "447700900123"),
        ("447700900123\ud800", "447700900123"),
    ],
    ids=["nul", "lone-surrogate"],
)
def test_a_caller_number_with_unstorable_characters_hears_the_menu(vonage, menu, sent, stored):
    call = payloads.new_call()

    response = vonage.post("/webhooks/answer", payloads.answer(call, **{"from": sent}))

    assert actions(response) == MENU_ACTIONS
    assert spool_entries() == []
    conversation = Conversation.objects.get()
    assert conversation.from_address == stored
    assert conversation.customer.handles.get().value == stored
    assert Event.objects.get().payload["from"] == stored


def test_addresses_longer_than_their_columns_are_cut_and_the_caller_hears_the_menu(vonage, menu):
    call = payloads.new_call()
    long_from, long_to = "4" * 250, "sip:" + "x" * 300

    response = vonage.post(
        "/webhooks/answer", payloads.answer(call, **{"from": long_from, "to": long_to})
    )

    assert actions(response) == MENU_ACTIONS
    conversation = Conversation.objects.get()
    assert (conversation.from_address, conversation.to_address) == (long_from[:200], long_to[:200])
    assert conversation.customer is None  # 200 digits are no phone number
    assert not CustomerHandle.objects.exists()


def test_a_uuid_longer_than_its_column_is_shortened_the_same_way_for_every_event(vonage, menu):
    call = {"uuid": "leg-" + "a" * 96, "conversation_uuid": "CON-" + "b" * 96}

    response = vonage.post("/webhooks/answer", payloads.answer(call))
    for payload in payloads.lifecycle(call):
        assert vonage.post("/webhooks/event", payload).status_code == 204

    assert actions(response) == MENU_ACTIONS
    conversation = Conversation.objects.get()
    member = Member.objects.get()
    assert len(conversation.vonage_uuid) == len(member.leg_uuid) == 64
    assert member.leg_uuid.startswith("leg-aaaa") and conversation.vonage_uuid.startswith("CON-b")
    assert (conversation.state, member.call_status) == ("ended", "completed")
    assert Event.objects.filter(leg_uuid=member.leg_uuid).count() == 5


def test_each_dropped_field_is_logged(vonage, caplog):
    call = payloads.new_call()

    with caplog.at_level(logging.WARNING, logger="callcentre.vonage.inbound"):
        vonage.post("/webhooks/event", payloads.status(call, "completed", price="1e30"))

    assert [r.getMessage() for r in caplog.records if r.name == "callcentre.vonage.inbound"] == [
        "Vonage event webhook: field 'price' dropped (outside ±9999.99999999): '1e30'"
    ]


# 15. 500s


@pytest.mark.parametrize(
    "moment", ["2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-01-01T25:00:00Z"]
)
def test_an_event_with_an_impossible_timestamp_is_stored_at_its_arrival(vonage, moment):
    call = payloads.new_call()

    response = vonage.post("/webhooks/event", payloads.status(call, "started", timestamp=moment))

    assert response.status_code == 204
    event = Event.objects.get()
    assert (event.status, event.occurred_at) == ("started", event.received_at)
    assert "timestamp" not in event.payload
    assert Member.objects.get().call_status == "started"


def deeply_nested(levels: int) -> bytes:
    return b'{"uuid": "x", "a": ' + b'{"a": ' * levels + b"1" + b"}" * levels + b"}"


@pytest.mark.parametrize("path", ["/webhooks/answer", "/webhooks/fallback"])
def test_json_nested_too_deep_gets_the_safe_ncco(vonage, path):
    response = post_body(vonage, path, deeply_nested(1500))

    assert response.status_code == 200
    assert actions(response) == SAFE_NCCO_ACTIONS
    assert not Event.objects.exists()


@pytest.mark.parametrize("path", ["/webhooks/event", "/webhooks/inbound-message"])
def test_json_nested_too_deep_is_a_400_with_the_reason(vonage, path):
    response = post_body(vonage, path, deeply_nested(1500))

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "JSON parse error - nested too deeply."},
    )
    assert not Event.objects.exists()


def test_nesting_that_parses_but_is_too_deep_to_keep_is_dropped_and_the_event_stored(vonage):
    call = payloads.new_call()
    body = json.dumps(payloads.status(call, "started"))[:-1] + ', "headers": '
    body += '{"a": ' * 200 + "1" + "}" * 200 + "}"

    response = post_body(vonage, "/webhooks/event", body.encode())

    assert response.status_code == 204
    assert "headers" not in Event.objects.get().payload
    assert Member.objects.get().call_status == "started"


# 16. One bad price breaks reads


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite ever stored an amount out of range"
)
def test_the_migration_clears_amounts_that_cannot_be_read(vonage):
    call = payloads.new_call()
    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)
    member = Member.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE conversations_member SET price = 1e30, rate = -1e999 WHERE id = %s",
            [member.pk],
        )
    migration = importlib.import_module("conversations.migrations.0003_member_amounts_within_range")

    migration.clear_amounts_out_of_range(django_apps(), None)

    member.refresh_from_db()
    assert (member.price, member.rate, member.duration_seconds) == (None, None, 245)


def test_the_migration_keeps_amounts_that_fit(vonage):
    call = payloads.new_call()
    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)
    migration = importlib.import_module("conversations.migrations.0003_member_amounts_within_range")

    migration.clear_amounts_out_of_range(django_apps(), None)

    member = Member.objects.get()
    assert (member.price, member.rate) == (Decimal("0.01837500"), Decimal("0.00450000"))


def django_apps():
    from django.apps import apps

    return apps


# 17. The answer webhook always answers with an NCCO


@pytest.mark.parametrize("missing", ["uuid", "conversation_uuid"])
def test_an_answer_without_its_call_ids_gets_the_safe_ncco(vonage, menu, missing, caplog):
    payload = payloads.answer(payloads.new_call())
    del payload[missing]

    with caplog.at_level(logging.WARNING, logger="webhooks.views"):
        response = vonage.post("/webhooks/answer", payload)

    assert response.status_code == 200
    assert actions(response) == SAFE_NCCO_ACTIONS
    assert not Conversation.objects.exists()
    assert [r.getMessage() for r in caplog.records if r.name == "webhooks.views"] == [
        "Unreadable POST to /webhooks/answer answered with the safe NCCO: "
        f"Missing required field(s): {missing}."
    ]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"uuid=1&conversation_uuid=2", "application/x-www-form-urlencoded"),
        (b"not json at all", "application/json"),
        (b"not json at all", "text/plain"),
        (b'"a string"', "application/json"),
        (b'{"uuid": "x", "duration": NaN}', "application/json"),
    ],
    ids=["form", "not-json", "text", "not-an-object", "nan"],
)
def test_an_answer_that_cannot_be_read_gets_the_safe_ncco(vonage, menu, body, content_type):
    response = post_body(vonage, "/webhooks/answer", body, content_type=content_type)

    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert actions(response) == SAFE_NCCO_ACTIONS
    assert not Conversation.objects.exists()


def test_an_answer_over_the_size_limit_gets_the_safe_ncco(vonage, menu, settings):
    payload = payloads.answer(payloads.new_call(), padding="x" * 100)
    body = json.dumps(payload).encode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) - 1

    response = post_body(vonage, "/webhooks/answer", body)

    assert response.status_code == 200
    assert actions(response) == SAFE_NCCO_ACTIONS
    assert not Conversation.objects.exists()


def test_an_answer_of_2_7_megabytes_gets_the_safe_ncco(vonage, menu):
    body = json.dumps(payloads.answer(payloads.new_call(), padding="x" * 2_700_000)).encode()

    response = post_body(vonage, "/webhooks/answer", body)

    assert response.status_code == 200
    assert actions(response) == SAFE_NCCO_ACTIONS


def test_an_oversized_answer_is_still_refused_when_unsigned_or_tampered(vonage, menu, settings):
    body = json.dumps(payloads.answer(payloads.new_call(), padding="x" * 100)).encode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50
    token = sign_webhook(body=body + b" ", secret=vonage.secret, api_key=vonage.api_key)

    unsigned = vonage.client.post("/webhooks/answer", body, content_type="application/json")
    tampered = vonage.client.post(
        "/webhooks/answer",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert (unsigned.status_code, tampered.status_code) == (401, 401)
    assert tampered.json() == {"detail": "payload_hash does not match the body"}


def test_an_unsigned_unreadable_answer_is_refused_not_answered(vonage, menu):
    response = vonage.client.post("/webhooks/answer", b"not json", content_type="text/plain")

    assert response.status_code == 401


def test_an_event_over_the_size_limit_is_a_400_with_the_reason(vonage, settings, caplog):
    body = json.dumps(payloads.status(payloads.new_call(), "started")).encode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50

    with caplog.at_level(logging.WARNING, logger="webhooks.views"):
        response = post_body(vonage, "/webhooks/event", body)

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The webhook body is larger than 50 bytes."},
    )
    assert not Event.objects.exists()
    assert [r.getMessage() for r in caplog.records if r.name == "webhooks.views"] == [
        "Refused a POST to /webhooks/event: The webhook body is larger than 50 bytes."
    ]


def test_an_event_of_another_content_type_is_a_415(vonage):
    body = json.dumps(payloads.status(payloads.new_call(), "started")).encode()

    response = post_body(vonage, "/webhooks/event", body, content_type="text/plain")

    assert (response.status_code, response.json()) == (
        415,
        {"detail": 'Unsupported media type "text/plain" in request.'},
    )
    assert not Event.objects.exists()


# 18. Bad values stored unvalidated


def test_an_unknown_direction_is_dropped(vonage):
    call = payloads.new_call()

    vonage.post("/webhooks/event", payloads.status(call, "started", direction="sideways"))

    assert Conversation.objects.get().direction == "inbound"
    assert "direction" not in Event.objects.get().payload


def test_a_conversation_uuid_that_is_not_a_string_is_dropped(vonage):
    call = {**payloads.new_call(), "conversation_uuid": ["x"]}

    response = vonage.post("/webhooks/event", payloads.status(call, "started"))

    assert response.status_code == 204
    assert Conversation.objects.get().vonage_uuid == f"unknown-{call['uuid']}"
    assert "conversation_uuid" not in Event.objects.get().payload


def test_a_null_status_is_no_status(vonage):
    call = payloads.new_call()

    vonage.post("/webhooks/event", payloads.status(call, None))

    event = Event.objects.get()
    assert (event.kind, event.status) == ("unknown", "")
    assert "status" not in event.payload


def test_a_number_of_100000_digits_is_cut_and_makes_no_customer(vonage, menu):
    call = payloads.new_call()

    response = vonage.post("/webhooks/answer", payloads.answer(call, **{"from": "4" * 100_000}))

    assert actions(response) == MENU_ACTIONS
    conversation = Conversation.objects.get()
    assert (conversation.from_address, conversation.customer) == ("4" * 200, None)
    assert not CustomerHandle.objects.exists()


def test_unicode_digits_are_no_phone_number(vonage, menu):
    call = payloads.new_call()

    response = vonage.post("/webhooks/answer", payloads.answer(call, **{"from": "٣٤²³"}))

    assert actions(response) == MENU_ACTIONS
    conversation = Conversation.objects.get()
    assert (conversation.from_address, conversation.customer) == ("٣٤²³", None)
    assert not CustomerHandle.objects.exists()


def test_an_input_with_an_unreadable_confidence_is_still_chosen_from(vonage, menu):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    spoken = payloads.speech_input(call, "billing")
    spoken["speech"]["results"] = [
        {"text": "billing", "confidence": "0.91"},
        {"text": "sales", "confidence": "not a number"},
    ]

    response = vonage.post("/webhooks/event", spoken)

    assert response.status_code == 200
    assert response.json()[0]["text"] == "Thank you. Connecting you to Billing. Please hold."
    assert spool_entries() == []


def test_input_digits_other_than_ascii_are_no_choice(vonage, menu):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))

    response = vonage.post("/webhooks/event", payloads.dtmf_input(call, "٢"))

    assert response.status_code == 200
    assert Event.objects.get(kind="input").payload["dtmf"] == {"digits": None, "timed_out": False}
    assert "ivr" in Conversation.objects.get().attributes
    assert "Billing" not in response.json()[0]["text"]


def test_a_call_whose_legs_cost_more_than_a_cdr_holds_gets_a_cdr_without_a_price(vonage):
    call = payloads.new_call()
    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)
    conversation = Conversation.objects.get()
    Member.objects.update(price=Decimal("9999"))
    Member.objects.create(
        conversation=conversation, kind="external", channel="voice", price=Decimal("9999")
    )

    cdr_write(conversation_id=conversation.pk)

    cdr = CallDetailRecord.objects.get()  # read back: a price out of range would raise here
    assert (cdr.price, cdr.duration_seconds) == (None, 245)


def test_a_get_answer_is_cleaned_like_a_post(vonage, menu):
    call = payloads.new_call()

    response = vonage.get("/webhooks/answer", payloads.answer(call, **{"from": "4477009\x0000123"}))

    assert actions(response) == MENU_ACTIONS
    assert Conversation.objects.get().from_address == "447700900123"
