"""The named Vonage conversations a call waits in (the IVR puts callers there, routing.voice
joins agents to them)."""

from conversations.models import Conversation
from routing.models import Task


def waiting_room_name(conversation: Conversation) -> str:
    """Where the caller is: a cold transfer to a queue moves them to a room of their own
    (routing.transfer), since the one they left ended with them."""
    return conversation.attributes.get("room") or f"waiting-{conversation.vonage_uuid}"


def callback_room_name(task: Task) -> str:
    return f"callback-{task.pk}"
