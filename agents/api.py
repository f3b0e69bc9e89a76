"""The agent's own API: presence, offers, wrap-up. An agent only ever sees their own work."""

from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Agent
from agents.selectors import agent_for_user
from routing import services as routing
from routing.models import Offer


def request_agent(request: Request) -> Agent:
    agent = agent_for_user(user=request.user)
    if agent is None:
        raise PermissionDenied("You are not set up as an agent.")
    return agent


class OfferOutput(serializers.ModelSerializer):
    queue = serializers.CharField(source="task.queue.name")
    channel = serializers.CharField(source="task.channel")
    conversation_id = serializers.IntegerField(source="task.conversation_id")

    class Meta:
        model = Offer
        fields = [
            "id",
            "task_id",
            "queue",
            "channel",
            "conversation_id",
            "created_at",
            "expires_at",
        ]


class AgentOutput(serializers.ModelSerializer):
    class Meta:
        model = Agent
        fields = [
            "id",
            "display_name",
            "vonage_user",
            "status",
            "away_reason",
            "voice_load",
            "chat_load",
            "voice_capacity",
            "chat_capacity",
            "wrap_up_until",
            "idle_since",
        ]


class AgentMeApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        agent = request_agent(request)
        offers = Offer.objects.filter(agent=agent, state=Offer.State.PENDING).select_related(
            "task__queue"
        )
        return Response({**AgentOutput(agent).data, "offers": OfferOutput(offers, many=True).data})


class AgentStatusApi(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        status = serializers.ChoiceField(choices=Agent.Status.choices)
        reason = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)

    def post(self, request: Request) -> Response:
        agent = request_agent(request)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        agent = routing.agent_set_status(agent=agent, **data.validated_data)
        return Response(AgentOutput(agent).data)


class OfferAcceptApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, offer_id: int) -> Response:
        agent = request_agent(request)
        try:
            task = routing.offer_accept(offer_id=offer_id, agent=agent)
        except routing.RoutingError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response({"task_id": task.pk, "state": task.state})


class OfferRejectApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, offer_id: int) -> Response:
        agent = request_agent(request)
        try:
            routing.offer_reject(offer_id=offer_id, agent=agent)
        except routing.RoutingError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WrapUpEndApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        agent = routing.agent_end_wrap_up(agent=request_agent(request))
        return Response(AgentOutput(agent).data)
