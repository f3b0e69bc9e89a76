"""The project package's periodic housekeeping."""

import logging

from celery import shared_task

from callcentre.db import seen_tokens_prune

logger = logging.getLogger(__name__)


@shared_task(name="callcentre.prune_seen_webhook_tokens")
def prune_seen_webhook_tokens() -> None:
    forgotten = seen_tokens_prune()
    if forgotten:
        logger.debug("forgot %s expired webhook token(s)", forgotten)
