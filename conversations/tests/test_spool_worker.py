"""The periodic spool replay, run by a real Celery worker through the Redis broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from callcentre.celery import app as celery_app
from callcentre.spool import spool_entries
from conversations.models import Conversation
from conversations.tests import payloads

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture
def worker_environment(transactional_db, settings, tmp_path) -> dict:
    if not django_settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL (the broker) and PostgreSQL shared with the worker process")
    settings.SPOOL_DIR = tmp_path / "spool"
    database = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "callcentre.settings",
        "SECRET_KEY": "worker-test-secret-key",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}"
            f":{database['PORT']}/{database['NAME']}"
        ),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SPOOL_DIR": str(settings.SPOOL_DIR),
    }


def test_a_celery_worker_replays_the_spool(vonage, worker_environment, database_down):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    vonage.post("/webhooks/event", payloads.status(call, "completed", at=247))
    database_down.restore()
    assert len(spool_entries()) == 2

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "callcentre",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=worker_environment,
    )
    try:
        celery_app.send_task("conversations.replay_spool")  # always to the broker, never eager
        deadline = time.monotonic() + 30
        while spool_entries() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert spool_entries() == []
    conversation = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    assert (conversation.state, conversation.duration_seconds) == ("ended", 245)
