"""The satisfaction survey: texted once after an answered call or chat (at most one a day per
customer), a 1-5 reply kept as its score and thanked, and what the sweep resumes."""

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from callcentre.celery import enqueue
from callcentre.realtime import board_changed_later
from callcentre.vonage.client import VonageError
from callcentre.vonage.inbound import phone_number
from conversations import selectors as conversation_selectors
from conversations.models import Channel
from conversations.services.customers import customer_lock
from conversations.services.messages import message_occurred_at, message_receive, message_send
from reports.models import CallDetailRecord, SatisfactionSurvey
from routing.models import Task

logger = logging.getLogger(__name__)


# "5", " 4 ", "3/5", "2." are answers; anything else is a message for a person.
SURVEY_ANSWER = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$")


SURVEY_ANSWER_WINDOW = timedelta(hours=24)


# The channels whose customer address is a phone number the survey can be texted to (a
# Messenger id is not one).
SURVEY_CHANNELS = (Channel.VOICE, Channel.SMS, Channel.WHATSAPP, Channel.VIBER)


# A survey that counts towards CSAT_SURVEY_MIN_INTERVAL_HOURS: one that went, or may have.
SURVEYED_STATES = (
    SatisfactionSurvey.State.SENDING,
    SatisfactionSurvey.State.SENT,
    SatisfactionSurvey.State.ANSWERED,
)


def survey_text(channel: str) -> str:
    """The question, worded for how the customer reached us; '' when that survey is off."""
    text = settings.CSAT_SURVEY_TEXT if channel == Channel.VOICE else settings.CSAT_SURVEY_CHAT_TEXT
    return text.format(centre=settings.CALL_CENTRE_NAME) if text else ""


def surveyed_recently(*, number: str, customer_id: int | None, now: datetime) -> bool:
    """Whether this customer (or this number) had a survey in the last
    CSAT_SURVEY_MIN_INTERVAL_HOURS: one a day is plenty, whatever they called about."""
    hours = settings.CSAT_SURVEY_MIN_INTERVAL_HOURS
    if hours <= 0:
        return False
    same_customer = Q(number=number)
    if customer_id is not None:
        same_customer |= Q(conversation__customer_id=customer_id)
    return (
        SatisfactionSurvey.objects.filter(same_customer)
        .filter(state__in=SURVEYED_STATES, created_at__gt=now - timedelta(hours=hours))
        .exists()
    )


def survey_create(*, cdr: CallDetailRecord, number: str) -> tuple[SatisfactionSurvey, bool]:
    """The call's survey row, created once: SENDING, or SKIPPED when the customer was
    surveyed recently. The customer's row is locked meanwhile, so that two calls ending at
    once in two processes do not both find "no recent survey" and both send."""
    conversation = cdr.conversation
    with transaction.atomic():
        customer_lock(customer_id=conversation.customer_id)
        survey = SatisfactionSurvey.objects.filter(conversation=conversation).first()
        if survey is not None:
            return survey, False
        now = timezone.now()
        recent = surveyed_recently(number=number, customer_id=conversation.customer_id, now=now)
        survey = SatisfactionSurvey.objects.create(
            conversation=conversation,
            number=number,
            agent_id=cdr.agent_id,
            state=SatisfactionSurvey.State.SKIPPED if recent else SatisfactionSurvey.State.SENDING,
            created_at=now,
            claimed_at=None if recent else now,
        )
    return survey, True


def survey_send(*, conversation_id: int) -> SatisfactionSurvey | None:
    """Ask the customer of an answered call or chat, by SMS, how it went: once per contact,
    never twice, and at most once per CSAT_SURVEY_MIN_INTERVAL_HOURS per customer
    (CSAT_SURVEY_TEXT after a call, CSAT_SURVEY_CHAT_TEXT after a chat; empty sends none).
    A survey Vonage refused stays failed."""
    cdr = (
        CallDetailRecord.objects.filter(conversation_id=conversation_id, outcome="answered")
        .select_related("conversation")
        .first()
    )
    if cdr is None or cdr.conversation.channel not in SURVEY_CHANNELS:
        return None
    text = survey_text(cdr.conversation.channel)
    number = phone_number(cdr.from_address)
    if not text or not number:
        return None
    survey, created = survey_create(cdr=cdr, number=number)
    if survey.state == SatisfactionSurvey.State.SKIPPED:
        return survey
    if not created and not survey_reclaim(survey=survey):
        return survey  # sent, refused, or being sent by a run that is still alive
    try:
        question = message_send(
            conversation=cdr.conversation,
            channel=Channel.SMS,
            to=number,
            from_=survey_sender(cdr.to_address),
            text=text,
        )
    except VonageError as error:
        logger.warning("could not send the survey of call %s: %s", conversation_id, error)
        survey.state = SatisfactionSurvey.State.FAILED
        survey.save(update_fields=["state"])
        return survey
    survey.question, survey.state, survey.sent_at = (
        question,
        SatisfactionSurvey.State.SENT,
        question.occurred_at,
    )
    survey.save(update_fields=["question", "state", "sent_at"])
    return survey


