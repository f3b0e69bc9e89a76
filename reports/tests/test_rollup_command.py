"""The roll-ups on demand: manage.py rollup_reports and the Celery tasks."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from reports.history_models import ContactStat, Period
from reports.metrics import ReportQuery, report_series
from reports.tasks import rollup_range, rollup_recent
from reports.tests.history_helpers import contact
from routing.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.REPORTS_TIME_ZONE = "Europe/London"


def test_the_command_rebuilds_a_range_and_says_what_it_did(capsys):
    billing = QueueFactory(name="Billing")
    contact("2026-03-02 09:00", queue=billing, wait=5, handle=60)
    contact("2026-03-03 09:00", queue=billing, outcome="abandoned", wait=50)

    call_command("rollup_reports", "2026-03-01", "2026-03-03")

    assert (
        "Rolled up 3 day(s) from 2026-03-01 to 2026-03-03: 2 contact(s)" in capsys.readouterr().out
    )
    rows = report_series(ReportQuery(first=date(2026, 3, 1), last=date(2026, 3, 3)))
    assert [(row.label, row.sums["answered"], row.sums["abandoned"]) for row in rows] == [
        ("2026-03-02", 1, 0),
        ("2026-03-03", 0, 1),
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["2026-03-05", "2026-03-01"], r"ends \(2026-03-01\) before it starts"),
        (["yesterday"], "'yesterday' is not a date"),
    ],
)
def test_a_bad_range_is_refused_and_nothing_is_written(arguments, message):
    contact("2026-03-02 09:00", queue=QueueFactory(), wait=5, handle=60)

    with pytest.raises(CommandError, match=message):
        call_command("rollup_reports", *arguments)

    assert not ContactStat.objects.exists()


def test_the_tasks_roll_up_a_range_and_today(settings):
    billing = QueueFactory(name="Billing")
    contact("2026-03-02 09:00", queue=billing, wait=5, handle=60)

    rollup_range.delay("2026-03-02", "2026-03-02")
    days = ContactStat.objects.filter(period=Period.DAY, dimension="total")
    assert [(day.offered, day.answered) for day in days] == [(1, 1)]

    rollup_recent.delay()  # today's and yesterday's: nothing happened then
    assert ContactStat.objects.filter(period=Period.DAY, dimension="total").count() == 1
