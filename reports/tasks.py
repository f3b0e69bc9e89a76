"""The post-call pipeline's Celery tasks: thin, ids in, one service call each."""

import logging
from datetime import date

from celery import chain, shared_task

from reports import rollups, services, surveys

logger = logging.getLogger(__name__)


@shared_task(name="reports.post_call")
def post_call(conversation_id: int) -> None:
    """Run the pipeline of a call that is over; one still going is left to its next trigger."""
    if not services.call_is_over(conversation_id):
        return
    steps = (write_cdr, summarise, send_survey, store_recordings)
    if post_call.app.conf.task_always_eager:
        # Inline (`make run` without Redis, the tests): one step after the other. Celery's
        # inline chain reads each step's result before the next, which it refuses while any
        # thread of the process runs a task inline (its flag is global), so a webhook served
        # meanwhile stopped the chain after its first step.
        for step in steps:
            step(conversation_id)
        return
    chain(*(step.si(conversation_id) for step in steps)).delay()


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


@shared_task(name="reports.rollup_recent")
def rollup_recent() -> None:
    """Today's and yesterday's roll-ups of the historical reports (beat, every 5 minutes)."""
    rollups.rollup_recent()


@shared_task(name="reports.rollup_settling")
def rollup_settling() -> None:
    """The days whose first-contact resolution may still change (beat, hourly)."""
    rollups.rollup_settling()


@shared_task(name="reports.rollup_range")
def rollup_range(first: str, last: str) -> None:
    """Rebuild the roll-ups of the local days `first` to `last` (ISO dates), on demand."""
    rollups.rollup_days(first=date.fromisoformat(first), last=date.fromisoformat(last))
