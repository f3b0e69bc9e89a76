"""The periodic spool replay, run by a real Celery worker through the Redis broker."""

import time

import pytest

from callcentre.celery import app as celery_app
from callcentre.spool import spool_entries
from callcentre.tests.worker import running_worker, worker_environment
from conversations.models import Conversation
from conversations.tests import payloads

pytestmark = pytest.mark.slow


@pytest.fixture
def spool_worker_environment(transactional_db, settings, tmp_path) -> dict:
    environment = worker_environment(SPOOL_DIR=str(tmp_path / "spool"))
    settings.SPOOL_DIR = tmp_path / "spool"
    return environment


def test_a_celery_worker_replays_the_spool(vonage, spool_worker_environment, database_down):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    vonage.post("/webhooks/event", payloads.status(call, "completed", at=247))
    database_down.restore()
    assert len(spool_entries()) == 2

    with running_worker(spool_worker_environment):
        celery_app.send_task("webhooks.replay_spool")  # always to the broker, never eager
        deadline = time.monotonic() + 30
        while spool_entries() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert spool_entries() == []
    conversation = Conversation.objects.get(vonage_uuid=call["conversation_uuid"])
    assert (conversation.state, conversation.duration_seconds) == ("ended", 245)
