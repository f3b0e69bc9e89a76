from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from agents.selectors import agent_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a login lands: agents at their desktop, supervisors in the admin."""
    if agent_for_user(user=request.user) is not None:
        return redirect("agent-desktop")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "agents/not_an_agent.html", status=403)
