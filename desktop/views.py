"""The agent desktop: one server-rendered page; desktop.js keeps it live (docs/desktop.md)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agents.models import Agent
from agents.selectors import agent_for_user, away_reasons_active
from desktop.softphone import softphone_config


@login_required
def desktop(request: HttpRequest) -> HttpResponse:
    agent = agent_for_user(user=request.user)
    if agent is None:
        return render(request, "agents/not_an_agent.html", status=403)
    return render(
        request,
        "agents/desktop.html",
        {
            "agent": agent,
            "statuses": Agent.Status.choices,
            "away_reasons": away_reasons_active(),
            "softphone": softphone_config(),
        },
    )
