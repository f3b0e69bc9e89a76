"""The historical reports' roll-ups: call detail records and presence intervals summed per
15 minutes and per local day (reports.history_models), so a report reads a few thousand
rows whatever its range.

Always whole local days (REPORTS_TIME_ZONE), each rebuilt in one transaction: its rows are
deleted and written again from the records, so a rebuild is idempotent and a report never
sees half a day. Celery keeps them current (reports.rollup_recent every 5 minutes: today
and yesterday; reports.rollup_settling hourly: the days whose first-contact resolution may
still change); `manage.py rollup_reports` and the task reports.rollup_range rebuild any
range on demand (after changing a queue's thresholds, or loading history).

A contact counts in the bucket its call started in. A presence interval is cut at the
buckets' edges, so one that crosses midnight counts in both days, and a day of a DST change
has 23 or 25 hours of buckets.
"""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from agents.models import Activity, AwayReason, PresenceInterval
from callcentre.db import rows_copy
from reports.history_models import ContactStat, Dimension, Period, PresenceStat
from reports.models import CallDetailRecord, SatisfactionSurvey

BUCKET = timedelta(minutes=15)
# The stored dimensions: a queue's figures are its "total" rows (every row has its queue).
STORED_DIMENSIONS = {
    Dimension.TOTAL: None,
    Dimension.AGENT: "agent_id",
    Dimension.CHANNEL: "channel",
    Dimension.DISPOSITION: "disposition",
}
SUMMED = [
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_in_sl",
    "answer_wait_seconds",
    "abandon_wait_seconds",
    "handled",
    "handle_seconds",
    "hold_seconds",
    "wrap_up_seconds",
    "transfers",
    "satisfaction_sum",
    "satisfaction_count",
    "fcr_eligible",
    "fcr_resolved",
]
PRESENCE_SUMMED = [
    "available_seconds",
    "busy_seconds",
    "wrap_up_seconds",
    "away_seconds",
    "away_productive_seconds",
]
# The queue of an agent's, a channel's or a disposition's rows that sum every queue (and
# none): a report per agent reads one row per agent and day, not one per queue too.
ALL_QUEUES = 0
ROLLUP_LOCK = 740_214  # pg_advisory_xact_lock's first key: one rebuild of a day at a time


@dataclass(frozen=True)
class RollupReport:
    days: int
    contacts: int
    contact_rows: int
    presence_rows: int


def report_zone() -> ZoneInfo:
    return ZoneInfo(settings.REPORTS_TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local day's start and end, in UTC (23 or 25 hours apart on a DST change)."""
    zone = report_zone()
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def bucket_of(moment: datetime) -> datetime:
    """The start of the 15 minutes `moment` is in (UTC quarter hours: local days, in every
    zone whose offset is whole quarter hours, start on one)."""
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def rollup_days(*, first: date, last: date) -> RollupReport:
    """Rebuild the roll-ups of every local day from `first` to `last`, one transaction each."""
    if last < first:
        raise ValueError(f"The range ends ({last}) before it starts ({first}).")
    days = contacts = contact_rows = presence_rows = 0
    day = first
    while day <= last:
        counted, written, presence = rollup_day(day)
        days, contacts = days + 1, contacts + counted
        contact_rows, presence_rows = contact_rows + written, presence_rows + presence
        day += timedelta(days=1)
    return RollupReport(
        days=days, contacts=contacts, contact_rows=contact_rows, presence_rows=presence_rows
    )


def rollup_recent(*, now: datetime | None = None) -> RollupReport:
    """Today and yesterday (a call ending after midnight lands in yesterday's buckets)."""
    today = timezone.localtime(now or timezone.now(), report_zone()).date()
    return rollup_days(first=today - timedelta(days=1), last=today)


def rollup_settling(*, now: datetime | None = None) -> RollupReport:
    """The days whose first-contact resolution a new contact may still change."""
    today = timezone.localtime(now or timezone.now(), report_zone()).date()
    return rollup_days(first=today - timedelta(days=settings.REPORTS_FCR_DAYS + 1), last=today)


def rollup_day(day: date) -> tuple[int, int, int]:
    """Rebuild one local day: (contacts counted, contact rows, presence rows)."""
    start, end = day_bounds(day)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, day.toordinal()]
                )
        ContactStat.objects.filter(bucket__gte=start, bucket__lt=end).delete()
        PresenceStat.objects.filter(bucket__gte=start, bucket__lt=end).delete()
        counted, quarters = contact_sums(start, end)
        contact_rows = [
            {"period": Period.QUARTER_HOUR, "bucket": bucket, "dimension": dim, "key": key,
             "queue_id": queue_id, **sums}
            for (bucket, queue_id, dim, key), sums in quarters.items()
        ] + [
            {"period": Period.DAY, "bucket": start, "dimension": dim, "key": key,
             "queue_id": queue_id, **sums}
            for (queue_id, dim, key), sums in day_totals(quarters).items()
        ]  # fmt: skip
        rows_copy(ContactStat, contact_rows)
        presence = presence_sums(start, end)
        presence_rows = [
            {"period": Period.QUARTER_HOUR, "bucket": bucket, "agent_id": agent_id, **sums}
            for (bucket, agent_id), sums in presence.items()
        ]
        by_agent: dict[int, dict[str, float]] = defaultdict(
            lambda: dict.fromkeys(PRESENCE_SUMMED, 0.0)
        )
        for (_, agent_id), sums in presence.items():
            for field, value in sums.items():
                by_agent[agent_id][field] += value
        presence_rows += [
            {"period": Period.DAY, "bucket": start, "agent_id": agent_id, **sums}
            for agent_id, sums in by_agent.items()
        ]
        rows_copy(PresenceStat, presence_rows)
    return counted, len(contact_rows), len(presence_rows)


