import logging

from celery import shared_task

from webhooks import handlers

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.replay_spool")
def replay_spool() -> None:
    replayed, remaining = handlers.replay_spool()
    if replayed or remaining:
        logger.info("webhook spool: %s replayed, %s remaining", replayed, remaining)
