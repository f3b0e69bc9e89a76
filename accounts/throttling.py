"""Login throttling (django-axes): who the client is, and lockouts in the audit trail."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from compliance.services import audit_lockout as record_lockout


def client_address(request: HttpRequest) -> str | None:
    """The client's address: behind the project's proxy (deploy/nginx.conf) the header it sets
    (CLIENT_IP_HEADER), otherwise the peer. Without this every client behind the proxy would
    share the proxy's address, and one attacker would lock everybody out."""
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def audit_lockout(
    sender: object,
    *,
    request: HttpRequest,
    username: str | None,
    ip_address: str | None,
    **kwargs: object,
) -> None:
    """Receiver of axes' user_locked_out: one audit entry per lockout."""
    username = (username or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    record_lockout(username=username, user=user, address=ip_address or "", where=request.path[:40])
