"""The post-call pipeline: what happens once a call is over (docs/reports.md).

A call is over when its conversation has ended and no task of it is still open (routing
settles the tasks after the legs' final events). Then a Celery chain runs, each step
idempotent, so a redelivered event, a second trigger or the sweep never does anything
twice: the call detail record, the satisfaction survey, then the recordings copied to
object storage.
"""

import logging
import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone

from callcentre.celery import enqueue
from callcentre.realtime import board_changed_later
from callcentre.vonage.client import VonageError, get_client
from conversations import selectors as conversation_selectors
from conversations.models import Channel, Conversation, Member, Recording
from conversations.services.customers import customer_lock, normalise_number
from conversations.services.messages import message_occurred_at, message_receive, message_send
from reports.models import CallDetailRecord, SatisfactionSurvey
from routing.models import Task
from routing.states import OPEN_TASK_STATES

logger = logging.getLogger(__name__)

# Outcomes of a call by how its last task ended.
TASK_OUTCOMES: dict[str, str] = {
    Task.State.COMPLETED: "answered",
    Task.State.ABANDONED: "abandoned",
    Task.State.OVERFLOWED: "overflowed",
    Task.State.CANCELLED: "cancelled",
    Task.State.TIMED_OUT: "timed_out",
}
# routing.ivr_decisions.Outcome values that end a call without a task.
IVR_END_OUTCOMES = ("self_service", "voicemail", "message")
# The sweep leaves the newest calls to their own trigger, and gives up on old recordings, and
# on surveys the pipeline never got to after an hour (a survey days later would puzzle).
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_RECORDINGS_FOR = timedelta(days=2)
SWEEP_SURVEYS_FOR = timedelta(hours=1)


def call_is_over(conversation_id: int) -> bool:
    return (
        Conversation.objects.filter(pk=conversation_id, state=Conversation.State.ENDED).exists()
        and not Task.objects.filter(
            conversation_id=conversation_id, state__in=OPEN_TASK_STATES
        ).exists()
    )


def post_call_later(conversation_id: int) -> None:
    """After commit, start the pipeline of a call that may be over (it checks)."""
    transaction.on_commit(lambda: post_call_start(conversation_id))


def post_call_start(conversation_id: int) -> None:
    try:
        enqueue("reports.post_call", conversation_id)
    except Exception:
        # Never into the webhook that triggered it: the sweep starts it later.
        logger.exception(
            "could not start the post-call pipeline of conversation %s", conversation_id
        )


def call_outcome(conversation: Conversation, task: Task | None) -> str:
    if task is None:
        # Never queued: it ended in self-service, voicemail, a closed message or the menus.
        ivr = conversation.attributes.get("ivr", {})
        choices = ivr.get("choices") or [{"outcome": ivr.get("entry")}]
        last = choices[-1].get("outcome")
        return last if last in IVR_END_OUTCOMES else "ivr"
    if task.is_callback and task.state in OPEN_TASK_STATES:
        return "callback"
    return TASK_OUTCOMES.get(task.state, task.state)


def seconds_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(int((end - start).total_seconds()), 0)


# CallDetailRecord.price is DecimalField(max_digits=12, decimal_places=8).
LARGEST_PRICE = Decimal("9999.99999999")


def call_price(*, conversation: Conversation, members: list[Member]) -> Decimal | None:
    """What the call's legs cost together; None when unknown or too large to store (a bad
    price would otherwise fail the CDR, and every sweep after it)."""
    prices = [member.price for member in members if member.price is not None]
    if not prices:
        return None
    price = sum(prices, Decimal(0))
    if abs(price) > LARGEST_PRICE:
        logger.warning("call %s: price %s is too large for its CDR: left out", conversation, price)
        return None
    return price


