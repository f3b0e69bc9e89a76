import pytest

from routing.tests.factories import QueueFactory, QueueSkillFactory, SkillFactory


@pytest.fixture
def billing_skill():
    return SkillFactory(name="billing")


@pytest.fixture
def billing(billing_skill):
    """The Billing queue, needing billing at 5 or more, with 30 s of wrap-up."""
    queue = QueueFactory(name="Billing", wrap_up_seconds=30)
    QueueSkillFactory(queue=queue, skill=billing_skill, min_proficiency=5)
    return queue
