from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from routing.hours import describe, is_open
from routing.models import BusinessHours
from routing.tests.factories import BusinessHoursFactory, HolidayFactory, OpeningPeriodFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = 0, 3, 4, 5, 6


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours_with(*periods: tuple[int, time, time], time_zone: str = "Europe/London"):
    hours = BusinessHoursFactory(time_zone=time_zone)
    for weekday, opens, closes in periods:
        OpeningPeriodFactory(hours=hours, weekday=weekday, opens=opens, closes=closes)
    return hours


def prefetched(hours: BusinessHours) -> BusinessHours:
    return BusinessHours.objects.prefetch_related("periods", "holidays").get(pk=hours.pk)


@pytest.fixture
def office():
    """Monday 9 AM to 5 PM, London. 2026-01-12 is a Monday (GMT)."""
    return hours_with((MONDAY, time(9), time(17)))


@pytest.fixture
def late_friday():
    """Friday 10 PM to 2 AM on Saturday, London. 2026-01-16 is a Friday."""
    return hours_with((FRIDAY, time(22), time(2)))


def test_no_hours_is_always_open():
    assert is_open(hours=None, at=utc(2026, 1, 11, 3, 0)) is True


def test_a_naive_datetime_is_refused(office):
    with pytest.raises(ValueError, match="aware datetime"):
        is_open(hours=office, at=datetime(2026, 1, 12, 10, 0))
    with pytest.raises(ValueError, match="aware datetime"):
        is_open(hours=None, at=datetime(2026, 1, 12, 10, 0))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (london(2026, 1, 12, 12, 0), True),  # inside
        (london(2026, 1, 12, 9, 0), True),  # exactly at opening: open
        (london(2026, 1, 12, 16, 59, 59, 999999), True),
        (london(2026, 1, 12, 17, 0), False),  # exactly at closing: closed
        (london(2026, 1, 12, 8, 59, 59), False),
        (london(2026, 1, 12, 20, 0), False),  # after hours
        (london(2026, 1, 13, 12, 0), False),  # Tuesday: no period
    ],
)
def test_inside_outside_and_at_the_edges_of_a_period(office, at, expected):
    assert is_open(hours=office, at=at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (london(2026, 1, 16, 21, 59), False),  # Friday before it opens
        (london(2026, 1, 16, 22, 0), True),  # Friday at opening
        (london(2026, 1, 16, 23, 59, 59), True),
        (london(2026, 1, 17, 0, 0), True),  # midnight: Saturday, still the Friday period
        (london(2026, 1, 17, 1, 0), True),  # Saturday 1 AM
        (london(2026, 1, 17, 2, 0), False),  # Saturday at closing
        (london(2026, 1, 17, 23, 0), False),  # Saturday night: no period
        (london(2026, 1, 15, 23, 0), False),  # Thursday night: no period
        (london(2026, 1, 15, 1, 0), False),  # Thursday early hours: not after a Wednesday period
    ],
)
def test_a_period_past_midnight_runs_into_the_next_day(late_friday, at, expected):
    assert is_open(hours=late_friday, at=at) is expected


def test_a_sunday_period_past_midnight_runs_into_monday():
    hours = hours_with((SUNDAY, time(22), time(2)))

    assert is_open(hours=hours, at=london(2026, 1, 19, 1, 0)) is True  # Monday 1 AM
    assert is_open(hours=hours, at=london(2026, 1, 19, 2, 0)) is False


def test_a_period_that_closes_at_midnight_ends_at_midnight():
    hours = hours_with((FRIDAY, time(18), time(0)))

    assert is_open(hours=hours, at=london(2026, 1, 16, 23, 59, 59)) is True
    assert is_open(hours=hours, at=london(2026, 1, 17, 0, 0)) is False


def test_a_holiday_closes_its_whole_date(office):
    HolidayFactory(hours=office, date=date(2026, 1, 12))

    assert is_open(hours=office, at=london(2026, 1, 12, 12, 0)) is False
    assert is_open(hours=office, at=london(2026, 1, 19, 12, 0)) is True  # the next Monday


def test_a_holiday_closes_the_early_hours_of_a_period_from_the_evening_before(late_friday):
    HolidayFactory(hours=late_friday, date=date(2026, 1, 17))  # the Saturday

    assert is_open(hours=late_friday, at=london(2026, 1, 16, 23, 0)) is True
    assert is_open(hours=late_friday, at=london(2026, 1, 17, 1, 0)) is False


def test_a_holiday_on_the_evening_leaves_the_next_mornings_hours_open(late_friday):
    HolidayFactory(hours=late_friday, date=date(2026, 1, 16))  # the Friday

    assert is_open(hours=late_friday, at=london(2026, 1, 16, 23, 0)) is False
    assert is_open(hours=late_friday, at=london(2026, 1, 17, 1, 0)) is True


def test_a_holiday_is_a_date_in_the_hours_time_zone_not_in_utc():
    # Auckland is UTC+13 in January: 31 Dec 12:00 UTC is 1 Jan 01:00 there (a Thursday).
    auckland = hours_with(
        (THURSDAY, time(0, 30), time(12)), (FRIDAY, time(8), time(17)), time_zone="Pacific/Auckland"
    )
    HolidayFactory(hours=auckland, date=date(2026, 1, 1))

    assert is_open(hours=auckland, at=utc(2025, 12, 31, 12, 0)) is False  # local 1 Jan
    assert is_open(hours=auckland, at=utc(2026, 1, 1, 20, 0)) is True  # local 2 Jan 09:00


