"""Vonage's Reports API, the synchronous voice subset (CONTRACT §8): GET /v2/reports/records
with Basic auth, for products VOICE-CALL (answered legs that ended) and VOICE-FAILED.

A record is one leg: `call_id` is the leg's uuid (CONTRACT §8 flags that Vonage's may differ),
`price` per minute and `total_price` the leg's total, as the `completed` event's `rate` and
`price` (the same figures, so a reconciliation of the sandbox's calls finds no difference
unless the project stored something else). All values are strings. Departures: every match
comes in one page (no `cursor`/`iv` paging) and other products are refused with a 422.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox import api_params as params
from sandbox import payloads
from sandbox.state import Leg

PRODUCTS = ("VOICE-CALL", "VOICE-FAILED")
FAILED_STATUSES = frozenset({"failed", "rejected", "busy", "timeout", "unanswered", "cancelled"})
MAX_IDS = 20
DEFAULT_DAYS = 7


def report_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def voice_record(leg: Leg, *, account_id: str) -> dict[str, Any]:
    started = leg.answered_at or leg.created_at
    record: dict[str, Any] = {
        "account_id": account_id,
        "id": leg.uuid,
        "call_id": leg.uuid,
        "direction": leg.direction,
        "from": leg.from_endpoint.get("number") or leg.from_address,
        "to": leg.address,
        "network": payloads.PHONE_NETWORK if leg.endpoint_type == "phone" else "",
        "country": "GB" if leg.endpoint_type == "phone" else "",
        "date_start": report_time(started),
        "date_end": report_time(leg.ended_at),
        "currency": "EUR",
    }
    if leg.status == "completed":
        rate = payloads.RATES.get(leg.endpoint_type, payloads.DEFAULT_RATE)
        record.update(
            {
                "duration": str(payloads.duration_seconds(leg)),
                "status": "ANSWERED",
                "status_code": "200",
                "status_description": "OK",
                "price": f"{rate:.8f}",
                "total_price": f"{payloads.price(leg):.8f}",
            }
        )
    else:
        record.update(
            {
                "duration": "0",
                "status": "FAILED",
                "status_code": "480",
                "status_description": leg.detail or leg.status,
                "price": "0",
                "total_price": "0",
            }
        )
    return record


def records_answer(
    legs: list[Leg], query: dict[str, str], *, account_id: str
) -> tuple[int, dict[str, Any]]:
    """(status, body) of GET /v2/reports/records for these legs and query parameters."""
    product = query.get("product")
    if product not in PRODUCTS:
        raise params.Invalid("product", f"the sandbox serves {', '.join(PRODUCTS)}")
    if query.get("account_id") != account_id:
        raise params.Invalid("account_id", "must be the account's api_key")
    wanted = {"VOICE-CALL": {"completed"}, "VOICE-FAILED": FAILED_STATUSES}[product]
    ended = [leg for leg in legs if leg.status in wanted and leg.ended_at is not None]
    body: dict[str, Any] = {}
    if query.get("id"):
        ids = [value for value in query["id"].split(",") if value]
        if len(ids) > MAX_IDS:
            raise params.Invalid("id", f"at most {MAX_IDS} ids")
        by_id = {leg.uuid: leg for leg in ended}
        chosen = [by_id[value] for value in ids if value in by_id]
        missing = [value for value in ids if value not in by_id]
        if missing:
            body["ids_not_found"] = ",".join(missing)
    else:
        end = (
            params.parse_time(query["date_end"], "date_end")
            if query.get("date_end")
            else datetime.now(UTC)
        )
        start = (
            params.parse_time(query["date_start"], "date_start")
            if query.get("date_start")
            else end - timedelta(days=DEFAULT_DAYS)
        )
        chosen = [
            leg
            for leg in ended
            if (moment := leg.answered_at or leg.created_at) is not None and start <= moment < end
        ]
    for name in ("direction", "from", "to", "call_id"):
        if query.get(name):
            field = "id" if name == "call_id" else name
            chosen = [
                leg
                for leg in chosen
                if voice_record(leg, account_id=account_id)[field] == query[name]
            ]
    records = [voice_record(leg, account_id=account_id) for leg in chosen]
    total = sum((float(record["total_price"]) for record in records), 0.0)
    body.update(
        {
            "_links": {"self": {"href": "/v2/reports/records"}},
            "request_id": str(uuid.uuid4()),
            "request_status": "SUCCESS",
            "received_at": report_time(datetime.now(UTC)),
            "price": f"{total:.8f}",
            "currency": "EUR",
            "account_id": account_id,
            "items_count": len(records),
            "records": records,
        }
    )
    return 200, body
