"""Vonage's webhook payloads made storable before they are acknowledged (CONTRACT §2, §3, §7).

Each `*_clean` function takes a payload as parsed (a dict) and returns a copy whose known
fields hold what the models can store: text without NUL or unpaired surrogates (neither
SQLite's UTF-8 nor PostgreSQL's text and jsonb can hold them) and cut to its column, ids of at
most 64 characters, whole numbers and amounts within their columns' range, timestamps that
are real dates, enums with the contract's values. Any other field is kept, with its text
made storable and its nesting bounded. A field that cannot be stored is dropped (or cut, or
rounded) and logged; the rest of the payload is kept, so one bad field never loses an event.
Cleaning a cleaned payload changes nothing: spooled payloads are cleaned again on replay.

`phone_number` says what, in an address, is a phone number.
"""

import hashlib
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

# The columns these fields end up in (a test checks them against the models).
IDENTIFIER_LENGTH = 64  # Conversation.vonage_uuid, Member.leg_uuid, Message.vonage_message_uuid
ADDRESS_LENGTH = 200  # from_address, to_address
URL_LENGTH = 500  # Recording.vonage_url
LARGEST_INTEGER = 2**31 - 1  # PositiveIntegerField: duration_seconds
LARGEST_BIG_INTEGER = 2**63 - 1  # PositiveBigIntegerField: size_bytes
AMOUNT_LIMIT = Decimal("10000")  # DecimalField(max_digits=12, decimal_places=8): rate, price
AMOUNT_STEP = Decimal("0.00000001")
# Vonage's payloads nest three levels at most; deeper values are nobody's data.
MAX_DEPTH = 8
# E.164: at most 15 digits.
PHONE_DIGITS = 15

VOICE_STATUSES = frozenset(
    {
        # CONTRACT §3, and the SDKs' enums.
        "started",
        "ringing",
        "answered",
        "busy",
        "cancelled",
        "unanswered",
        "rejected",
        "failed",
        "timeout",
        "human",
        "machine",
        "disconnected",
        "completed",
        "transcribed",
        "transfer",
        "input",
    }
)

UNSTORABLE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
ASCII_WHOLE_NUMBER = re.compile(r"[0-9]{1,20}")
ASCII_NUMBER = re.compile(r"[+-]?([0-9]{1,40}(\.[0-9]{0,40})?|\.[0-9]{1,40})([eE][+-]?[0-9]{1,4})?")
# A status we do not know yet (Vonage adds some) is stored, not applied, if it looks like one.
STATUS_SHAPE = re.compile(r"[a-z][a-z0-9_-]{0,19}")
DTMF_SHAPE = re.compile(r"[0-9*#]{0,21}")
PHONE_SHAPE = re.compile(r"\+?[0-9][0-9 ().-]*")
TIMESTAMP_LENGTH = 40


class Dropped(Exception):
    """The field cannot be stored: it is left out, for this reason."""


# A field's cleaner: the value to store and what was changed ('' when nothing was).
FieldCleaner = Callable[[object], tuple[object, str]]


def storable_text(value: str) -> str:
    return UNSTORABLE_CHARACTERS.sub("", value)


