"""The historical reports' figures on hand-made days whose answers are worked out by hand."""

from datetime import date

import pytest

from agents.models import AwayReason
from agents.tests.factories import AgentFactory
from reports.history_models import ContactStat, Period, PresenceStat
from reports.metrics import METRIC, ReportError, ReportQuery, report_breakdown, report_series
from reports.rollups import day_bounds, rollup_days
from reports.tests.history_helpers import at, contact, presence
from routing.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def london(settings):
    settings.REPORTS_TIME_ZONE = "Europe/London"
    settings.REPORTS_FCR_DAYS = 7


@pytest.fixture
def billing():
    return QueueFactory(name="Billing", service_level_seconds=20, short_abandon_seconds=5)


@pytest.fixture
def day(billing):
    """Monday 2 March 2026 in the Billing queue (service level 20 s, short abandon 5 s)."""
    bob = AgentFactory(display_name="Bob")
    carol = AgentFactory(display_name="Carol")
    # Answered in 10 s; 300 s handled (60 on hold), 30 s wrap-up; satisfied.
    contact("2026-03-02 09:00:10", queue=billing, wait=10, handle=300, hold=60, wrap_up=30,
            agent=bob, disposition="resolved", caller="A", score=5)  # fmt: skip
    # Answered in 40 s (outside the service level), transferred once; the caller calls again.
    contact("2026-03-02 09:05", queue=billing, wait=40, handle=200, wrap_up=20, agent=carol,
            disposition="billing", caller="B", transfers=1, score=3)  # fmt: skip
    contact("2026-03-04 12:00", queue=billing, wait=5, handle=60, agent=carol, caller="B")
    contact("2026-03-02 09:20", queue=billing, outcome="abandoned", wait=3, caller="D")  # short
    contact("2026-03-02 09:40", queue=billing, outcome="abandoned", wait=60, caller="E")
    # A chat (SMS) answered at once, no wrap-up recorded.
    contact("2026-03-02 10:10", queue=billing, wait=0, handle=100, agent=bob, channel="sms",
            caller="C")  # fmt: skip
    # Served by the menus: never reached a queue, never offered.
    contact("2026-03-02 10:30", queue=None, outcome="self_service", caller="F")
    rollup_days(first=DAY, last=date(2026, 3, 4))
    return bob, carol


def figures(row) -> dict:
    return {key: value for key, value in row.values().items() if value is not None}


def test_a_days_figures_follow_their_formulas(day):
    [row] = report_series(ReportQuery(first=DAY, last=DAY, interval="day"))

    assert row.label == "2026-03-02"
    assert figures(row) == {
        "offered": 5,  # the five that reached the queue
        "answered": 3,
        "abandoned": 1,  # after more than 5 s
        "short_abandoned": 1,
        "service_level": pytest.approx(50.0),  # 2 within 20 s ÷ (5 − 1)
        "abandon_rate": pytest.approx(25.0),  # 1 ÷ (5 − 1)
        "asa": pytest.approx(50 / 3),  # (10 + 40 + 0) ÷ 3
        "aht": pytest.approx(650 / 3),  # (300 + 200 + 100 handled + 30 + 20 wrap-up) ÷ 3
        "longest_wait": 60,
        "transfers": 1,
        "satisfaction": pytest.approx(4.0),  # (5 + 3) ÷ 2
        "fcr": pytest.approx(200 / 3),  # A and C did not contact again; B did within 7 days
    }


def test_hours_and_breakdowns_split_the_same_contacts(day, billing):
    series = report_series(ReportQuery(first=DAY, last=DAY, interval="hour"))
    assert [(r.label, r.sums["offered"], r.sums["answered"]) for r in series] == [
        ("2026-03-02 09:00", 4, 2),
        ("2026-03-02 10:00", 1, 1),
    ]
    quarter = report_series(ReportQuery(first=DAY, last=DAY, interval="15m"))
    assert [r.label for r in quarter] == [
        "2026-03-02 09:00",
        "2026-03-02 09:15",
        "2026-03-02 09:30",
        "2026-03-02 10:00",
        "2026-03-02 10:30",  # the self-service call: in the interval, offered to nobody
    ]

    def by(dimension: str) -> dict:
        rows = report_breakdown(ReportQuery(first=DAY, last=DAY, by=dimension))
        return {row.label: (row.sums["offered"], row.sums["answered"]) for row in rows}

    assert by("agent") == {"Bob": (2, 2), "Carol": (1, 1)}
    assert by("channel") == {"voice": (4, 2), "sms": (1, 1)}
    assert by("disposition") == {"resolved": (1, 1), "billing": (1, 1)}
    assert by("queue") == {"Billing": (5, 3), "(no queue)": (0, 0)}


def test_a_queue_filter_keeps_only_its_contacts(day, billing):
    bob, _ = day
    sales = QueueFactory(name="Sales")
    contact("2026-03-02 11:00", queue=sales, wait=5, handle=50, agent=bob)
    rollup_days(first=DAY, last=DAY)

    [everything] = report_series(ReportQuery(first=DAY, last=DAY))
    [only_sales] = report_series(ReportQuery(first=DAY, last=DAY, queue_id=sales.pk))
    assert (everything.sums["offered"], only_sales.sums["offered"]) == (6, 1)

    def bob_answered(queue_id: int | None) -> float:
        rows = report_breakdown(ReportQuery(first=DAY, last=DAY, by="agent", queue_id=queue_id))
        return next(row.sums["answered"] for row in rows if row.label == "Bob")

    assert (bob_answered(None), bob_answered(sales.pk), bob_answered(billing.pk)) == (3, 1, 2)


