"""The post-call pipeline: what happens once a call is over (docs/reports.md).

A call is over when its conversation has ended and no task of it is still open (routing
settles the tasks after the legs' final events). Then a Celery chain runs, each step
idempotent, so a redelivered event, a second trigger or the sweep never does anything
twice: the call detail record, the satisfaction survey, then the recordings copied to
object storage.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone

from ai.summary import call_summarise
from callcentre.celery import enqueue
from callcentre.vonage.client import VonageError, get_client
from conversations.call_record import call_totals
from conversations.models import Conversation, Member, Recording
from reports.cdr_details import cdr_vonage_details
from reports.models import CallDetailRecord
from reports.surveys import surveys_abandoned
from routing.models import VOICEMAIL_CHANNEL, Task
from routing.states import OPEN_TASK_STATES
from routing.voicemail import voicemail_audio_stored

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


def call_tasks() -> QuerySet[Task]:
    """The tasks of the call itself: a voicemail it left is work of its own (routing.voicemail)
    that neither holds the pipeline back nor is the call's outcome."""
    return Task.objects.exclude(channel=VOICEMAIL_CHANNEL)


def call_is_over(conversation_id: int) -> bool:
    return (
        Conversation.objects.filter(pk=conversation_id, state=Conversation.State.ENDED).exists()
        and not call_tasks()
        .filter(conversation_id=conversation_id, state__in=OPEN_TASK_STATES)
        .exists()
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


def is_customer_task(attributes: dict) -> bool:
    party = "consult_of" in attributes or "conference_of" in attributes
    return not party or "transferred_from" in attributes


def cdr_write(*, conversation_id: int) -> CallDetailRecord | None:
    """Write (or bring up to date) the call detail record of a call that is over."""
    conversation = (
        Conversation.objects.filter(pk=conversation_id, state=Conversation.State.ENDED)
        .prefetch_related("members")
        .first()
    )
    if conversation is None:
        return None
    # The customer's last task: a consulted or conferenced agent's counts once the call was
    # handed to them (a completed warm transfer), not for a consult that was cancelled.
    tasks = call_tasks().filter(conversation=conversation).select_related("queue").order_by("pk")
    task = next(
        (t for t in list(tasks)[::-1] if is_customer_task(t.attributes)),
        None,
    )
    members = list(conversation.members.all())
    customer = next((m for m in members if m.kind == Member.Kind.CUSTOMER), None)
    price = call_price(conversation=conversation, members=members)
    queue_end = None
    if task is not None:
        queue_end = task.assigned_at or task.ended_at or conversation.ended_at
    control = call_totals(conversation_id=conversation.pk, ended_at=conversation.ended_at)
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
            "channel": conversation.channel,
            **wrap_up_columns(conversation),
            "hold_seconds": control.hold_seconds,
            "consult_seconds": control.consult_seconds,
            "transfers": control.transfers,
            **cdr_vonage_details(conversation=conversation, customer=customer),
            "intent": conversation.intent,
        },
    )
    return cdr


def call_summary_write(*, conversation_id: int) -> None:
    """The pipeline's language step (ai.summary): transcript, sentiment, summary, and the
    CRM write-back with the record's outcome and the wrap-up's disposition."""
    cdr = CallDetailRecord.objects.filter(conversation_id=conversation_id).first()
    if cdr is None:
        return
    call_summarise(
        conversation_id=conversation_id, outcome=cdr.outcome, disposition=cdr.disposition
    )


def wrap_up_columns(conversation: Conversation) -> dict:
    """The agent's wrap-up of the call, as its CDR keeps it."""
    return {
        "disposition": conversation.disposition,
        "wrap_up_seconds": conversation.wrap_up_seconds,
    }


def cdr_wrap_up_copy(*, conversation_id: int) -> int:
    """The agent wrapped the call up after its CDR was written: bring the CDR up to date
    (1), or nothing when there is no CDR yet (0: cdr_write copies it then)."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return 0
    updated = CallDetailRecord.objects.filter(conversation_id=conversation_id).update(
        **wrap_up_columns(conversation)
    )
    if updated:
        # The CRM hears the disposition too (the summary step writes it back again).
        transaction.on_commit(lambda: enqueue("reports.summarise", conversation_id))
    return updated


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
    if stored:
        voicemail_audio_stored(conversation_id=conversation_id)
    return stored


def calls_to_sweep(*, now: datetime | None = None) -> list[int]:
    """Calls over for a while whose pipeline has not finished: no record, recordings not yet
    stored (while Vonage keeps them), or a survey not sent: never started (within the hour),
    or left "sending" by a run that was killed. Every step of the pipeline is found here, so a
    worker killed at any point delays it by a sweep or two, never loses it."""
    now = now or timezone.now()
    open_tasks = call_tasks().filter(conversation=OuterRef("pk"), state__in=OPEN_TASK_STATES)
    unstored = Recording.objects.filter(
        conversation=OuterRef("pk"), file="", ended_at__gte=now - SWEEP_RECORDINGS_FOR
    )
    unfinished: Q | Combinable = (
        Q(cdr__isnull=True)
        | Exists(unstored)
        | Exists(surveys_abandoned(now=now))
        | Q(ai_summary__isnull=True, ended_at__gte=now - SWEEP_RECORDINGS_FOR)
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
