"""The demo's queues, skills and intents for ai's tests, and a classifier trained once."""

from functools import cache

from django.db import transaction

from ai.classifier import Classifier, train
from ai.demo import DEMO_INTENTS, demo_ai_load
from ai.models import IntentModel
from routing.tests.factories import QueueFactory, QueueSkillFactory, SkillFactory


def demo_setup() -> tuple[dict, dict]:
    """Billing (billing at 5+), Sales and Support; the demo's intents, articles and rules.
    In a transaction of its own, the classifier is trained once as it commits (ai.tasks)."""
    with transaction.atomic():
        return demo_setup_in_transaction()


def demo_setup_in_transaction() -> tuple[dict, dict]:
    skills = {name: SkillFactory(name=name) for name in ("billing", "sales", "technical")}
    queues = {
        "Billing": QueueFactory(name="Billing"),
        "Sales": QueueFactory(name="Sales"),
        "Support": QueueFactory(name="Support"),
    }
    QueueSkillFactory(queue=queues["Billing"], skill=skills["billing"], min_proficiency=5)
    QueueSkillFactory(queue=queues["Sales"], skill=skills["sales"], min_proficiency=1)
    QueueSkillFactory(queue=queues["Support"], skill=skills["technical"], min_proficiency=1)
    demo_ai_load(queues=queues, skills=skills)
    return queues, skills


def demo_examples() -> list[tuple[str, str]]:
    return [(phrase, intent.name) for intent in DEMO_INTENTS for phrase in intent.examples]


@cache
def demo_pipeline_bytes() -> bytes:
    """The demo intents' classifier, trained once per test run (training takes a second)."""
    return Classifier(train(demo_examples())).to_bytes()


def demo_model_store() -> IntentModel:
    """The demo classifier as the model in use (what ai.tasks.train_intents would store)."""
    return IntentModel.objects.create(
        intents=sorted(intent.name for intent in DEMO_INTENTS),
        examples=len(demo_examples()),
        library_version="test",
        training_seconds=0,
        pipeline=demo_pipeline_bytes(),
    )