def test_an_agents_occupancy_and_utilisation_across_a_shift(day):
    bob, _ = day
    AwayReason.objects.update_or_create(code="training", defaults={"counts_as_productive": True})
    AwayReason.objects.update_or_create(code="lunch", defaults={"counts_as_productive": False})
    presence(
        bob,
        ("available", "", "2026-03-02 08:00", "2026-03-02 09:00"),
        ("busy", "", "2026-03-02 09:00", "2026-03-02 10:00"),
        ("wrap_up", "", "2026-03-02 10:00", "2026-03-02 10:30"),
        ("away", "lunch", "2026-03-02 10:30", "2026-03-02 11:00"),
        ("away", "training", "2026-03-02 11:00", "2026-03-02 11:45"),
        ("available", "", "2026-03-02 11:45", "2026-03-02 12:00"),
        ("offline", "", "2026-03-02 12:00", "2026-03-02 18:00"),
    )
    rollup_days(first=DAY, last=DAY)

    rows = report_breakdown(ReportQuery(first=DAY, last=DAY, by="agent"))
    bob_row = next(row for row in rows if row.label == "Bob")

    # Handling 1.5 h (busy + wrap-up) of 2.75 h not away; with 0.75 h of training, 2.25 h of
    # the 4 h logged in.
    assert bob_row.value(METRIC["occupancy"]) == pytest.approx(100 * 1.5 / 2.75)
    assert bob_row.value(METRIC["utilisation"]) == pytest.approx(100 * 2.25 / 4)
    # The hour from 10:00: 30 min wrap-up, 30 min lunch: fully occupied while not away.
    hours = report_series(ReportQuery(first=DAY, last=DAY, interval="hour"))
    ten = next(row for row in hours if row.label == "2026-03-02 10:00")
    assert ten.value(METRIC["occupancy"]) == pytest.approx(100.0)
    assert ten.value(METRIC["utilisation"]) == pytest.approx(50.0)


def test_an_interval_crossing_midnight_counts_in_both_days(billing):
    carol = AgentFactory(display_name="Carol")
    presence(carol, ("busy", "", "2026-03-02 23:30", "2026-03-03 00:30"))

    rollup_days(first=DAY, last=date(2026, 3, 3))

    days = PresenceStat.objects.filter(period=Period.DAY).order_by("bucket")
    assert [(d.bucket, d.busy_seconds) for d in days] == [
        (at("2026-03-02 00:00"), 1800),
        (at("2026-03-03 00:00"), 1800),
    ]


def test_the_day_the_clocks_go_forward_has_23_hours(billing):
    """29 March 2026 in London: 01:00 GMT becomes 02:00 BST."""
    dave = AgentFactory(display_name="Dave")
    presence(dave, ("available", "", "2026-03-28 23:00", "2026-03-29 23:00"))
    contact("2026-03-29 00:30", queue=billing, wait=5, handle=60)
    contact("2026-03-29 03:30", queue=billing, wait=5, handle=60)

    rollup_days(first=date(2026, 3, 28), last=date(2026, 3, 29))

    start, end = day_bounds(date(2026, 3, 29))
    assert (end - start).total_seconds() == 23 * 3600
    available = {
        stat.bucket.astimezone(at("2026-03-29 00:00").tzinfo).date(): stat.available_seconds
        for stat in PresenceStat.objects.filter(period=Period.DAY)
    }
    assert available == {date(2026, 3, 28): 3600, date(2026, 3, 29): 22 * 3600}
    assert PresenceStat.objects.filter(period=Period.QUARTER_HOUR, bucket__gte=start).count() == 88
    hours = report_series(ReportQuery(first=date(2026, 3, 29), last=date(2026, 3, 29),
                                      interval="hour"))  # fmt: skip
    offered = {row.label: row.sums["offered"] for row in hours if row.sums["offered"]}
    # Half past midnight GMT and half past three BST: the local hours the calls started in.
    assert offered == {"2026-03-29 00:00": 1, "2026-03-29 03:00": 1}


def test_a_rebuild_is_idempotent_and_follows_the_records(day, billing):
    def snapshot() -> list[tuple]:
        return sorted(
            ContactStat.objects.values_list(
                "period", "bucket", "dimension", "key", "offered", "answered", "abandoned"
            )  # fmt: skip
        )

    before = snapshot()
    rollup_days(first=DAY, last=DAY)
    rollup_days(first=DAY, last=DAY)
    assert snapshot() == before

    contact("2026-03-02 16:00", queue=billing, outcome="abandoned", wait=30, caller="G")
    rollup_days(first=DAY, last=DAY)
    [row] = report_series(ReportQuery(first=DAY, last=DAY))
    assert (row.sums["offered"], row.sums["abandoned"]) == (6, 2)


def test_a_range_too_long_for_its_interval_is_refused():
    with pytest.raises(ReportError, match="covers at most 31 days"):
        report_series(ReportQuery(first=date(2026, 1, 1), last=date(2026, 3, 1), interval="15m"))
    with pytest.raises(ReportError, match="ends before it starts"):
        report_series(ReportQuery(first=DAY, last=date(2026, 3, 1)))
