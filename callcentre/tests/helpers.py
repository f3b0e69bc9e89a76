"""Helpers any app's tests may import (test modules never import from each other)."""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.test import Client

if TYPE_CHECKING:
    from agents.models import Agent

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], *, timeout: float = 10.0) -> T:
    """Polls `predicate` until it returns something truthy (a server in another thread or
    process is catching up) and returns that value; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def agent_client(agent: "Agent") -> Client:
    """A browser session logged in as the agent (the desktop and the agent API)."""
    client = Client()
    client.force_login(agent.user)
    return client
