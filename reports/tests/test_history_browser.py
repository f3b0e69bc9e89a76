"""A supervisor opens the historical reports in a real browser (headless Chromium, the ASGI
server), changes the range, sees the chart drawn by Chart.js and downloads the CSV.

With DOCS_SCREENSHOTS=<directory> set it also saves the page's screenshots there (the ones
in docs/images/ came from it)."""

import csv
import os
import time
from datetime import date
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from agents.tests.factories import AgentFactory, UserFactory
from callcentre.tests.browser import click, text_at
from callcentre.tests.helpers import wait_until
from compliance.models import AuditEntry
from reports.rollups import rollup_days
from reports.tests.history_helpers import contact, presence
from routing.tests.factories import QueueFactory

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's


def a_week_of_history() -> None:
    billing = QueueFactory(name="Billing", service_level_seconds=20, short_abandon_seconds=5)
    support = QueueFactory(name="Support", service_level_seconds=30)
    bob, carol = AgentFactory(display_name="Bob"), AgentFactory(display_name="Carol")
    for day, calls in enumerate([6, 9, 7, 8, 5], start=2):
        for n in range(calls):
            queue, agent = (billing, bob) if n % 2 else (support, carol)
            contact(f"2026-03-0{day} {9 + n:02d}:05", queue=queue, wait=5 + 7 * n, handle=240,
                    hold=20, wrap_up=30, agent=agent, caller=f"4477009{day}{n:04d}",
                    disposition="resolved" if n % 3 else "billing", score=5 - n % 3)  # fmt: skip
        contact(f"2026-03-0{day} 17:30", queue=billing, outcome="abandoned", wait=45)
        presence(
            bob,
            ("available", "", f"2026-03-0{day} 09:00", f"2026-03-0{day} 11:00"),
            ("busy", "", f"2026-03-0{day} 11:00", f"2026-03-0{day} 15:00"),
            ("wrap_up", "", f"2026-03-0{day} 15:00", f"2026-03-0{day} 16:00"),
            ("away", "lunch", f"2026-03-0{day} 16:00", f"2026-03-0{day} 17:00"),
        )
    rollup_days(first=date(2026, 3, 1), last=date(2026, 3, 7))


def test_a_supervisor_changes_the_range_sees_the_chart_and_downloads_the_csv(
    asgi_live_server, browser, settings, tmp_path
):
    settings.REPORTS_TIME_ZONE = "Europe/London"
    a_week_of_history()
    UserFactory(username="sam", is_staff=True)
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )

    browser.get(asgi_live_server.url + "/admin/login/?next=/admin/dashboard/reports/")
    browser.find_element(By.NAME, "username").send_keys("sam")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_until(lambda: "Historical reports" in browser.title)
    # The last seven days: nothing happened then.
    assert "No contacts and no agents in this range." in text_at(browser, "#report-intervals")

    # The first week of March, per agent.
    for field, value in [("id_start", "2026-03-01"), ("id_end", "2026-03-07")]:
        browser.execute_script(
            "document.getElementById(arguments[0]).value = arguments[1]", field, value
        )
    browser.find_element(By.ID, "id_by").send_keys("Agent")
    click(browser, "#filters button[type=submit]")

    wait_until(lambda: "2026-03-06" in text_at(browser, "#report-intervals"))
    chart = """
        const chart = Chart.getChart(document.getElementById("report-chart"));
        return chart && [chart.data.labels, chart.data.datasets.map((d) => d.data)];
    """
    wait_until(lambda: browser.execute_script(chart))
    labels, (answered, abandoned, service_level) = browser.execute_script(chart)
    assert labels == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]
    assert answered == [6, 9, 7, 8, 5]
    assert abandoned == [1, 1, 1, 1, 1]
    assert all(0 < level < 100 for level in service_level)
    assert "Bob" in text_at(browser, "#report-breakdown")
    assert "(Σ talk + Σ hold + Σ wrap-up) ÷ handled" in text_at(browser, "#formulas")
    screenshots = os.environ.get("DOCS_SCREENSHOTS")
    if screenshots:
        browser.set_window_size(1400, 1500)
        time.sleep(0.5)
        browser.save_screenshot(str(Path(screenshots) / "reports-history.png"))

    click(browser, "a.csv[href*='intervals.csv']")
    downloaded = tmp_path / "report-intervals-2026-03-01-2026-03-07-day.csv"
    wait_until(lambda: downloaded.exists() and downloaded.stat().st_size > 0)
    rows = list(csv.reader(downloaded.open()))
    assert rows[0][:3] == ["day", "Offered (count)", "Answered (count)"]
    assert [row[:3] for row in rows[1:]] == [
        ["2026-03-02", "7", "6"],
        ["2026-03-03", "10", "9"],
        ["2026-03-04", "8", "7"],
        ["2026-03-05", "9", "8"],
        ["2026-03-06", "6", "5"],
    ]
    assert AuditEntry.objects.filter(kind="export", username="sam").count() == 1