def text_of(value: object) -> tuple[str, str]:
    """A string field's text, made storable; a number is taken as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise Dropped(f"not a string but {type(value).__name__}")
    cleaned = storable_text(value)
    return cleaned, "NUL or unpaired surrogate removed" if cleaned != value else ""


def joined(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def text(max_length: int) -> FieldCleaner:
    def clean(value: object) -> tuple[object, str]:
        cleaned, note = text_of(value)
        if len(cleaned) > max_length:
            return cleaned[:max_length], joined(note, f"cut to {max_length} characters")
        return cleaned, note

    return clean


address = text(ADDRESS_LENGTH)


def identifier(value: object) -> tuple[object, str]:
    """An id longer than its column keeps its start and gets its hash as the end: distinct ids
    stay distinct, and every event of one leg finds the same leg."""
    cleaned, note = text_of(value)
    if len(cleaned) <= IDENTIFIER_LENGTH:
        return cleaned, note
    digest = hashlib.sha256(cleaned.encode()).hexdigest()[:16]
    shortened = f"{cleaned[: IDENTIFIER_LENGTH - len(digest) - 1]}~{digest}"
    return shortened, joined(note, f"longer than {IDENTIFIER_LENGTH} characters: shortened")


def one_of(*choices: str) -> FieldCleaner:
    def clean(value: object) -> tuple[object, str]:
        if isinstance(value, str) and value in choices:
            return value, ""
        raise Dropped(f"not one of {', '.join(choices)}")

    return clean


def call_status(value: object) -> tuple[object, str]:
    if isinstance(value, str) and value in VOICE_STATUSES:
        return value, ""
    if isinstance(value, str) and STATUS_SHAPE.fullmatch(value):
        return value, "a status the contract does not name: stored, not applied"
    raise Dropped("not a call status")


def timestamp_parse(value: object) -> datetime | None:
    """An ISO 8601 date and time in UTC; None when it is not one (February 30, hour 25, a date
    that leaves the calendar in UTC)."""
    if not isinstance(value, str) or len(value) > TIMESTAMP_LENGTH:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            return None
        return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def timestamp(value: object) -> tuple[object, str]:
    if timestamp_parse(value) is None:
        raise Dropped("not an ISO 8601 date and time")
    return value, ""


def whole_number(largest: int) -> FieldCleaner:
    def clean(value: object) -> tuple[object, str]:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and ASCII_WHOLE_NUMBER.fullmatch(value):
            number = int(value)
        else:
            raise Dropped("not a whole number")
        if not 0 <= number <= largest:
            raise Dropped(f"outside 0..{largest}")
        return value, ""

    return clean


def amount(value: object) -> tuple[object, str]:
    """A rate or price (euros): finite, within ±9999.99999999, to 8 decimal places."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Dropped("not a number")
    if isinstance(value, str) and not ASCII_NUMBER.fullmatch(value):
        raise Dropped("not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise Dropped("not a finite number")
    number = Decimal(str(value))
    if not abs(number) < AMOUNT_LIMIT:
        raise Dropped(f"outside ±{AMOUNT_LIMIT - AMOUNT_STEP}")
    rounded = number.quantize(AMOUNT_STEP)
    if rounded != number:
        return format(rounded, "f"), "rounded to 8 decimal places"
    return value, ""


def url(value: object) -> tuple[object, str]:
    cleaned, note = text_of(value)
    if len(cleaned) > URL_LENGTH:
        raise Dropped(f"longer than {URL_LENGTH} characters")  # a cut URL leads nowhere
    return cleaned, note


def dtmf(value: object) -> tuple[object, str]:
    """`{digits, timed_out}`, or the digits alone (asynchronous input): 0-9, * and # only."""
    if isinstance(value, str):
        if DTMF_SHAPE.fullmatch(value):
            return value, ""
        raise Dropped("digits other than 0-9, * and #")
    if not isinstance(value, dict):
        raise Dropped("not an object")
    digits = value.get("digits")
    if digits is None or (isinstance(digits, str) and DTMF_SHAPE.fullmatch(digits)):
        return value, ""
    return {**value, "digits": None}, "digits other than 0-9, * and # dropped"


def confidence(value: object) -> float | None:
    if isinstance(value, str) and ASCII_NUMBER.fullmatch(value):
        value = float(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None


def speech(value: object) -> tuple[object, str]:
    """`{results: [{text, confidence}], ...}`: results an input can choose from."""
    if not isinstance(value, dict):
        raise Dropped("not an object")
    results = value.get("results")
    if results is None:
        return value, ""
    if not isinstance(results, list):
        return {**value, "results": []}, "results not a list: dropped"
    kept = []
    for result in results:
        if not isinstance(result, dict) or not isinstance(result.get("text") or "", str):
            continue
        if result.get("confidence") is not None and confidence(result["confidence"]) is None:
            result = {key: item for key, item in result.items() if key != "confidence"}
        kept.append(result)
    if kept != results:
        return {**value, "results": kept}, "unreadable results dropped"
    return value, ""


def original_request(value: object) -> tuple[object, str]:
    """A fallback's `{url, type}`: type answer or event (anything else is taken as answer).
    On a GET (the answer's fallback) it arrives as a query parameter: the object as JSON."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise Dropped("not an object") from None
    if not isinstance(value, dict):
        raise Dropped("not an object")
    if value.get("type") in (None, "answer", "event"):
        return value, ""
    return {key: item for key, item in value.items() if key != "type"}, "type dropped"


VOICE_FIELDS: Mapping[str, FieldCleaner] = {
    "uuid": identifier,
    "call_uuid": identifier,
    "conversation_uuid": identifier,
    "conversation_uuid_from": identifier,
    "conversation_uuid_to": identifier,
    "recording_uuid": identifier,
    "from": address,
    "to": address,
    "from_user": address,
    "status": call_status,
    "direction": one_of("inbound", "outbound"),
    "endpoint_type": one_of("phone", "sip", "websocket", "app", "vbc"),
    "detail": text(40),
    "network": text(40),
    "disconnected_by": one_of("user", "platform"),
    "timestamp": timestamp,
    "start_time": timestamp,
    "end_time": timestamp,
    "duration": whole_number(LARGEST_INTEGER),
    "size": whole_number(LARGEST_BIG_INTEGER),
    "rate": amount,
    "price": amount,
    "recording_url": url,
    "dtmf": dtmf,
    "speech": speech,
    "original_request": original_request,
}
# A null here means nothing usable ("status": null is not a status); elsewhere it is absence.
NOT_NULL_FIELDS = frozenset({"status"})

MESSAGE_FIELDS: Mapping[str, FieldCleaner] = {
    "message_uuid": identifier,
    "channel": text(20),
    "from": address,
    "to": address,
    "timestamp": timestamp,
    "message_type": text(20),
    "status": text(20),
    "client_ref": text(100),
}


def json_value(value: object, *, depth: int) -> tuple[object, bool]:
    """Any JSON value made storable: (the value, whether it changed). Text loses NUL and
    unpaired surrogates, a non-finite number becomes null; Dropped when nested too deep."""
    if isinstance(value, str):
        cleaned = storable_text(value)
        return cleaned, cleaned != value
    if isinstance(value, float) and not math.isfinite(value):
        return None, True
    if isinstance(value, dict | list) and depth > MAX_DEPTH:
        raise Dropped(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        changed = False
        cleaned_dict = {}
        for key, item in value.items():
            cleaned_key = storable_text(str(key))
            cleaned_dict[cleaned_key], item_changed = json_value(item, depth=depth + 1)
            changed = changed or item_changed or cleaned_key != key
        return cleaned_dict, changed
    if isinstance(value, list):
        cleaned_items = [json_value(item, depth=depth + 1) for item in value]
        return [item for item, _ in cleaned_items], any(changed for _, changed in cleaned_items)
    return value, False


def preview(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else f"{shown[:77]}..."


def payload_clean(*, payload: dict, fields: Mapping[str, FieldCleaner], webhook: str) -> dict:
    cleaned = {}
    for key, value in payload.items():
        name = storable_text(str(key))
        try:
            stored, changed = json_value(value, depth=1)
            note = "NUL, unpaired surrogate or non-finite number removed" if changed else ""
            cleaner = fields.get(name)
            if stored is None and name in NOT_NULL_FIELDS:
                raise Dropped("null")
            if cleaner is not None and stored is not None:
                stored, field_note = cleaner(stored)
                note = joined(note, field_note)
        except Dropped as reason:
            logger.warning(
                "Vonage %s webhook: field %r dropped (%s): %s",
                webhook,
                name,
                reason,
                preview(value),
            )
            continue
        if note:
            logger.warning(
                "Vonage %s webhook: field %r stored with a change (%s): %s",
                webhook,
                name,
                note,
                preview(value),
            )
        cleaned[name] = stored
    return cleaned


def voice_answer_clean(*, payload: dict) -> dict:
    return payload_clean(payload=payload, fields=VOICE_FIELDS, webhook="answer")


def voice_event_clean(*, payload: dict) -> dict:
    return payload_clean(payload=payload, fields=VOICE_FIELDS, webhook="event")


def voice_fallback_clean(*, payload: dict) -> dict:
    return payload_clean(payload=payload, fields=VOICE_FIELDS, webhook="fallback")


def message_inbound_clean(*, payload: dict) -> dict:
    return payload_clean(payload=payload, fields=MESSAGE_FIELDS, webhook="inbound message")


def message_status_clean(*, payload: dict) -> dict:
    return payload_clean(payload=payload, fields=MESSAGE_FIELDS, webhook="message status")


def phone_number(value: str) -> str:
    """The E.164 digits (without '+') of a phone number; '' when `value` is not one: a Client
    SDK user, a SIP URI, digits other than ASCII 0-9, more than 15 digits."""
    value = value.strip()
    if not PHONE_SHAPE.fullmatch(value):
        return ""
    digits = re.sub("[^0-9]", "", value)
    return digits if len(digits) <= PHONE_DIGITS else ""
