"""The conversations' pages for people: the recording download."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest

from compliance.models import AuditEntry
from compliance.services import audit_reads
from conversations import selectors


@login_required
def recording_audio(request: HttpRequest, recording_id: int) -> FileResponse:
    """The recording's audio from object storage; every download is in the audit trail."""
    recording = selectors.recording_get_for_user(user=request.user, recording_id=recording_id)
    audit_reads(
        user=request.user,
        kind=AuditEntry.Kind.RECORDING,
        object_ids=[recording.pk],
        where="recording download",
    )
    return FileResponse(
        recording.file.open("rb"),
        content_type="audio/mpeg",
        filename=f"{recording.recording_uuid}.mp3",
    )
