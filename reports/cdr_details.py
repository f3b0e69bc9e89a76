"""The call detail record's fields that come from Vonage's own view of the call (the seeds'
CDR: call_uuid, rate, status, recording_url, record_index, currency).

- leg uuid, rate, status: the customer's leg (its `completed` event: `rate` per minute);
- currency: the `currency` of that event when it carries one; Vonage documents the Voice
  events' `rate` and `price` in EUR (CONTRACT §3), so EUR otherwise, never a setting. The
  daily reconciliation (supervision.reconciliation) checks it against the Reports API's
  `currency` and flags a difference;
- recording URL: the call's first recording at Vonage (the stored copy is Recording.file);
- record index: the call's 0-based position among the day's calls (UTC), the order in which
  Vonage's call listings (GET /v1/calls, `record_index`) number them.
"""

from datetime import UTC, datetime, time
from typing import Any

from django.db.models import Q

from conversations.models import Conversation, Event, Member, Recording

VOICE_EVENT_CURRENCY = "EUR"  # CONTRACT §3: completed events' rate and price are in EUR


def day_start(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


def cdr_vonage_details(*, conversation: Conversation, customer: Member | None) -> dict[str, Any]:
    completed: dict[str, Any] = {}
    if customer is not None and customer.leg_uuid:
        event = (
            Event.objects.filter(
                conversation=conversation,
                leg_uuid=customer.leg_uuid,
                kind=Event.Kind.STATUS,
                status="completed",
            )
            .order_by("pk")
            .first()
        )
        completed = event.payload if event is not None else {}
    recording = (
        Recording.objects.filter(conversation=conversation).order_by("started_at", "pk").first()
    )
    at = conversation.started_at
    # Ties broken by pk, so two calls of the same instant get different indexes.
    earlier = Conversation.objects.filter(
        Q(started_at__lt=at) | Q(started_at=at, pk__lt=conversation.pk),
        channel=conversation.channel,
        started_at__gte=day_start(at),
    ).count()
    return {
        "leg_uuid": (customer.leg_uuid or "") if customer else "",
        "rate": customer.rate if customer else None,
        "vonage_status": customer.call_status if customer else "",
        "currency": str(completed.get("currency") or VOICE_EVENT_CURRENCY)[:3].upper(),
        "recording_url": recording.vonage_url if recording else "",
        "record_index": earlier,
    }
