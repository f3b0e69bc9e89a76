"""The named Vonage conversations a call waits in (the IVR puts callers there, routing.voice
joins agents to them)."""

from conversations.models import Conversation
from routing.models import Task


def waiting_room_name(conversation: Conversation) -> str:
    return f"waiting-{conversation.vonage_uuid}"


def callback_room_name(task: Task) -> str:
    return f"callback-{task.pk}"
