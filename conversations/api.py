"""Read-only REST API over conversations, for supervisors."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.filters import ConversationFilter
from conversations.models import CallStep, Conversation, Event, Member
from conversations.selectors import conversation_get_for_user, conversation_list_for_user


class MemberOutput(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = [
            "id",
            "kind",
            "channel",
            "state",
            "leg_uuid",
            "call_status",
            "call_status_detail",
            "machine_detection",
            "from_address",
            "to_address",
            "joined_at",
            "left_at",
            "duration_seconds",
            "rate",
            "price",
            "network",
            "disconnected_by",
            "agent",
        ]


class EventOutput(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "status",
            "leg_uuid",
            "occurred_at",
            "received_at",
            "payload",
            "response",
        ]


class CallStepOutput(serializers.ModelSerializer):
    """A call control step: who (the agent), when, how long; `detail` never holds keys."""

    class Meta:
        model = CallStep
        fields = [
            "id",
            "kind",
            "agent",
            "task",
            "target_kind",
            "target",
            "party",
            "party_task",
            "detail",
            "outcome",
            "started_at",
            "ended_at",
            "seconds",
        ]


class ConversationOutput(serializers.ModelSerializer):
    members = MemberOutput(many=True, read_only=True)
    call_steps = CallStepOutput(many=True, read_only=True)
    events = EventOutput(many=True, read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "vonage_uuid",
            "channel",
            "direction",
            "state",
            "customer",
            "from_address",
            "to_address",
            "attributes",
            "started_at",
            "answered_at",
            "ended_at",
            "duration_seconds",
            "intent",
            "intent_confidence",
            "sentiment",
            "disposition",
            "wrap_up_notes",
            "follow_up_on",
            "wrapped_up_at",
            "wrap_up_seconds",
            "members",
            "call_steps",
            "events",
        ]


class ConversationListApi(ListAPIView):
    """Conversations, newest first, filtered (conversations.filters) and paginated."""

    serializer_class = ConversationOutput
    filterset_class = ConversationFilter

    def get_queryset(self) -> QuerySet[Conversation]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator, no user
            return Conversation.objects.none()
        return conversation_list_for_user(user=self.request.user)


class ConversationDetailApi(APIView):
    @extend_schema(responses=ConversationOutput)
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = conversation_get_for_user(user=request.user, conversation_id=conversation_id)
        return Response(ConversationOutput(conversation).data)