def test_a_holiday_on_the_utc_date_does_not_close_another_local_date():
    # 25 Dec 03:00 UTC is still 24 Dec 22:00 in New York (a Thursday).
    new_york = hours_with((THURSDAY, time(20), time(23)), time_zone="America/New_York")
    HolidayFactory(hours=new_york, date=date(2026, 12, 25))

    assert is_open(hours=new_york, at=utc(2026, 12, 25, 3, 0)) is True


def test_the_same_moment_in_two_time_zones():
    london_hours = hours_with((MONDAY, time(9), time(17)))
    new_york_hours = hours_with((MONDAY, time(9), time(17)), time_zone="America/New_York")

    assert is_open(hours=london_hours, at=utc(2026, 1, 12, 10, 0)) is True  # 10 AM in London
    assert is_open(hours=new_york_hours, at=utc(2026, 1, 12, 10, 0)) is False  # 5 AM in NY
    assert is_open(hours=london_hours, at=utc(2026, 1, 12, 18, 0)) is False  # 6 PM in London
    assert is_open(hours=new_york_hours, at=utc(2026, 1, 12, 18, 0)) is True  # 1 PM in NY


def test_opening_follows_the_local_clock_across_the_spring_change():
    # London moves from GMT to BST on Sunday 29 March 2026 at 01:00 UTC.
    sundays = hours_with((SUNDAY, time(9), time(17)))

    assert is_open(hours=sundays, at=utc(2026, 3, 22, 8, 0)) is False  # 08:00 GMT
    assert is_open(hours=sundays, at=utc(2026, 3, 22, 9, 0)) is True  # 09:00 GMT
    assert is_open(hours=sundays, at=utc(2026, 3, 29, 7, 59)) is False  # 08:59 BST
    assert is_open(hours=sundays, at=utc(2026, 3, 29, 8, 0)) is True  # 09:00 BST
    assert is_open(hours=sundays, at=utc(2026, 3, 29, 16, 0)) is False  # 17:00 BST


def test_a_period_in_the_skipped_hour_opens_when_the_clock_jumps_past_its_start():
    # 01:00 UTC on 29 March 2026 is 02:00 BST: the local 01:00-02:00 never happens.
    night = hours_with((SUNDAY, time(1, 30), time(3)))

    assert is_open(hours=night, at=utc(2026, 3, 29, 0, 59)) is False  # 00:59 GMT
    assert is_open(hours=night, at=utc(2026, 3, 29, 1, 0)) is True  # 02:00 BST
    assert is_open(hours=night, at=utc(2026, 3, 29, 2, 0)) is False  # 03:00 BST


def test_the_repeated_hour_of_the_autumn_change_is_open_both_times():
    # On 25 October 2026 London goes back from 02:00 BST to 01:00 GMT: 01:15 happens twice.
    night = hours_with((SUNDAY, time(1), time(1, 30)))

    assert is_open(hours=night, at=utc(2026, 10, 25, 0, 15)) is True  # 01:15 BST
    assert is_open(hours=night, at=utc(2026, 10, 25, 1, 15)) is True  # 01:15 GMT
    assert is_open(hours=night, at=utc(2026, 10, 25, 1, 30)) is False  # 01:30 GMT


def test_prefetched_hours_cost_no_query(office, django_assert_num_queries):
    HolidayFactory(hours=office, date=date(2026, 12, 25))
    hours = prefetched(office)

    with django_assert_num_queries(0):
        assert is_open(hours=hours, at=london(2026, 1, 12, 12, 0)) is True
        assert describe(hours) == "We are open Monday, 9 AM to 5 PM."


def test_describe_groups_weekdays_with_the_same_hours():
    hours = hours_with(*[(weekday, time(9), time(17)) for weekday in range(5)])

    assert describe(hours) == "We are open Monday to Friday, 9 AM to 5 PM."


def test_describe_says_each_group_and_every_kind_of_time():
    hours = hours_with(
        *[(weekday, time(8, 30), time(12)) for weekday in range(5)],
        *[(weekday, time(13), time(17, 45)) for weekday in range(5)],
        (SATURDAY, time(10), time(0)),
        (SUNDAY, time(22), time(2)),
    )

    assert describe(hours) == (
        "We are open Monday to Friday, 8:30 AM to noon and 1 PM to 5:45 PM; "
        "Saturday, 10 AM to midnight; and Sunday, 10 PM to 2 AM."
    )


def test_describe_names_days_that_do_not_run_together():
    hours = hours_with(
        (MONDAY, time(9), time(17)),
        (2, time(9), time(17)),
        (SATURDAY, time(9), time(17)),
        (SUNDAY, time(9), time(17)),
    )

    assert describe(hours) == ("We are open Monday, Wednesday, Saturday and Sunday, 9 AM to 5 PM.")


def test_describe_without_hours_and_without_periods():
    assert describe(None) == "We are open 24 hours a day, 7 days a week."
    assert describe(BusinessHoursFactory()) == "We are closed at the moment."
