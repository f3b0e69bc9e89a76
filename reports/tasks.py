"""The post-call pipeline's Celery tasks: thin, ids in, one service call each."""

import logging

from celery import chain, shared_task

from reports import services, surveys

logger = logging.getLogger(__name__)


@shared_task(name="reports.post_call")
def post_call(conversation_id: int) -> None:
    """Run the pipeline of a call that is over; one still going is left to its next trigger."""
    if not services.call_is_over(conversation_id):
        return
    chain(
        write_cdr.si(conversation_id),
        summarise.si(conversation_id),
        send_survey.si(conversation_id),
        store_recordings.si(conversation_id),
    ).delay()


@shared_task(name="reports.write_cdr")
def write_cdr(conversation_id: int) -> None:
    services.cdr_write(conversation_id=conversation_id)


@shared_task(name="reports.summarise")
def summarise(conversation_id: int) -> None:
    services.call_summary_write(conversation_id=conversation_id)


@shared_task(name="reports.send_survey")
def send_survey(conversation_id: int) -> None:
    # Not retried: a send that timed out may still have reached the customer.
    surveys.survey_send(conversation_id=conversation_id)


@shared_task(name="reports.thank_for_survey_answer")
def thank_for_survey_answer(survey_id: int) -> None:
    # Not retried: a send that timed out may still have reached the customer.
    surveys.survey_thank(survey_id=survey_id)


@shared_task(name="reports.store_recordings")
def store_recordings(conversation_id: int) -> None:
    services.recordings_store(conversation_id=conversation_id)


@shared_task(name="reports.post_call_sweep")
def post_call_sweep() -> None:
    """What a lost trigger or a recording Vonage did not give left behind (every few minutes)."""
    due = services.calls_to_sweep()
    for conversation_id in due:
        post_call.delay(conversation_id)
    if due:
        logger.info("post-call sweep: %s call(s) to finish", len(due))
