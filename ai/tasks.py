"""ai's Celery tasks: thin, one service call each."""

from celery import shared_task

from ai import services


@shared_task(name="ai.train_intents")
def train_intents() -> None:
    # Idempotent: it trains on whatever the intents are when it runs.
    services.intents_train()
