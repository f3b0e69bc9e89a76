"""The agent's wrap-up of a contact, kept on its conversation (workspace.services decides)."""

from datetime import date, datetime

from conversations.models import Conversation


def conversation_wrap_up_record(
    *,
    conversation_id: int,
    disposition: str,
    notes: str,
    follow_up_on: date | None,
    at: datetime,
    wrap_up_seconds: int,
) -> None:
    """Keep the disposition, notes and follow-up. The first save of a wrap-up also sets when
    it was done and how long it took; saving it again later changes only what it says."""
    Conversation.objects.filter(pk=conversation_id).update(
        disposition=disposition, wrap_up_notes=notes, follow_up_on=follow_up_on
    )
    Conversation.objects.filter(pk=conversation_id, wrapped_up_at__isnull=True).update(
        wrapped_up_at=at, wrap_up_seconds=wrap_up_seconds
    )
