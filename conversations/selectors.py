from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from conversations.models import Conversation


def conversation_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Conversation]:
    """Supervisors (staff) see every conversation; others none, until agents get their own work."""
    if not user.is_staff:
        return Conversation.objects.none()
    return Conversation.objects.select_related("customer").prefetch_related("members", "events")


def conversation_get_for_user(*, user: AbstractBaseUser, conversation_id: int) -> Conversation:
    conversation = conversation_list_for_user(user=user).filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def customer_leg_uuid(*, conversation: Conversation) -> str | None:
    """The caller's voice leg, to talk into or transfer."""
    return (
        conversation.members.filter(kind="customer", leg_uuid__isnull=False)
        .exclude(
            call_status__in=[
                "completed",
                "busy",
                "cancelled",
                "unanswered",
                "rejected",
                "failed",
                "timeout",
            ]
        )
        .values_list("leg_uuid", flat=True)
        .first()
    )


def conversation_ivr_state(*, conversation: Conversation) -> dict:
    """The caller's place in the IVR menus (routing.ivr), as recorded on the conversation."""
    state = conversation.attributes.get("ivr")
    return dict(state) if isinstance(state, dict) else {}
