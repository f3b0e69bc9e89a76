"""The call detail record carries Vonage's own view of the call: the customer's leg uuid,
its rate, Vonage's last status, the recording's URL, the call's index in its day, and the
currency the event states (EUR, as Vonage documents the Voice events, when it states none)."""

from decimal import Decimal

import pytest

from conversations.tests import payloads
from reports.models import CallDetailRecord
from reports.tests.helpers import caller_waits, moment, recording_event

pytestmark = pytest.mark.django_db(transaction=True)


def hang_up(vonage, call: dict, **extra) -> None:
    vonage.post(
        "/webhooks/event",
        payloads.status(
            call,
            "completed",
            timestamp=moment(60),
            start_time=moment(0),
            end_time=moment(60),
            **extra,
        ),
    )


def test_the_record_has_the_legs_uuid_rate_status_recording_and_index(vonage, vonage_api, billing):
    first, _ = caller_waits(vonage, billing)
    hang_up(vonage, first)
    second, conversation = caller_waits(vonage, billing)
    recording = recording_event(second, vonage_api)
    vonage.post("/webhooks/recording", recording)
    hang_up(vonage, second)

    cdr = CallDetailRecord.objects.get(conversation=conversation)
    assert (cdr.leg_uuid, cdr.rate, cdr.vonage_status) == (
        second["uuid"],
        Decimal("0.00450000"),
        "completed",
    )
    assert cdr.recording_url == recording["recording_url"]
    assert cdr.currency == "EUR"
    assert [r.record_index for r in CallDetailRecord.objects.order_by("started_at", "pk")] == [
        0,
        1,
    ]
    assert CallDetailRecord.objects.get(leg_uuid=first["uuid"]).recording_url == ""


def test_the_currency_is_the_one_the_event_states(vonage, billing):
    call, conversation = caller_waits(vonage, billing)
    hang_up(vonage, call, currency="gbp")
    assert CallDetailRecord.objects.get(conversation=conversation).currency == "GBP"


def test_a_call_nobody_answered_keeps_vonages_status(vonage, billing):
    call, conversation = caller_waits(vonage, billing)
    vonage.post("/webhooks/event", payloads.status(call, "failed", timestamp=moment(5)))
    cdr = CallDetailRecord.objects.get(conversation=conversation)
    assert (cdr.vonage_status, cdr.rate, cdr.outcome) == ("failed", None, "abandoned")
