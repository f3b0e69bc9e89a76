import logging

from celery import shared_task

from conversations import webhooks

logger = logging.getLogger(__name__)


@shared_task(name="conversations.replay_spool")
def replay_spool() -> None:
    replayed, remaining = webhooks.replay_spool()
    if replayed or remaining:
        logger.info("webhook spool: %s replayed, %s remaining", replayed, remaining)
