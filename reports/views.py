from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@staff_member_required
def live_dashboard(request: HttpRequest) -> HttpResponse:
    """The supervisors' wallboard: queues and agents now (static/reports/live.js keeps it live)."""
    return render(
        request,
        "reports/live.html",
        {"title": "Live dashboard", "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS},
    )
