"""The voicemail inbox (docs/desktop.md, "The voicemail inbox"): the voicemails offered to
the agent or held by them, and what they do with one they hold: close it with a
disposition, or call the caller back (click-to-call), which closes it as called back.

Routing makes a voicemail a task and offers it (routing.voicemail); the audio is the
audited recording download (conversations.views), which lets an agent hear only the
voicemails offered to them or held by them now.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from agents.models import Agent
from callcentre.errors import DomainError
from conversations.models import Conversation, Recording
from conversations.services.wrap_ups import conversation_wrap_up_record
from reports.services import cdr_wrap_up_copy
from routing.models import DispositionCode, Offer, Task
from routing.outbound import outbound_call_start
from routing.voicemail import VOICEMAIL_CHANNEL, voicemail_finish, voicemail_of_agent
from workspace.wrap_up import disposition_check, disposition_codes


class VoicemailError(DomainError):
    """What the inbox refuses (the API answers 409 with the reason)."""


@dataclass(frozen=True, kw_only=True)
class Voicemail:
    task: Task
    offer_id: int | None  # pending offer to this agent; None once they hold it
    recording: Recording | None
    codes: list[DispositionCode]

    @property
    def conversation(self) -> Conversation:
        return self.task.conversation

    @property
    def left_at(self) -> datetime:
        recording = self.recording
        if recording is not None and recording.started_at is not None:
            return recording.started_at
        return self.conversation.started_at

    @property
    def duration_seconds(self) -> int | None:
        recording = self.recording
        if recording is None or recording.started_at is None or recording.ended_at is None:
            return None
        return max(int((recording.ended_at - recording.started_at).total_seconds()), 0)

    @property
    def audio_url(self) -> str:
        """The audited download; empty until the post-call pipeline has stored the audio."""
        if self.recording is None or not self.recording.file:
            return ""
        return reverse("recording-audio", args=[self.recording.pk])


def voicemail_inbox(*, agent: Agent) -> list[Voicemail]:
    """The voicemails offered to the agent now or held by them, oldest first."""
    tasks = (
        Task.objects.filter(channel=VOICEMAIL_CHANNEL)
        .filter(
            Q(state=Task.State.ASSIGNED, agent=agent)
            | Q(state=Task.State.OFFERED, offers__agent=agent, offers__state=Offer.State.PENDING)
        )
        .select_related("queue", "conversation__customer")
        .order_by("queued_at", "pk")
        .distinct()
    )
    tasks_list = list(tasks)
    offers = dict(
        Offer.objects.filter(
            task__in=tasks_list, agent=agent, state=Offer.State.PENDING
        ).values_list("task_id", "pk")
    )
    recording_ids = [
        task.attributes.get("voicemail", {}).get("recording_id") for task in tasks_list
    ]
    recordings = Recording.objects.in_bulk([pk for pk in recording_ids if pk is not None])
    codes = disposition_codes(queue_ids=sorted({task.queue_id for task in tasks_list}))
    return [
        Voicemail(
            task=task,
            offer_id=offers.get(task.pk),
            recording=recordings.get(task.attributes.get("voicemail", {}).get("recording_id")),
            codes=codes[task.queue_id],
        )
        for task in tasks_list
    ]


def voicemail_close(*, agent: Agent, task_id: int, disposition: str, notes: str) -> Task:
    """Close a voicemail the agent holds with a disposition (required where the queue says)."""
    task = voicemail_of_agent(agent=agent, task_id=task_id)
    disposition_check(task=task, disposition=disposition)
    with transaction.atomic():
        task = voicemail_finish(agent=agent, task_id=task_id, outcome="closed")
        voicemail_wrap_up_record(task=task, disposition=disposition, notes=notes)
    return task


def voicemail_call_back(*, agent: Agent, task_id: int) -> Task:
    """Call the caller back from the desktop: the voicemail is closed as called back and the
    call is the agent's new contact (routing.outbound); nothing changes if it cannot start."""
    task = voicemail_of_agent(agent=agent, task_id=task_id)
    number = task.customer_number
    if task.conversation.customer_id is None or not number:
        raise VoicemailError("This caller left no number to call back.")
    with transaction.atomic():
        # The voicemail's slot goes back first: the call needs the agent's voice slot.
        voicemail = voicemail_finish(agent=agent, task_id=task_id, outcome="called_back")
        call = outbound_call_start(agent=agent, number=number)
        Task.objects.filter(pk=voicemail.pk).update(
            attributes={
                **voicemail.attributes,
                "voicemail": {**voicemail.attributes["voicemail"], "call_task_id": call.pk},
            }
        )
        voicemail_wrap_up_record(task=voicemail, disposition="", notes="Called back.")
    return call


def voicemail_wrap_up_record(*, task: Task, disposition: str, notes: str) -> None:
    """The close is the voicemail's wrap-up: on its conversation and the call's CDR."""
    assert task.completed_at is not None
    conversation_wrap_up_record(
        conversation_id=task.conversation_id,
        disposition=disposition,
        notes=notes,
        follow_up_on=None,
        at=task.completed_at,
        wrap_up_seconds=0,
    )
    cdr_wrap_up_copy(conversation_id=task.conversation_id)
