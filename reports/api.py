from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.selectors import live_board


class QueueFiguresOutput(serializers.Serializer):
    queue_id = serializers.IntegerField()
    name = serializers.CharField()
    waiting = serializers.IntegerField()
    callbacks_waiting = serializers.IntegerField()
    voicemails_waiting = serializers.IntegerField()
    longest_wait_seconds = serializers.IntegerField()
    estimated_wait_seconds = serializers.IntegerField(allow_null=True)
    service_level_percent = serializers.FloatField(allow_null=True)
    answered_today = serializers.IntegerField()
    abandoned_today = serializers.IntegerField()
    agents_available = serializers.IntegerField()
    agents_busy = serializers.IntegerField()
    agents_wrap_up = serializers.IntegerField()
    seconds_per_contact = serializers.FloatField()


class ContactNowOutput(serializers.Serializer):
    task_id = serializers.IntegerField()
    queue = serializers.CharField()
    channel = serializers.CharField()
    state = serializers.ChoiceField(choices=["offered", "assigned"])
    since = serializers.DateTimeField(allow_null=True)
    number = serializers.CharField()


class AgentNowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    activity = serializers.CharField()
    away_reason = serializers.CharField()
    status_since = serializers.DateTimeField(allow_null=True)
    wrap_up_until = serializers.DateTimeField(allow_null=True)
    contact = ContactNowOutput(allow_null=True)
    contacts_today = serializers.IntegerField()
    talk_seconds_today = serializers.IntegerField()


class LiveBoardOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    queues = QueueFiguresOutput(many=True)
    agents = AgentNowOutput(many=True)
    totals = serializers.DictField(
        help_text="waiting, callbacks_waiting, voicemails_waiting, agents, satisfaction"
    )


class LiveBoardApi(APIView):
    """The live dashboard's state, for supervisors (staff) only: the project's default."""

    @extend_schema(responses=LiveBoardOutput)
    def get(self, request: Request) -> Response:
        return Response(live_board())
