"""The supervisors' API (/api/supervisor/): monitoring, actions on agents and contacts, alerts.

Staff only (the project's default permission). A refusal is a 409 with its reason; bad
input a 400 naming the field.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.intervals import AwayReasonError, away_reason_check
from agents.models import Agent
from callcentre.errors import DomainError
from callcentre.openapi import Refusal
from compliance.models import AuditEntry
from compliance.services import audit_reads
from reports.models import CallDetailRecord
from supervision import actions, monitoring
from supervision.alerts import alerts_board
from supervision.filters import CallRecordFilter
from supervision.models import MonitoringMode, MonitoringSession
from supervision.selectors import waiting_contacts

REFUSED = {400: OpenApiTypes.OBJECT, 409: Refusal}


class SupervisorApi(APIView):
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DomainError):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


class SessionOutput(serializers.ModelSerializer):
    class Meta:
        model = MonitoringSession
        fields = [
            "id",
            "task_id",
            "agent_id",
            "mode",
            "leg_uuid",
            "agent_told",
            "started_at",
            "ended_at",
        ]


class MonitoringListApi(SupervisorApi):
    """GET: your monitoring sessions still open. POST: call your phone into a live call."""

    class Input(serializers.Serializer):
        task_id = serializers.IntegerField()
        mode = serializers.ChoiceField(choices=MonitoringMode.choices)
        number = serializers.CharField(required=False, allow_blank=True, default="")
        app_user = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(responses=SessionOutput(many=True))
    def get(self, request: Request) -> Response:
        monitoring.sessions_close_ended()
        sessions = MonitoringSession.objects.filter(
            supervisor_id=request.user.pk, ended_at__isnull=True
        )
        return Response(SessionOutput(sessions, many=True).data)

    @extend_schema(request=Input, responses={201: SessionOutput, **REFUSED})
    def post(self, request: Request) -> Response:
        data = self._valid(request)
        session = monitoring.monitoring_start(
            user=request.user,
            task_id=data["task_id"],
            mode=data["mode"],
            endpoint=monitoring.supervisor_endpoint(
                number=data["number"], app_user=data["app_user"]
            ),
        )
        return Response(SessionOutput(session).data, status=status.HTTP_201_CREATED)

    def _valid(self, request: Request) -> dict[str, Any]:
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class MonitoringModeApi(SupervisorApi):
    """Switch a session between listen, whisper and barge."""

    class Input(serializers.Serializer):
        mode = serializers.ChoiceField(choices=MonitoringMode.choices)

    @extend_schema(request=Input, responses={200: SessionOutput, **REFUSED})
    def post(self, request: Request, session_id: int) -> Response:
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = monitoring.monitoring_set_mode(
            user=request.user, session_id=session_id, mode=serializer.validated_data["mode"]
        )
        return Response(SessionOutput(session).data)


class MonitoringEndApi(SupervisorApi):
    """Leave the call (it goes on without you)."""

    @extend_schema(request=None, responses={200: SessionOutput, 409: Refusal})
    def post(self, request: Request, session_id: int) -> Response:
        session = monitoring.monitoring_end(user=request.user, session_id=session_id)
        return Response(SessionOutput(session).data)


class AgentPresenceApi(SupervisorApi):
    """Set an agent away or offline, with a reason."""

    class Input(serializers.Serializer):
        status = serializers.ChoiceField(choices=actions.SUPERVISOR_STATUSES)
        # Away: an active away reason code (admin keeps them); offline: a few words or a code.
        reason = serializers.CharField(max_length=actions.REASON_MAX_LENGTH)

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if data["status"] == Agent.Status.AWAY:
                try:
                    away_reason_check(data["reason"])
                except AwayReasonError as error:
                    raise serializers.ValidationError({"reason": [str(error)]}) from error
            return data

    @extend_schema(
        request=Input,
        responses={
            200: inline_serializer(
                "AgentPresenceOutput",
                {
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "reason": serializers.CharField(),
                },
            ),
            **REFUSED,
        },
    )
    def post(self, request: Request, agent_id: int) -> Response:
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        agent = actions.agent_set_presence(
            user=request.user,
            agent_id=agent_id,
            status=serializer.validated_data["status"],
            reason=serializer.validated_data["reason"],
        )
        return Response({"id": agent.pk, "status": agent.status, "reason": agent.away_reason})


class WaitingContactsApi(SupervisorApi):
    """Contacts waiting in the queues now (the dashboard's withdraw and move controls)."""

    @extend_schema(
        responses=inline_serializer(
            "WaitingContacts",
            {
                "contacts": inline_serializer(
                    "WaitingContact",
                    {
                        "task_id": serializers.IntegerField(),
                        "queue_id": serializers.IntegerField(),
                        "queue": serializers.CharField(),
                        "channel": serializers.CharField(),
                        "state": serializers.CharField(),
                        "is_callback": serializers.BooleanField(),
                        "number": serializers.CharField(),
                        "queued_at": serializers.DateTimeField(),
                    },
                    many=True,
                ),
                "queues": inline_serializer(
                    "QueueChoice",
                    {"id": serializers.IntegerField(), "name": serializers.CharField()},
                    many=True,
                ),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response(waiting_contacts())


class ContactWithdrawApi(SupervisorApi):
    """Withdraw a waiting contact from its queue."""

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "WithdrawnContact",
                {"task_id": serializers.IntegerField(), "state": serializers.CharField()},
            ),
            409: Refusal,
        },
    )
    def post(self, request: Request, task_id: int) -> Response:
        task = actions.contact_withdraw(user=request.user, task_id=task_id)
        return Response({"task_id": task.pk, "state": task.state})


class ContactMoveApi(SupervisorApi):
    """Move a waiting contact to another queue, keeping its place."""

    class Input(serializers.Serializer):
        queue_id = serializers.IntegerField()

    @extend_schema(
        request=Input,
        responses={
            200: inline_serializer(
                "MovedContact",
                {
                    "task_id": serializers.IntegerField(),
                    "queue_id": serializers.IntegerField(),
                    "queue": serializers.CharField(),
                    "queued_at": serializers.DateTimeField(),
                },
            ),
            **REFUSED,
        },
    )
    def post(self, request: Request, task_id: int) -> Response:
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = actions.contact_move(
            user=request.user, task_id=task_id, queue_id=serializer.validated_data["queue_id"]
        )
        return Response(
            {
                "task_id": moved.pk,
                "queue_id": moved.queue_id,
                "queue": moved.queue.name,
                "queued_at": moved.queued_at.isoformat(),
            }
        )


class CallRecordOutput(serializers.ModelSerializer):
    channel = serializers.CharField(source="conversation.channel")
    # A URL or "" (a plain string: the schema's "URL or empty" oneOf matches "" twice).
    recording_url = serializers.CharField(allow_blank=True)

    class Meta:
        model = CallDetailRecord
        exclude = ["created_at"]


class CallRecordListApi(ListAPIView):
    """Call detail records, newest first, filtered (supervision.filters) and paginated; the
    customers on the page are audited as read."""

    serializer_class = CallRecordOutput
    filterset_class = CallRecordFilter
    queryset = CallDetailRecord.objects.select_related("conversation").order_by(
        "-started_at", "-pk"
    )

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        audit_reads(
            user=self.request.user,
            kind=AuditEntry.Kind.CUSTOMER,
            object_ids=[record.conversation.customer_id for record in page or []],
            where="supervisor calls API",
        )
        return page


class AlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    queue_id = serializers.IntegerField()
    queue = serializers.CharField()
    metric = serializers.CharField()
    subject = serializers.CharField()
    message = serializers.CharField()
    value = serializers.FloatField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class AlertsApi(SupervisorApi):
    """Alerts open now, and the latest that ended."""

    @extend_schema(
        responses=inline_serializer(
            "AlertsBoard",
            {
                "open": AlertOutput(many=True),
                "ended": AlertOutput(many=True),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response(alerts_board())
