"""The historical reports page and its CSV exports: supervisors only, every export audited,
bad filters refused with their reason."""

import csv
import io
from datetime import date

import pytest

from agents.tests.factories import AgentFactory, UserFactory
from compliance.models import AuditEntry
from reports.rollups import rollup_days
from reports.tests.history_helpers import contact
from routing.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-03-01", "end": "2026-03-07", "interval": "day", "by": "queue"}


@pytest.fixture(autouse=True)
def week(settings):
    settings.REPORTS_TIME_ZONE = "Europe/London"
    billing = QueueFactory(name="Billing", service_level_seconds=20)
    bob = AgentFactory(display_name="Bob")
    contact("2026-03-02 09:00", queue=billing, wait=10, handle=120, agent=bob, caller="A")
    contact("2026-03-03 09:00", queue=billing, outcome="abandoned", wait=30, caller="B")
    rollup_days(first=date(2026, 3, 1), last=date(2026, 3, 7))


@pytest.fixture
def supervisor(client):
    client.force_login(UserFactory(username="sam", is_staff=True))
    return client


def test_a_supervisor_sees_each_figure_with_its_formula(supervisor):
    page = supervisor.get("/admin/dashboard/reports/", RANGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "answered within the queue&#x27;s service-level seconds ÷ (offered − short abandons)"
        in html
    )
    assert "(Σ talk + Σ hold + Σ wrap-up) ÷ handled" in html
    intervals = page.context["series"]
    assert [(row["label"], row["cells"][:3]) for row in intervals] == [
        ("2026-03-02", ["1", "1", "0"]),
        ("2026-03-03", ["1", "0", "1"]),
    ]
    assert [row["label"] for row in page.context["breakdown"]] == ["Billing"]
    assert 'id="report-chart"' in html


def test_the_page_opens_on_the_last_seven_days(supervisor):
    page = supervisor.get("/admin/dashboard/reports/")

    assert page.status_code == 200
    query = page.context["query"]
    assert ((query.last - query.first).days, query.interval) == (6, "day")


def test_agents_and_strangers_do_not_see_reports(client):
    assert client.get("/admin/dashboard/reports/", RANGE).status_code == 302  # to the login
    client.force_login(AgentFactory().user)  # an agent, not staff
    for url in ["/admin/dashboard/reports/", "/admin/dashboard/reports/intervals.csv"]:
        response = client.get(url, RANGE)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AuditEntry.objects.exists()


def test_a_csv_export_is_the_table_and_is_audited(supervisor):
    response = supervisor.get("/admin/dashboard/reports/intervals.csv", RANGE)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["day", "Offered (count)", "Answered (count)", "Abandoned (count)"]
    assert [row[:4] for row in rows[1:]] == [
        ["2026-03-02", "1", "1", "0"],
        ["2026-03-03", "1", "0", "1"],
    ]
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.kind, entry.where) == (
        "sam",
        "export",
        "historical reports CSV",
    )
    assert entry.object_id.startswith("intervals 2026-03-01..2026-03-07 day queue")

    breakdown = supervisor.get("/admin/dashboard/reports/breakdown.csv", RANGE | {"by": "agent"})
    assert list(csv.reader(io.StringIO(breakdown.content.decode())))[1][:3] == ["Bob", "1", "1"]
    assert AuditEntry.objects.count() == 2


def test_bad_filters_are_refused_with_their_reason_and_nothing_is_exported(supervisor):
    backwards = RANGE | {"start": "2026-03-07", "end": "2026-03-01"}
    page = supervisor.get("/admin/dashboard/reports/", backwards)
    assert page.status_code == 400
    assert "The range ends before it starts." in page.content.decode()

    too_fine = RANGE | {"start": "2026-01-01", "end": "2026-03-31", "interval": "15m"}
    export = supervisor.get("/admin/dashboard/reports/intervals.csv", too_fine)
    assert export.status_code == 400
    assert "covers at most 31 days" in export.content.decode()
    assert supervisor.get("/admin/dashboard/reports/pivot.csv", RANGE).status_code == 400
    assert (
        supervisor.get("/admin/dashboard/reports/", RANGE | {"interval": "year"}).status_code == 400
    )
    assert not AuditEntry.objects.exists()
