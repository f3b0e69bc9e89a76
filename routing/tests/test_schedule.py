"""The periodic tasks that keep routing moving are scheduled, and each names a real task."""

from django.conf import settings

from callcentre.celery import app

ROUTING_TASKS = {
    "routing.expire_offers",
    "routing.wake_agents",
    "routing.escalate",
    "routing.announce",
    "routing.reap",
}


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()  # what the worker and beat do at start-up

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert ROUTING_TASKS <= scheduled
    assert scheduled - set(app.tasks) == set()


def test_offers_expire_within_a_few_seconds_and_missed_runs_are_dropped():
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert entries["routing.expire_offers"]["schedule"] <= 5
    for name in ROUTING_TASKS:
        # A run the workers could not take in time is dropped: the next one does it all.
        assert entries[name]["options"]["expires"] <= entries[name]["schedule"]