def survey_stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def surveys_left_sending(*, now: datetime) -> QuerySet[SatisfactionSurvey]:
    """Surveys still "sending" after any run sending them was killed by its time limit
    (Celery's hard limit, so no live run still holds them)."""
    return SatisfactionSurvey.objects.filter(
        Q(claimed_at__lt=survey_stale_before(now)) | Q(claimed_at__isnull=True),
        state=SatisfactionSurvey.State.SENDING,
    )


def surveys_abandoned(*, now: datetime) -> QuerySet[SatisfactionSurvey]:
    """The call's surveys a killed run left "sending" (inside the sweep's Exists)."""
    return surveys_left_sending(now=now).filter(conversation=OuterRef("pk"))


def survey_reclaim(*, survey: SatisfactionSurvey) -> bool:
    """Take over a survey a killed run left "sending"; True for the one run that does.

    The run may have died after Vonage accepted the text and before it was recorded: then the
    caller gets the question twice. That is the price of never losing one; the window is the
    time between Vonage's answer and one INSERT."""
    now = timezone.now()
    claimed = surveys_left_sending(now=now).filter(pk=survey.pk).update(claimed_at=now)
    if claimed:
        logger.warning(
            "resuming the survey of call %s (its run was killed)", survey.conversation_id
        )
    return bool(claimed)


def survey_sender(called: str) -> str:
    """The number the customer called, when it is ours; else our first number."""
    numbers = settings.VONAGE_NUMBERS
    if called in numbers or not numbers:
        return called
    return numbers[0]


def survey_answer_receive(*, payload: dict, received_at: datetime) -> SatisfactionSurvey | None:
    """An inbound SMS that answers the customer's latest survey (sent within 24 hours, not
    answered yet) with a score from 1 to 5: stored on the survey's conversation, beside the
    question (it opens no thread of its own and leaves any open one alone), and recorded.

    None for anything else, left for a person: another text, no open survey, or a customer
    in a chat with an agent on SMS right now, whose "5" most likely answers the agent.
    """
    if payload.get("channel") != "sms":
        return None
    match = SURVEY_ANSWER.match(str(payload.get("text") or ""))
    if match is None:
        return None
    sender = str(payload.get("from") or "")
    occurred_at = message_occurred_at(payload=payload, received_at=received_at)
    survey = (
        SatisfactionSurvey.objects.filter(
            number=phone_number(sender),
            state=SatisfactionSurvey.State.SENT,
            sent_at__gte=occurred_at - SURVEY_ANSWER_WINDOW,
        )
        .select_related("conversation")
        .order_by("-sent_at")
        .first()
    )
    if survey is None or sms_chat_with_an_agent(sender=sender, occurred_at=occurred_at):
        return None
    message, _ = message_receive(
        payload=payload, received_at=received_at, conversation=survey.conversation
    )
    answered = SatisfactionSurvey.objects.filter(
        pk=survey.pk, state=SatisfactionSurvey.State.SENT
    ).update(
        state=SatisfactionSurvey.State.ANSWERED,
        score=int(match.group(1)),
        answer=message,
        answered_at=message.occurred_at,
    )
    if answered:
        board_changed_later()  # the dashboard's CSAT of the day
        transaction.on_commit(lambda: survey_thank_later(survey.pk))
    # Another reply got there first: this one stays beside the question, read by nobody
    # but the admin, as a second score would have been.
    survey.refresh_from_db()
    return survey


def sms_chat_with_an_agent(*, sender: str, occurred_at: datetime) -> bool:
    thread = conversation_selectors.message_thread_open(
        channel=Channel.SMS, sender=sender, occurred_at=occurred_at
    )
    return (
        thread is not None
        and Task.objects.filter(conversation=thread, state=Task.State.ASSIGNED).exists()
    )


def survey_thank_later(survey_id: int) -> None:
    if not settings.CSAT_SURVEY_THANKS_TEXT:
        return
    try:
        enqueue("reports.thank_for_survey_answer", survey_id)
    except Exception:
        # Never into the webhook that brought the answer: a thank-you is not worth it.
        logger.exception("could not queue the thank-you of survey %s", survey_id)


def survey_thank(*, survey_id: int) -> bool:
    """Text the customer who answered a survey a short thank-you (CSAT_SURVEY_THANKS_TEXT),
    once: the survey is claimed first, so a redelivered task sends nothing. True if sent."""
    text = settings.CSAT_SURVEY_THANKS_TEXT
    if not text or not SatisfactionSurvey.objects.filter(
        pk=survey_id, state=SatisfactionSurvey.State.ANSWERED, thanked_at__isnull=True
    ).update(thanked_at=timezone.now()):
        return False
    survey = SatisfactionSurvey.objects.select_related("conversation").get(pk=survey_id)
    try:
        message_send(
            conversation=survey.conversation,
            channel=Channel.SMS,
            to=survey.number,
            from_=survey_sender(survey.conversation.to_address),
            text=text.format(centre=settings.CALL_CENTRE_NAME),
        )
    except VonageError as error:
        logger.warning("could not thank the customer for survey %s: %s", survey_id, error)
        return False
    return True
