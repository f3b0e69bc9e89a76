"""Recording reads in the audit trail (DESIGN: every read of a recording, transcript or
customer record leaves an audit entry). Screens and APIs call this where they show one.
Login lockouts are recorded here too (accounts.throttling)."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from compliance.models import AuditEntry


def audit_reads(
    *, user: User | AnonymousUser, kind: str, object_ids: Iterable[object], where: str
) -> int:
    """One entry per record read now (duplicates in one read count once). A read nobody
    logged in for is still recorded, with no user."""
    reader = user if user.is_authenticated else None
    ids = sorted({str(object_id) for object_id in object_ids if object_id is not None})
    AuditEntry.objects.bulk_create(
        AuditEntry(
            user=reader, username=user.get_username(), kind=kind, object_id=object_id, where=where
        )
        for object_id in ids
    )
    return len(ids)


def audit_change(*, user: User | AnonymousUser, object_id: object, where: str) -> None:
    """A change to a customer record, with what changed in `where` (at most 40 characters)."""
    audit_reads(
        user=user, kind=AuditEntry.Kind.CUSTOMER_CHANGE, object_ids=[object_id], where=where[:40]
    )


def audit_export(*, user: User | AnonymousUser, what: str, where: str) -> AuditEntry:
    """Record that `user` exported a report (`what` names it: table, range, filters)."""
    return AuditEntry.objects.create(
        user=user if user.is_authenticated else None,
        username=user.get_username(),
        kind=AuditEntry.Kind.REPORT_EXPORT,
        object_id=what[:64],
        where=where,
    )


def audit_lockout(*, username: str, user: User | None, address: str, where: str) -> bool:
    """Record that logins as `username` or from `address` are locked out; True when recorded.

    Every refused attempt during a lockout reports it again: one entry per lockout period is
    kept, so a flood of attempts cannot flood the trail."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    already = AuditEntry.objects.filter(
        kind=AuditEntry.Kind.LOGIN_LOCKOUT, username=username, object_id=address, at__gte=since
    ).exists()
    if already:
        return False
    AuditEntry.objects.create(
        user=user,
        username=username,
        kind=AuditEntry.Kind.LOGIN_LOCKOUT,
        object_id=address[:64],
        where=where,
    )
    return True


def audit_token_issued(*, user: User, jti: str, where: str) -> None:
    """A softphone (Client SDK) token was given to `user`: who, when, which (its jti)."""
    AuditEntry.objects.create(
        user=user,
        username=user.get_username(),
        kind=AuditEntry.Kind.SOFTPHONE_TOKEN,
        object_id=jti[:64],
        where=where,
    )
