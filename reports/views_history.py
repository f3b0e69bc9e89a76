"""The historical reports page and its CSV exports (supervisors: staff only; docs/reports.md).

Thin: the filter bar is a form, the figures come from reports.metrics, every export is
audited (compliance.services.audit_export).
"""

import csv

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from compliance.services import audit_export
from reports.metrics import (
    BREAKDOWNS,
    METRIC,
    METRICS,
    Interval,
    Metric,
    ReportError,
    ReportQuery,
    ReportRow,
    default_range,
    fcr_days,
    report_breakdown,
    report_series,
    report_totals,
)
from reports.rollups import report_zone
from routing.models import Queue

TABLES = ("intervals", "breakdown")
BREAKDOWN_LABELS: dict[str, str] = dict(BREAKDOWNS)


class ReportForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    interval = forms.ChoiceField(choices=Interval.CHOICES, initial=Interval.DAY)
    by = forms.ChoiceField(label="Per", choices=BREAKDOWNS, initial="queue")
    queue = forms.ModelChoiceField(
        queryset=Queue.objects.order_by("name"), required=False, empty_label="All queues"
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.report_query(data).check()
        except ReportError as error:
            raise forms.ValidationError(str(error)) from error
        return data

    @staticmethod
    def report_query(data: dict) -> ReportQuery:
        queue = data.get("queue")
        return ReportQuery(
            first=data["start"],
            last=data["end"],
            interval=data["interval"],
            by=data["by"],
            queue_id=queue.pk if queue else None,
        )


def report_form(request: HttpRequest) -> ReportForm:
    if "start" in request.GET:
        return ReportForm(request.GET)
    first, last = default_range(timezone.localtime(timezone.now(), report_zone()).date())
    return ReportForm({"start": first, "end": last, "interval": Interval.DAY, "by": "queue"})


def formatted(metric: Metric, value: float | None) -> str:
    if value is None:
        return ""
    if metric.unit == "count":
        return str(int(value))
    return f"{value:.1f}" if metric.unit != "score" else f"{value:.2f}"


def table(rows: list[ReportRow]) -> list[dict]:
    return [
        {"label": row.label, "cells": [formatted(m, row.value(m)) for m in METRICS]} for row in rows
    ]


def table_body(rows: list[dict]) -> str:
    """The rows as HTML, the labels escaped (the cells are numbers `formatted` wrote): a
    month of 15 minutes is 25,000 cells, which the template language renders several times
    slower than this."""
    return mark_safe(
        "".join(
            f'<tr><th scope="row">{escape(row["label"])}</th><td class="number">'
            + '</td><td class="number">'.join(row["cells"])
            + "</td></tr>"
            for row in rows
        )
    )


@staff_member_required
def history(request: HttpRequest) -> HttpResponse:
    form = report_form(request)
    context: dict = {
        "title": "Historical reports",
        "form": form,
        "metrics": METRICS,
        "fcr_days": fcr_days(),
        "zone": str(report_zone()),
    }
    if form.is_valid():
        query = form.report_query(form.cleaned_data)
        series, breakdown = report_series(query), report_breakdown(query)
        context |= {
            "query": query,
            "series": (series_rows := table(series)),
            "series_html": table_body(series_rows),
            "totals": table([report_totals(series)])[0],
            "breakdown": (breakdown_rows := table(breakdown)),
            "breakdown_html": table_body(breakdown_rows),
            "by_label": BREAKDOWN_LABELS[query.by],
            "chart": {
                "labels": [row.label for row in series],
                "answered": [row.sums["answered"] for row in series],
                "abandoned": [row.sums["abandoned"] for row in series],
                "service_level": [row.value(METRIC["service_level"]) for row in series],
            },
            "query_string": request.GET.urlencode() or form_query_string(form),
        }
    return render(request, "reports/history.html", context, status=200 if form.is_valid() else 400)


def form_query_string(form: ReportForm) -> str:
    data = form.cleaned_data
    return (
        f"start={data['start']}&end={data['end']}&interval={data['interval']}&by={data['by']}"
        + (f"&queue={data['queue'].pk}" if data.get("queue") else "")
    )


@staff_member_required
def history_csv(request: HttpRequest, table_name: str) -> HttpResponse:
    """One table of the page as CSV, as the page shows it; every export is audited."""
    if table_name not in TABLES:
        return HttpResponseBadRequest(f"No table {table_name!r}; use one of {', '.join(TABLES)}.")
    form = report_form(request)
    if not form.is_valid():
        reasons = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponseBadRequest(
            f"Cannot export this report: {reasons}", content_type="text/plain"
        )
    query = form.report_query(form.cleaned_data)
    if table_name == "intervals":
        rows, first_column = report_series(query), query.interval
    else:
        rows, first_column = report_breakdown(query), query.by
    audit_export(
        user=request.user,
        what=f"{table_name} {query.first}..{query.last} {query.interval} {query.by} "
        f"{query.queue_id or ''}",
        where="historical reports CSV",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"report-{table_name}-{query.first}-{query.last}-{first_column}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([first_column, *(f"{m.label} ({m.unit})" for m in METRICS)])
    for row in rows:
        writer.writerow([row.label, *(formatted(m, row.value(m)) for m in METRICS)])
    return response
