"""Celery tasks of live transcription: thin, ids in, one service call."""

import logging

from celery import shared_task

from callcentre.vonage.client import VonageError
from speech import services

logger = logging.getLogger(__name__)


@shared_task(name="speech.transcription_start")
def transcription_start(conversation_id: int, agent_id: int) -> None:
    # Not retried: a create-call that timed out may still have placed the leg.
    try:
        services.transcription_start(conversation_id=conversation_id, agent_id=agent_id)
    except VonageError as error:
        logger.error("could not start transcribing conversation %s: %s", conversation_id, error)
