"""The billing setup most routing stories use; import the fixtures a test module needs."""

import pytest

from routing.tests.factories import (
    IvrMenuFactory,
    IvrOptionFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
)


@pytest.fixture
def billing_skill():
    return SkillFactory(name="billing")


@pytest.fixture
def billing(billing_skill):
    """The Billing queue, needing billing at 5 or more, with 30 s of wrap-up."""
    queue = QueueFactory(name="Billing", wrap_up_seconds=30)
    QueueSkillFactory(queue=queue, skill=billing_skill, min_proficiency=5)
    return queue


@pytest.fixture
def billing_menu(billing):
    """The entry menu: 1 for Sales, 2 for billing and payments."""
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="1", prompt="For sales", queue=QueueFactory(name="Sales"))
    IvrOptionFactory(menu=menu, digit="2", prompt="For billing and payments", queue=billing)
    return menu
