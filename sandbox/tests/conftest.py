"""The project with the seeds' menu on the live server, for the sandbox's own end-to-end
tests (the sandbox fixtures every app may use are in sandbox/tests/fixtures.py)."""

import pytest

from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory


@pytest.fixture
def queues(transactional_db):
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="1", prompt="For sales", queue=QueueFactory(name="Sales"))
    IvrOptionFactory(
        menu=menu, digit="2", prompt="For billing and payments", queue=QueueFactory(name="Billing")
    )


@pytest.fixture
def project(live_server, settings, queues):
    settings.PUBLIC_URL = live_server.url
    return live_server
