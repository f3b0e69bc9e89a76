"""The classifier is loaded once per process, and an edit to the intents reaches every
process: a second, forked process picks up the model trained after the edit."""

import multiprocessing
import time

import pytest
from django.core.cache import caches
from django.db import connections

from ai import selectors
from ai.models import Intent, IntentModel
from ai.tests.helpers import demo_setup

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERY_EXAMPLES = (
    "where is my parcel\nmy delivery has not arrived\nwhen will my order be delivered"
)


def classify_on_request(pipe) -> None:  # runs in the other process
    while (text := pipe.recv()) is not None:
        match = selectors.intent_classify(text)
        loaded = selectors.model_loaded()
        pipe.send((loaded.model_id if loaded else None, match.name if match else None))
    connections.close_all()


@pytest.fixture
def other_process():
    if "locmem" in caches["default"].__class__.__module__:  # not `cache`: a proxy
        pytest.skip("needs a shared cache (REDIS_URL): the local-memory cache is per process")
    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=classify_on_request, args=(theirs,), daemon=True)
    process.start()

    def ask(text: str) -> tuple[int | None, str | None]:
        ours.send(text)
        assert ours.poll(30), "the other process did not answer"
        return ours.recv()

    yield ask
    ours.send(None)
    process.join(10)


def test_a_new_intent_reaches_a_process_that_had_loaded_the_old_model(other_process):
    demo_setup()
    first = IntentModel.objects.get()
    model_before, intent_before = other_process("where is my parcel")

    Intent.objects.create(name="DELIVERY", label="Delivery", examples=DELIVERY_EXAMPLES)

    second = IntentModel.objects.order_by("-pk").first()
    assert second.pk != first.pk and "DELIVERY" in second.intents
    deadline = time.monotonic() + selectors.MODEL_CHECK_SECONDS + 5
    while (answer := other_process("where is my parcel")) != (second.pk, "DELIVERY"):
        assert time.monotonic() < deadline, f"the other process still answers {answer}"
        time.sleep(0.2)
    assert (model_before, intent_before != "DELIVERY") == (first.pk, True)
