"""The agent's live transcripts: what the desktop shows before the pushed segments arrive."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.selectors import agent_for_user
from compliance.models import AuditEntry
from compliance.services import audit_reads
from speech import selectors, services


class AgentTranscriptApi(APIView):
    """GET: the transcript so far of each call the agent is on (an audited read)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        agent = agent_for_user(user=request.user)
        if agent is None:
            raise PermissionDenied("You are not set up as an agent.")
        conversation_ids = selectors.agent_live_conversation_ids(agent_id=agent.pk)
        segments = list(selectors.transcript_segments(conversation_ids=conversation_ids))
        audit_reads(
            user=request.user,
            kind=AuditEntry.Kind.TRANSCRIPT,
            object_ids={segment.conversation_id for segment in segments},
            where="agent desktop",
        )
        return Response(
            {
                "conversations": [
                    {
                        "conversation_id": conversation_id,
                        "segments": [
                            services.segment_payload(segment)
                            for segment in segments
                            if segment.conversation_id == conversation_id
                        ],
                    }
                    for conversation_id in conversation_ids
                ]
            }
        )