Key = tuple[datetime, int | None, str, str]


def contact_sums(start: datetime, end: datetime) -> tuple[int, dict[Key, dict[str, int]]]:
    """The contacts that started in [start, end), summed per bucket, queue and dimension."""
    repeat = CallDetailRecord.objects.filter(
        from_address=OuterRef("from_address"),
        started_at__gt=OuterRef("started_at"),
        started_at__lte=OuterRef("started_at") + timedelta(days=settings.REPORTS_FCR_DAYS),
    )
    score = SatisfactionSurvey.objects.filter(
        conversation_id=OuterRef("conversation_id"), score__isnull=False
    ).values("score")[:1]
    rows = (
        CallDetailRecord.objects.filter(started_at__gte=start, started_at__lt=end)
        .annotate(
            repeated=Exists(repeat),
            score=score,
            sl_seconds=F("queue__service_level_seconds"),
            short_seconds=F("queue__short_abandon_seconds"),
        )
        .values_list(
            "started_at",
            "queue_id",
            "agent_id",
            "channel",
            "disposition",
            "direction",
            "from_address",
            "outcome",
            "queue_seconds",
            "handle_seconds",
            "hold_seconds",
            "wrap_up_seconds",
            "transfers",
            "repeated",
            "score",
            "sl_seconds",
            "short_seconds",
        )  # fmt: skip
    )
    sums: dict[Key, dict[str, int]] = {}
    counted = 0
    for row in rows.iterator(chunk_size=5000):
        counted += 1
        figures = contact_figures(*row[5:])
        bucket, queue_id = bucket_of(row[0]), row[1]
        keys = {
            Dimension.TOTAL: "",
            Dimension.AGENT: "" if row[2] is None else str(row[2]),
            Dimension.CHANNEL: row[3],
            Dimension.DISPOSITION: row[4],
        }
        for dimension, key in keys.items():
            if dimension != Dimension.TOTAL and not key:
                continue  # no agent (not answered), no channel or no disposition: total only
            sums_add(sums.setdefault((bucket, queue_id, dimension, key), empty_sums()), figures)
            if dimension != Dimension.TOTAL:  # and once more for every queue together
                into = sums.setdefault((bucket, ALL_QUEUES, dimension, key), empty_sums())
                sums_add(into, figures)
    return counted, sums


def sums_add(into: dict[str, Any], sums: Mapping[str, Any]) -> None:
    """Add `sums` into `into`: counts and seconds add up, the longest wait is the longest."""
    for field, value in sums.items():
        if field == "longest_wait_seconds":
            into[field] = max(into.get(field, 0), value)
        else:
            into[field] = into.get(field, 0) + value


