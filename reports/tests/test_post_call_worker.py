"""The post-call pipeline run by a real Celery worker through the Redis broker, against the
test's PostgreSQL database and a Vonage stand-in for the recording download."""

import time

import pytest

from callcentre.celery import app as celery_app
from callcentre.tests.fake_vonage import RECORDING
from callcentre.tests.worker import running_worker, worker_environment
from conversations.models import Recording
from reports.models import CallDetailRecord
from reports.tests.helpers import caller_hangs_up, caller_waits, recording_event

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_worker_writes_the_record_and_stores_the_recording(
    vonage,
    vonage_api,
    billing,
    settings,
    tmp_path,
    request,
):
    environment = worker_environment(
        VAR_DIR=str(tmp_path),
        VONAGE_API_HOST=settings.VONAGE_API_HOST,
        VONAGE_REST_HOST=settings.VONAGE_REST_HOST,
        VONAGE_APPLICATION_ID=settings.VONAGE_APPLICATION_ID,
        VONAGE_PRIVATE_KEY=settings.VONAGE_PRIVATE_KEY,
    )
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.conf.update(task_always_eager=False)  # .delay() goes to the broker
    request.addfinalizer(lambda: celery_app.conf.update(task_always_eager=True))
    call, conversation = caller_waits(vonage, billing)

    caller_hangs_up(vonage, call, after=90)
    vonage.post("/webhooks/recording", recording_event(call, vonage_api))
    assert not CallDetailRecord.objects.exists()  # queued in the broker, not run inline

    with running_worker(environment):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            CallDetailRecord.objects.exists() and Recording.objects.exclude(file="").exists()
        ):
            time.sleep(0.2)

    assert CallDetailRecord.objects.get(conversation=conversation).outcome == "abandoned"
    recording = Recording.objects.get()
    assert (tmp_path / "media" / recording.file.name).read_bytes() == RECORDING
