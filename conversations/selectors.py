from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from callcentre.db import columns, first_row, instance_from_row, loaded_fields
from conversations.models import Conversation, Customer, CustomerHandle, Member, Recording

CUSTOMER_FIELDS = loaded_fields(Customer)
MEMBER_FIELDS = loaded_fields(Member)
CONVERSATION_FIELDS = loaded_fields(Conversation)
# A customer's messages on one channel are one conversation while they keep coming.
MESSAGE_THREAD_GAP = timedelta(hours=24)


def conversation_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Conversation]:
    """Supervisors (staff) see every conversation; others none, until agents get their own work."""
    if not user.is_staff:
        return Conversation.objects.none()
    return Conversation.objects.select_related("customer").prefetch_related(
        "members", "call_steps", "events"
    )


def conversation_get_for_user(*, user: User | AnonymousUser, conversation_id: int) -> Conversation:
    conversation = conversation_list_for_user(user=user).filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def recording_get_for_user(*, user: User | AnonymousUser, recording_id: int) -> Recording:
    """A stored recording the user may hear: supervisors (staff) every one, an agent those of
    the calls they were connected to. Anything else is a 404, which tells nothing."""
    if not user.is_authenticated:
        raise Http404("No such recording for you, or it is not stored yet.")
    recordings = Recording.objects.filter(pk=recording_id).exclude(file="")
    if not user.is_staff:
        recordings = recordings.filter(
            conversation__members__kind=Member.Kind.AGENT,
            conversation__members__agent__user=user,
            conversation__members__joined_at__isnull=False,
        )
    recording = recordings.first()
    if recording is None:
        raise Http404("No such recording for you, or it is not stored yet.")
    return recording


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


def message_thread_open(*, channel: str, sender: str, occurred_at: datetime) -> Conversation | None:
    """The customer's thread on this channel that is still open: active, with a message in
    the last MESSAGE_THREAD_GAP (conversations.services starts a new one otherwise)."""
    return (
        Conversation.objects.filter(
            channel=channel,
            from_address=sender,
            state=Conversation.State.ACTIVE,
            messages__occurred_at__gte=occurred_at - MESSAGE_THREAD_GAP,
        )
        .order_by("-started_at")
        .first()
    )


def conversation_ivr_state(*, conversation: Conversation) -> dict:
    """The caller's place in the IVR menus (routing.ivr), as recorded on the conversation."""
    state = conversation.attributes.get("ivr")
    return dict(state) if isinstance(state, dict) else {}


# The webhooks' hot reads are single prepared statements (callcentre.db.first_row): the ORM
# took longer to build these queries than PostgreSQL took to run them.


def customer_with_phone(*, digits: str) -> Customer | None:
    """The customer who has this phone number (E.164 digits)."""
    row = first_row(
        f"SELECT {columns(Customer, CUSTOMER_FIELDS, alias='c')}"
        f" FROM {CustomerHandle._meta.db_table} h"
        f" JOIN {Customer._meta.db_table} c ON c.id = h.customer_id"
        " WHERE h.kind = %(kind)s AND h.value = %(value)s",
        {"kind": CustomerHandle.Kind.PHONE.value, "value": digits},
    )
    return instance_from_row(Customer, CUSTOMER_FIELDS, row) if row is not None else None


def member_of_leg(*, leg_uuid: str, lock: bool = False) -> Member | None:
    """The leg's member with its conversation; with `lock`, the member's row (only) is locked
    until the transaction ends, so that concurrent events on one leg apply one at a time."""
    lock_clause = " FOR UPDATE OF m" if lock and connection.vendor == "postgresql" else ""
    row = first_row(
        f"SELECT {columns(Member, MEMBER_FIELDS, alias='m')},"
        f" {columns(Conversation, CONVERSATION_FIELDS, alias='c')}"
        f" FROM {Member._meta.db_table} m"
        f" JOIN {Conversation._meta.db_table} c ON c.id = m.conversation_id"
        f" WHERE m.leg_uuid = %(leg)s{lock_clause}",
        {"leg": leg_uuid},
    )
    if row is None:
        return None
    member = instance_from_row(Member, MEMBER_FIELDS, row[: len(MEMBER_FIELDS)])
    member.conversation = instance_from_row(
        Conversation, CONVERSATION_FIELDS, row[len(MEMBER_FIELDS) :]
    )
    return member