def cdr_write(*, conversation_id: int) -> CallDetailRecord | None:
    """Write (or bring up to date) the call detail record of a call that is over."""
    conversation = (
        Conversation.objects.filter(pk=conversation_id, state=Conversation.State.ENDED)
        .prefetch_related("members")
        .first()
    )
    if conversation is None:
        return None
    task = (
        Task.objects.filter(conversation=conversation).select_related("queue").order_by("pk").last()
    )
    members = list(conversation.members.all())
    customer = next((m for m in members if m.kind == Member.Kind.CUSTOMER), None)
    price = call_price(conversation=conversation, members=members)
    queue_end = None
    if task is not None:
        queue_end = task.assigned_at or task.ended_at or conversation.ended_at
    cdr, _ = CallDetailRecord.objects.update_or_create(
        conversation=conversation,
        defaults={
            "direction": conversation.direction,
            "from_address": conversation.from_address,
            "to_address": conversation.to_address,
            "started_at": conversation.started_at,
            "answered_at": conversation.answered_at,
            "ended_at": conversation.ended_at,
            "duration_seconds": conversation.duration_seconds
            or seconds_between(conversation.started_at, conversation.ended_at)
            or 0,
            "queue_seconds": seconds_between(task.queued_at, queue_end) if task else None,
            "handle_seconds": (
                seconds_between(task.assigned_at, task.completed_at)
                if task and task.state == Task.State.COMPLETED
                else None
            ),
            "agent_id": task.agent_id if task and task.state == Task.State.COMPLETED else None,
            "queue": task.queue if task else None,
            "outcome": call_outcome(conversation, task),
            "price": price,
            "network": customer.network if customer else "",
        },
    )
    return cdr


def recordings_store(*, conversation_id: int) -> int:
    """Copy the call's recordings that are not stored yet from Vonage to object storage
    (S3, or local files with the embedded defaults). Returns how many were stored; a
    recording Vonage will not give now stays for the sweep to try again."""

    stored = 0
    for recording in Recording.objects.filter(conversation_id=conversation_id, file=""):
        try:
            audio = get_client().download_recording(recording.vonage_url)
        except (VonageError, ValueError) as error:
            logger.warning("could not fetch recording %s: %s", recording.recording_uuid, error)
            continue
        recording.file.save(f"{recording.recording_uuid}.mp3", ContentFile(audio), save=False)
        recording.size_bytes = len(audio)
        recording.save(update_fields=["file", "size_bytes"])
        stored += 1
    return stored


def calls_to_sweep(*, now: datetime | None = None) -> list[int]:
    """Calls over for a while whose pipeline has not finished: no record, recordings not yet
    stored (while Vonage keeps them), or a survey not sent: never started (within the hour),
    or left "sending" by a run that was killed. Every step of the pipeline is found here, so a
    worker killed at any point delays it by a sweep or two, never loses it."""
    now = now or timezone.now()
    open_tasks = Task.objects.filter(conversation=OuterRef("pk"), state__in=OPEN_TASK_STATES)
    unstored = Recording.objects.filter(
        conversation=OuterRef("pk"), file="", ended_at__gte=now - SWEEP_RECORDINGS_FOR
    )
    unfinished: Q | Combinable = (
        Q(cdr__isnull=True) | Exists(unstored) | Exists(surveys_abandoned(now=now))
    )
    if settings.CSAT_SURVEY_TEXT:
        unasked = CallDetailRecord.objects.filter(
            conversation=OuterRef("pk"),
            outcome="answered",
            created_at__gte=now - SWEEP_SURVEYS_FOR,
        ).exclude(from_address="")
        unfinished |= Q(survey__isnull=True) & Exists(unasked)
    return list(
        Conversation.objects.filter(state=Conversation.State.ENDED, ended_at__lte=now - SWEEP_AFTER)
        .filter(unfinished)
        .exclude(Exists(open_tasks))
        .order_by("ended_at")
        .values_list("pk", flat=True)[:500]
    )


# The satisfaction survey


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
    number = normalise_number(cdr.from_address)
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


def surveys_abandoned(*, now: datetime) -> QuerySet[SatisfactionSurvey]:
    """Surveys of this call still "sending" after any run sending them was killed by its
    time limit (Celery's hard limit, so no live run still holds them)."""
    stale = survey_stale_before(now)
    return SatisfactionSurvey.objects.filter(
        Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True),
        conversation=OuterRef("pk"),
        state=SatisfactionSurvey.State.SENDING,
    )


def survey_reclaim(*, survey: SatisfactionSurvey) -> bool:
    """Take over a survey a killed run left "sending"; True for the one run that does.

    The run may have died after Vonage accepted the text and before it was recorded: then the
    caller gets the question twice. That is the price of never losing one; the window is the
    time between Vonage's answer and one INSERT."""
    stale = survey_stale_before(timezone.now())
    claimed = SatisfactionSurvey.objects.filter(
        Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True),
        pk=survey.pk,
        state=SatisfactionSurvey.State.SENDING,
    ).update(claimed_at=timezone.now())
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
            number=normalise_number(sender),
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
