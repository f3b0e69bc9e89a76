"""The historical reports' figures: each metric's formula (shown beside it on the page and in
docs/reports.md) over the roll-ups' sums (reports.history_models, written by
reports/rollups.py), per interval and per queue, agent, channel or disposition."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Max, QuerySet, Sum
from django.db.models.functions import Trunc

from agents.models import Agent
from callcentre.errors import DomainError
from reports.history_models import ContactStat, Dimension, Period, PresenceStat
from reports.rollups import (
    ALL_QUEUES,
    PRESENCE_SUMMED,
    SUMMED,
    day_bounds,
    report_zone,
    sums_add,
)
from routing.models import Queue

Sums = Mapping[str, float]


class ReportError(DomainError):
    """A report that cannot be made as asked (a bad range or interval)."""


def ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
    return None if not whole else scale * part / whole


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    formula: str
    unit: str  # count, seconds, percent, score
    value: Callable[[Sums], float | None]
    presence: bool = False  # from the agents' presence, not the contacts


def net_offered(sums: Sums) -> float:
    return sums["offered"] - sums["short_abandoned"]


METRICS = [
    Metric("offered", "Offered", "contacts that reached a queue", "count",
           lambda s: s["offered"]),
    Metric("answered", "Answered", "offered contacts an agent took", "count",
           lambda s: s["answered"]),
    Metric("abandoned", "Abandoned",
           "callers who hung up in the queue after more than its short-abandon seconds",
           "count", lambda s: s["abandoned"]),
    Metric("short_abandoned", "Short abandons",
           "callers who hung up within the queue's short-abandon seconds", "count",
           lambda s: s["short_abandoned"]),
    Metric("service_level", "Service level",
           "answered within the queue's service-level seconds ÷ (offered − short abandons) "
           "× 100", "percent",
           lambda s: ratio(s["answered_in_sl"], net_offered(s), 100)),
    Metric("abandon_rate", "Abandon rate", "abandoned ÷ (offered − short abandons) × 100",
           "percent", lambda s: ratio(s["abandoned"], net_offered(s), 100)),
    Metric("asa", "Average speed of answer", "Σ queue wait of answered ÷ answered",
           "seconds", lambda s: ratio(s["answer_wait_seconds"], s["answered"])),
    Metric("aht", "Average handle time", "(Σ talk + Σ hold + Σ wrap-up) ÷ handled",
           "seconds",
           lambda s: ratio(s["handle_seconds"] + s["wrap_up_seconds"], s["handled"])),
    Metric("longest_wait", "Longest wait", "the longest queue wait of an offered contact",
           "seconds", lambda s: s["longest_wait_seconds"]),
    Metric("transfers", "Transfers", "Σ transfers of the contacts", "count",
           lambda s: s["transfers"]),
    Metric("occupancy", "Occupancy",
           "(busy + wrap-up) ÷ (available + busy + wrap-up) × 100, agents' time", "percent",
           lambda s: ratio(s["busy_seconds"] + s["wrap_up_seconds_agents"],
                           s["available_seconds"] + s["busy_seconds"]
                           + s["wrap_up_seconds_agents"], 100),
           presence=True),
    Metric("utilisation", "Utilisation",
           "(busy + wrap-up + productive away) ÷ (available + busy + wrap-up + away) × 100, "
           "agents' time", "percent",
           lambda s: ratio(s["busy_seconds"] + s["wrap_up_seconds_agents"]
                           + s["away_productive_seconds"],
                           s["available_seconds"] + s["busy_seconds"]
                           + s["wrap_up_seconds_agents"] + s["away_seconds"], 100),
           presence=True),
    Metric("satisfaction", "Satisfaction", "Σ survey scores ÷ surveys answered (1 to 5)",
           "score", lambda s: ratio(s["satisfaction_sum"], s["satisfaction_count"])),
    Metric("fcr", "First-contact resolution",
           "answered inbound contacts with no other contact from the same address within "
           "REPORTS_FCR_DAYS days ÷ answered inbound contacts × 100", "percent",
           lambda s: ratio(s["fcr_resolved"], s["fcr_eligible"], 100)),
]  # fmt: skip
METRIC = {metric.key: metric for metric in METRICS}


class Interval:
    QUARTER_HOUR = "15m"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CHOICES = [
        (QUARTER_HOUR, "15 minutes"),
        (HOUR, "Hour"),
        (DAY, "Day"),
        (WEEK, "Week"),
        (MONTH, "Month"),
    ]


# The longest range per interval: the 15-minute roll-ups are read for 15-minute and hourly
# reports, the daily ones for the rest.
MAX_DAYS = {
    Interval.QUARTER_HOUR: 31,
    Interval.HOUR: 31,
    Interval.DAY: 732,
    Interval.WEEK: 732,
    Interval.MONTH: 732,
}
BREAKDOWNS = [
    (Dimension.QUEUE, "Queue"),
    (Dimension.AGENT, "Agent"),
    (Dimension.CHANNEL, "Channel"),
    (Dimension.DISPOSITION, "Disposition"),
]


@dataclass(frozen=True, kw_only=True)
class ReportQuery:
    first: date
    last: date
    interval: str = Interval.DAY
    by: str = Dimension.QUEUE
    queue_id: int | None = None

    def check(self) -> None:
        if self.last < self.first:
            raise ReportError("The range ends before it starts.")
        days = (self.last - self.first).days + 1
        if days > MAX_DAYS[self.interval]:
            raise ReportError(
                f"A report by {self.interval} covers at most {MAX_DAYS[self.interval]} days "
                f"(this range has {days}); choose a longer interval or a shorter range."
            )

    @property
    def period(self) -> str:
        if self.interval in (Interval.QUARTER_HOUR, Interval.HOUR):
            return Period.QUARTER_HOUR
        return Period.DAY

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return day_bounds(self.first)[0], day_bounds(self.last)[1]


@dataclass(kw_only=True)
class ReportRow:
    label: str
    sums: dict[str, float] = field(default_factory=dict)

    def value(self, metric: Metric) -> float | None:
        if metric.presence and not self.sums.get("has_presence"):
            return None
        return metric.value(self.sums)

    def values(self) -> dict[str, float | None]:
        return {metric.key: self.value(metric) for metric in METRICS}


CONTACT_SUMS = {name: Sum(name) for name in SUMMED} | {
    "longest_wait_seconds": Max("longest_wait_seconds")
}
# PresenceStat.wrap_up_seconds is the agents' wrap-up time; ContactStat's is the contacts'.
PRESENCE_SUMS = {
    ("wrap_up_seconds_agents" if name == "wrap_up_seconds" else name): Sum(name)
    for name in PRESENCE_SUMMED
}


def slot_expression(interval: str) -> F | Trunc:
    if interval in (Interval.QUARTER_HOUR, Interval.DAY):
        return F("bucket")  # 15-minute buckets, or local midnights
    return Trunc("bucket", interval, tzinfo=report_zone())


def slot_label(slot: datetime, interval: str) -> str:
    local = slot.astimezone(report_zone())
    if interval in (Interval.QUARTER_HOUR, Interval.HOUR):
        return f"{local:%Y-%m-%d %H:%M}"
    if interval == Interval.WEEK:
        return f"week of {local:%Y-%m-%d}"
    if interval == Interval.MONTH:
        return f"{local:%Y-%m}"
    return f"{local:%Y-%m-%d}"


def contact_stats(query: ReportQuery, dimension: str) -> QuerySet[ContactStat]:
    start, end = query.bounds
    stats = ContactStat.objects.filter(
        period=query.period, dimension=dimension, bucket__gte=start, bucket__lt=end
    )
    if query.queue_id is not None:
        stats = stats.filter(queue_id=query.queue_id)
    elif dimension != Dimension.TOTAL:
        stats = stats.filter(queue_id=ALL_QUEUES)  # the rows of every queue together
    return stats


def presence_stats(query: ReportQuery) -> QuerySet[PresenceStat]:
    start, end = query.bounds
    return PresenceStat.objects.filter(period=query.period, bucket__gte=start, bucket__lt=end)


def empty() -> dict[str, float]:
    return dict.fromkeys([*CONTACT_SUMS, *PRESENCE_SUMS], 0.0)


def report_series(query: ReportQuery) -> list[ReportRow]:
    """The figures per interval of the range (only intervals with contacts or agents)."""
    query.check()
    slot = slot_expression(query.interval)
    rows: dict[datetime, dict[str, float]] = {}
    contacts = (
        contact_stats(query, Dimension.TOTAL)
        .annotate(slot=slot)
        .values("slot")
        .annotate(**CONTACT_SUMS)
    )
    for row in contacts:
        moment, sums = split(row, "slot")
        rows.setdefault(moment, empty()).update(sums)
    for row in presence_stats(query).annotate(slot=slot).values("slot").annotate(**PRESENCE_SUMS):
        moment, sums = split(row, "slot")
        rows.setdefault(moment, empty()).update(sums, has_presence=1)
    return [
        ReportRow(label=slot_label(moment, query.interval), sums=sums)
        for moment, sums in sorted(rows.items())
    ]


def report_breakdown(query: ReportQuery) -> list[ReportRow]:
    """The figures over the whole range per queue, agent, channel or disposition."""
    query.check()
    # The range is whole local days: the day roll-ups hold the same sums as the 15-minute
    # ones, in 96 times fewer rows.
    query = replace(query, interval=Interval.DAY)
    rows: dict[str, dict[str, float]] = {}
    if query.by == Dimension.QUEUE:
        grouped = contact_stats(query, Dimension.TOTAL).values(group=F("queue_id"))
    else:
        grouped = contact_stats(query, query.by).values(group=F("key"))
    for row in grouped.annotate(**CONTACT_SUMS):
        group, sums = split(row, "group")
        rows.setdefault("" if group is None else str(group), empty()).update(sums)
    if query.by == Dimension.AGENT:
        presence = presence_stats(query).values(group=F("agent_id")).annotate(**PRESENCE_SUMS)
        for row in presence:
            group, sums = split(row, "group")
            rows.setdefault(str(group), empty()).update(sums, has_presence=1)
    labels = group_labels(query.by, rows)
    return sorted(
        (ReportRow(label=labels.get(group, group), sums=sums) for group, sums in rows.items()),
        key=lambda row: row.label.lower(),
    )


def group_labels(by: str, groups: Mapping[str, object]) -> dict[str, str]:
    ids = [int(group) for group in groups if group.isdigit()]
    if by == Dimension.QUEUE:
        names = dict(Queue.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {"": "(no queue)"} | {str(pk): name for pk, name in names.items()}
    if by == Dimension.AGENT:
        names = dict(Agent.objects.filter(pk__in=ids).values_list("pk", "display_name"))
        return {str(pk): name for pk, name in names.items()}
    return {}


def split(row: Mapping[str, Any], group: str) -> tuple[Any, dict[str, float]]:
    """A grouped row's group, and its sums (a sum over no rows, None, is 0)."""
    return row[group], {name: value or 0 for name, value in row.items() if name != group}


def report_totals(rows: list[ReportRow]) -> ReportRow:
    """The range's figures from its intervals' sums (a maximum stays a maximum)."""
    sums = empty()
    for row in rows:
        sums_add(sums, row.sums)
    return ReportRow(label="All", sums=sums)


def default_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=6), today


def fcr_days() -> int:
    return settings.REPORTS_FCR_DAYS
