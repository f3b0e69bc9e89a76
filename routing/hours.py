"""Business hours: is a queue or menu open at a moment, and how to say its hours aloud.

Everything is evaluated on the wall clock of the hours' own time zone, so a
period keeps its local times across daylight-saving changes. A period whose
closing time is not after its opening time runs past midnight into the next
day. A holiday closes its whole local calendar date, including the early
hours of a period that began the evening before.

Callers pass hours with `periods` and `holidays` prefetched (see
routing.selectors): these functions only iterate `.all()`, so a prefetched
object costs no query.
"""

import zoneinfo
from datetime import datetime, time

from routing.models import BusinessHours, OpeningPeriod

DAY_NAMES = [label for _, label in OpeningPeriod.Weekday.choices]


def local_time(*, hours: BusinessHours, at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"business hours need an aware datetime, got {at!r}")
    return at.astimezone(zoneinfo.ZoneInfo(hours.time_zone))


def period_covers(period: OpeningPeriod, *, weekday: int, clock: time) -> bool:
    if period.opens < period.closes:
        return period.weekday == weekday and period.opens <= clock < period.closes
    # Past midnight: the evening of its own day, then the early hours of the next.
    if period.weekday == weekday and clock >= period.opens:
        return True
    return (period.weekday + 1) % 7 == weekday and clock < period.closes


def is_open(*, hours: BusinessHours | None, at: datetime) -> bool:
    """True when `at` falls in an opening period and not on a holiday. No hours: always open."""
    if hours is None:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"business hours need an aware datetime, got {at!r}")
        return True
    local = local_time(hours=hours, at=at)
    if any(holiday.date == local.date() for holiday in hours.holidays.all()):
        return False
    clock = local.time().replace(tzinfo=None)
    weekday = local.weekday()
    return any(
        period_covers(period, weekday=weekday, clock=clock) for period in hours.periods.all()
    )


def spoken_time(value: time) -> str:
    """9 AM, 5:30 PM, noon, midnight."""
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "noon"
    hour = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    if value.minute:
        return f"{hour}:{value.minute:02d} {suffix}"
    return f"{hour} {suffix}"


def spoken_list(items: list[str], *, separator: str = ", ") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{separator.join(items[:-1])} and {items[-1]}"


def spoken_days(weekdays: list[int]) -> str:
    """Runs of three or more days become 'Monday to Friday'."""
    runs: list[list[int]] = []
    for weekday in sorted(weekdays):
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]} to {DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[weekday] for weekday in run)
    return spoken_list(parts)


def describe(hours: BusinessHours | None) -> str:
    """'We are open Monday to Friday, 9 AM to 5 PM, and Saturday, 10 AM to noon.'"""
    if hours is None:
        return "We are open 24 hours a day, 7 days a week."
    schedules: dict[int, list[tuple[time, time]]] = {}
    for period in sorted(hours.periods.all(), key=lambda period: (period.weekday, period.opens)):
        schedules.setdefault(period.weekday, []).append((period.opens, period.closes))
    if not schedules:
        return "We are closed at the moment."
    days_by_schedule: dict[tuple[tuple[time, time], ...], list[int]] = {}
    for weekday, periods in schedules.items():
        days_by_schedule.setdefault(tuple(periods), []).append(weekday)
    groups = []
    for schedule, weekdays in sorted(days_by_schedule.items(), key=lambda item: min(item[1])):
        times = spoken_list(
            [f"{spoken_time(opens)} to {spoken_time(closes)}" for opens, closes in schedule]
        )
        groups.append(f"{spoken_days(weekdays)}, {times}")
    if len(groups) == 1:
        return f"We are open {groups[0]}."
    return f"We are open {'; '.join(groups[:-1])}; and {groups[-1]}."