def empty_sums() -> dict[str, int]:
    return dict.fromkeys([*SUMMED, "longest_wait_seconds"], 0)


def contact_figures(
    direction: str,
    from_address: str,
    outcome: str,
    queue_seconds: int | None,
    handle_seconds: int | None,
    hold_seconds: int,
    wrap_up_seconds: int | None,
    transfers: int,
    repeated: bool,
    score: int | None,
    sl_seconds: int | None,
    short_seconds: int | None,
) -> dict[str, int]:
    """One contact's part of each sum (docs/reports.md gives the formulas they feed)."""
    queued = queue_seconds is not None  # it reached a queue: offered to the agents
    wait = queue_seconds or 0
    answered = outcome == "answered" and queued
    abandoned = outcome == "abandoned" and queued
    short = abandoned and wait <= (short_seconds or 0)
    handled = answered and handle_seconds is not None
    fcr = answered and direction == "inbound" and bool(from_address)
    return {
        "offered": int(queued),
        "answered": int(answered),
        "abandoned": int(abandoned and not short),
        "short_abandoned": int(short),
        "answered_in_sl": int(answered and wait <= (sl_seconds or 0)),
        "answer_wait_seconds": wait if answered else 0,
        "abandon_wait_seconds": wait if abandoned and not short else 0,
        "longest_wait_seconds": wait if queued else 0,
        "handled": int(handled),
        "handle_seconds": (handle_seconds or 0) if handled else 0,
        "hold_seconds": hold_seconds if handled else 0,
        "wrap_up_seconds": (wrap_up_seconds or 0) if handled else 0,
        "transfers": transfers,
        "satisfaction_sum": score or 0,
        "satisfaction_count": int(score is not None),
        "fcr_eligible": int(fcr),
        "fcr_resolved": int(fcr and not repeated),
    }


def day_totals(
    quarters: dict[Key, dict[str, int]],
) -> dict[tuple[int | None, str, str], dict[str, int]]:
    days: dict[tuple[int | None, str, str], dict[str, int]] = {}
    for (_, queue_id, dimension, key), sums in quarters.items():
        sums_add(days.setdefault((queue_id, dimension, key), empty_sums()), sums)
    return days


def presence_sums(start: datetime, end: datetime) -> dict[tuple[datetime, int], dict[str, float]]:
    """Seconds per agent, bucket and activity within [start, end) (an interval still open
    counts until now)."""
    now = timezone.now()
    productive = set(
        AwayReason.objects.filter(counts_as_productive=True).values_list("code", flat=True)
    )
    intervals = PresenceInterval.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start), started_at__lt=end
    ).values_list("agent_id", "activity", "reason", "started_at", "ended_at")
    sums: dict[tuple[datetime, int], dict[str, float]] = {}
    for agent_id, activity, reason, started_at, ended_at in intervals.iterator(chunk_size=5000):
        field = PRESENCE_FIELD.get(activity)
        if field is None:
            continue  # offline
        if activity == Activity.AWAY and reason in productive:
            field = "away_productive_seconds"
        for bucket, seconds in cut(max(started_at, start), min(ended_at or now, end)):
            into = sums.setdefault((bucket, agent_id), dict.fromkeys(PRESENCE_SUMMED, 0.0))
            into[field] += seconds
            if field == "away_productive_seconds":
                into["away_seconds"] += seconds  # productive away is away too
    return sums


PRESENCE_FIELD: dict[str, str] = {
    Activity.IDLE: "available_seconds",
    Activity.BUSY: "busy_seconds",
    Activity.WRAP_UP: "wrap_up_seconds",
    Activity.AWAY: "away_seconds",
}


def cut(start: datetime, end: datetime) -> Iterator[tuple[datetime, float]]:
    """[start, end) cut at the 15-minute edges: (bucket, seconds in it)."""
    bucket = bucket_of(start)
    while bucket < end:
        following = bucket + BUCKET
        seconds = (min(end, following) - max(start, bucket)).total_seconds()
        if seconds > 0:
            yield bucket, seconds
        bucket = following
