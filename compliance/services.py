"""Recording reads in the audit trail (DESIGN: every read of a recording, transcript or
customer record leaves an audit entry). Screens and APIs call this where they show one."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User

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
