"""The agent desktop: one server-rendered page; desktop.js keeps it live (docs/desktop.md)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agents.models import Agent
from agents.selectors import agent_for_user
from desktop.softphone import softphone_config

# The reason codes offered with "Away"; the agent API takes any short text.
AWAY_REASONS = ["Break", "Lunch", "Meeting", "Training"]


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
            "away_reasons": AWAY_REASONS,
            "softphone": softphone_config(),
        },
    )
