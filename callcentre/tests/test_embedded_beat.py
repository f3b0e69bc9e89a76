"""The embedded beat: `make run`'s development server runs the periodic tasks itself."""

import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from callcentre import embedded_beat
from callcentre.apps import embedded_beat_wanted
from callcentre.celery import app
from routing.models import Offer
from routing.queueing import task_enqueue
from routing.tests.factories import ConversationFactory, available_agent

SCHEDULE = {
    "expire": {"task": "routing.expire_offers", "schedule": 2.0},
    "wake": {"task": "routing.wake_agents", "schedule": 5.0},
}


@pytest.mark.django_db(transaction=True)
def test_due_tasks_run_inline_on_their_schedule(billing, billing_skill):
    bob = available_agent("Bob", skills={billing_skill: 8})
    task_enqueue(conversation=ConversationFactory(), queue=billing)
    Offer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    last_run: dict[str, float] = {}

    first = embedded_beat.run_due(SCHEDULE, last_run, now=100.0)
    too_soon = embedded_beat.run_due(SCHEDULE, last_run, now=101.0)
    later = embedded_beat.run_due(SCHEDULE, last_run, now=102.5)

    assert first == ["routing.expire_offers", "routing.wake_agents"]
    assert too_soon == []
    assert later == ["routing.expire_offers"]
    assert Offer.objects.get(agent=bob).state == Offer.State.TIMED_OUT


ran_after_the_failure: list[str] = []


@app.task(name="tests.embedded_beat.broken")
def broken_task() -> None:
    raise RuntimeError("boom")


@app.task(name="tests.embedded_beat.fine")
def fine_task() -> None:
    ran_after_the_failure.append("fine")


def test_a_failing_task_does_not_stop_the_others():
    schedule = {
        "broken": {"task": "tests.embedded_beat.broken", "schedule": 1.0},
        "fine": {"task": "tests.embedded_beat.fine", "schedule": 1.0},
    }

    ran = embedded_beat.run_due(schedule, {}, now=0.0)  # logs the failure, raises nothing

    assert ran == ["tests.embedded_beat.broken", "tests.embedded_beat.fine"]
    assert ran_after_the_failure == ["fine"]


@pytest.mark.parametrize(
    ("argv", "run_main", "eager", "enabled", "wanted"),
    [
        (["manage.py", "runserver"], "true", True, True, True),  # the serving child
        (["manage.py", "runserver"], None, True, True, False),  # the autoreloader parent
        (["manage.py", "runserver", "--noreload"], None, True, True, True),
        (["manage.py", "migrate"], "true", True, True, False),
        (["manage.py", "runserver"], "true", False, True, False),  # a real broker: real beat
        (["manage.py", "runserver"], "true", True, False, False),  # not asked for
    ],
)
def test_it_runs_only_in_the_development_server_with_inline_celery(
    monkeypatch, settings, argv, run_main, eager, enabled, wanted
):
    monkeypatch.setattr(sys, "argv", argv)
    if run_main is None:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    else:
        monkeypatch.setenv("RUN_MAIN", run_main)
    settings.CELERY_TASK_ALWAYS_EAGER, settings.EMBEDDED_BEAT = eager, enabled

    assert embedded_beat_wanted() is wanted
