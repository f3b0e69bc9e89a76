"""Reads of live transcripts."""

from django.db.models import QuerySet

from conversations.models import Conversation, Member, TranscriptSegment


def agent_live_conversation_ids(*, agent_id: int) -> list[int]:
    """The active calls the agent is on now (their leg has not left)."""
    return list(
        Member.objects.filter(
            agent_id=agent_id,
            kind=Member.Kind.AGENT,
            left_at__isnull=True,
            conversation__state=Conversation.State.ACTIVE,
        )
        .values_list("conversation_id", flat=True)
        .distinct()
        .order_by("conversation_id")
    )


def transcript_segments(*, conversation_ids: list[int]) -> QuerySet[TranscriptSegment]:
    return TranscriptSegment.objects.filter(conversation_id__in=conversation_ids).order_by(
        "conversation_id", "started_at", "pk"
    )
