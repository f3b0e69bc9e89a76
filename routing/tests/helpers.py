"""Helpers for tests that go through the routing engine."""

import pytest
from django.db import transaction

from routing.queueing import task_enqueue
from routing.tests.factories import ConversationFactory, QueueFactory


class ProbeRollback(Exception):
    pass


def require_task_enqueue() -> None:
    """Skip the test while routing.task_enqueue is still a stub.

    Tries one real enqueue in a savepoint that is rolled back, so the test's
    data is untouched; the test runs as soon as the engine lands.
    """
    try:
        with transaction.atomic():
            task_enqueue(
                conversation=ConversationFactory(vonage_uuid="CON-probe"),
                queue=QueueFactory(name="Probe queue"),
            )
            raise ProbeRollback
    except NotImplementedError:
        pytest.skip("needs routing.task_enqueue")
    except ProbeRollback:
        pass
