"""Chats: customers' messages (SMS, WhatsApp, Messenger, Viber) routed to agents like calls.

A customer's thread (a Conversation on a messaging channel, conversations.services) waits
for an agent as a Task in MESSAGES_QUEUE; the engine offers it to an agent with a free chat
slot (routing.matching counts every messaging channel as "chat"); the agent accepts, reads
and replies on the desktop, and closes the chat, which ends the thread: the customer's next
message starts a new one.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from callcentre.realtime import agent_changed_later
from conversations.models import Conversation, Message
from conversations.services.messages import message_send
from routing.errors import RoutingError
from routing.models import VOICEMAIL_CHANNEL, Queue, Task
from routing.queueing import task_complete, task_enqueue
from routing.states import OPEN_TASK_STATES


def message_arrived(*, conversation: Conversation) -> Task | None:
    """A customer wrote: their thread waits for an agent, or goes on with the one it has
    (whose desktop shows the new message). None when no queue takes messages."""
    task = (
        Task.objects.filter(conversation=conversation, state__in=OPEN_TASK_STATES)
        .order_by("pk")
        .last()
    )
    if task is not None:
        if task.state == Task.State.ASSIGNED:
            agent_changed_later(task.agent_id)
        return task
    if not settings.MESSAGES_QUEUE:
        return None
    queue = Queue.objects.filter(name=settings.MESSAGES_QUEUE, is_active=True).first()
    if queue is None:
        return None
    return task_enqueue(conversation=conversation, queue=queue)


def must_be_chat(task: Task) -> None:
    if task.channel == "voice":
        raise RoutingError("This is a call: it ends when a leg hangs up.")
    if task.channel == VOICEMAIL_CHANNEL:
        raise RoutingError("This is a voicemail: close it or call back from the voicemail inbox.")


def chat_reply(*, task: Task, text: str) -> Message:
    """The agent's answer in a chat they hold, sent to the customer through the Messages
    API (VonageError when Vonage refuses it: nothing is stored then)."""
    must_be_chat(task)
    conversation = task.conversation
    return message_send(
        conversation=conversation,
        channel=conversation.channel,
        to=conversation.from_address,
        from_=conversation.to_address,
        text=text,
    )


def chat_close(*, task: Task, agent: Agent) -> None:
    """The agent closes a chat they hold: the task completes (wrap-up follows) and the
    thread ends, so the customer's next message starts a new one."""
    must_be_chat(task)
    with transaction.atomic():
        task_complete(task_id=task.pk, agent=agent)
        Conversation.objects.filter(pk=task.conversation_id).update(
            state=Conversation.State.ENDED, ended_at=timezone.now()
        )
