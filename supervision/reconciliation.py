"""The daily reconciliation with Vonage: our voice legs of a day against the Reports API's
VOICE-CALL records for it (CONTRACT §8), matched by leg uuid (`call_id`).

A leg is flagged (ReconciliationIssue, shown in admin) when its price (`total_price`, the
leg's total) differs by more than PRICE_TOLERANCE, its duration by more than
DURATION_TOLERANCE_SECONDS, its currency differs from the one on the call's record, or it is
on one side only. The day is UTC; legs are placed on it by when they were answered, as
Vonage's `date_start` places its records. Every run is kept (ReconciliationRun): running a
day again adds a run; the beat task runs yesterday once it has a run without an error.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from callcentre.vonage.client import VonageError, get_client
from conversations.models import Member
from reports.models import CallDetailRecord
from supervision.models import ReconciliationIssue, ReconciliationRun

logger = logging.getLogger(__name__)

PRICE_TOLERANCE = Decimal("0.00001")
DURATION_TOLERANCE_SECONDS = 1


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def decimal_of(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def reconcile_day(*, day: date) -> ReconciliationRun:
    start, end = day_bounds(day)
    ran_at = timezone.now()
    try:
        records = get_client().report_records(product="VOICE-CALL", date_start=start, date_end=end)
    except VonageError as error:
        logger.warning("reconciliation of %s: %s", day, error)
        return ReconciliationRun.objects.create(day=day, ran_at=ran_at, error=str(error)[:300])
    theirs = {str(record.get("call_id") or record.get("id")): record for record in records}
    legs = Member.objects.filter(
        channel="voice",
        call_status="completed",
        joined_at__gte=start,
        joined_at__lt=end,
        leg_uuid__isnull=False,
    ).values_list("leg_uuid", "price", "duration_seconds", "conversation_id")
    ours = {
        str(leg_uuid): (price, duration, conversation)
        for leg_uuid, price, duration, conversation in legs
    }
    currencies = dict(
        CallDetailRecord.objects.filter(
            conversation_id__in=[c for _, _, c in ours.values()]
        ).values_list("conversation_id", "currency")
    )
    issues: list[ReconciliationIssue] = []

    def flag(leg_uuid: str, kind: str, mine: object, vonage: object) -> None:
        issues.append(
            ReconciliationIssue(
                leg_uuid=leg_uuid,
                kind=kind,
                ours="" if mine is None else str(mine)[:40],
                theirs="" if vonage is None else str(vonage)[:40],
            )
        )

    for leg_uuid, (price, duration, conversation_id) in sorted(ours.items()):
        record = theirs.get(leg_uuid)
        if record is None:
            flag(leg_uuid, ReconciliationIssue.Kind.MISSING_AT_VONAGE, price, None)
            continue
        total = decimal_of(record.get("total_price"))
        if price is None or total is None or abs(price - total) > PRICE_TOLERANCE:
            flag(leg_uuid, ReconciliationIssue.Kind.PRICE, price, record.get("total_price"))
        seconds = decimal_of(record.get("duration"))
        if (
            duration is None
            or seconds is None
            or abs(duration - seconds) > DURATION_TOLERANCE_SECONDS
        ):
            flag(leg_uuid, ReconciliationIssue.Kind.DURATION, duration, record.get("duration"))
        currency = currencies.get(conversation_id)
        if currency and record.get("currency") and currency != record["currency"]:
            flag(leg_uuid, ReconciliationIssue.Kind.CURRENCY, currency, record["currency"])
    for leg_uuid in sorted(set(theirs) - set(ours)):
        flag(
            leg_uuid,
            ReconciliationIssue.Kind.MISSING_HERE,
            None,
            theirs[leg_uuid].get("total_price"),
        )
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            day=day, ran_at=ran_at, records_checked=len(ours), vonage_records=len(theirs)
        )
        for issue in issues:
            issue.run = run
        ReconciliationIssue.objects.bulk_create(issues)
    return run


def reconcile_yesterday(*, now: datetime | None = None) -> ReconciliationRun | None:
    """The beat's entry: yesterday (UTC), unless a run of it already succeeded."""
    now = now or timezone.now()
    day = (now.astimezone(UTC) - timedelta(days=1)).date()
    if ReconciliationRun.objects.filter(day=day, error="").exists():
        return None
    return reconcile_day(day=day)
