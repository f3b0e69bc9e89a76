"""The agent's own API: presence, offers, wrap-up. An agent only ever sees their own work."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.intervals import AwayReasonError, away_reason_check
from agents.models import Agent
from agents.presence import Actor
from agents.selectors import agent_for_user
from callcentre.errors import DomainError
from callcentre.openapi import Refusal
from callcentre.vonage.client import VonageError
from compliance.models import AuditEntry
from compliance.services import audit_reads
from conversations.models import Member, Message
from desktop.assist import assist_of
from routing import chat, control
from routing.models import Offer, Task
from routing.offers import offer_accept, offer_reject
from routing.presence import agent_presence_set
from routing.selectors import (
    agent_assigned_tasks,
    agent_pending_offers,
    task_get_assigned_to_agent,
)
from workspace.media import message_attachments
from workspace.wrap_up import wrap_up_end


def request_agent(request: Request) -> Agent:
    agent = agent_for_user(user=request.user)
    if agent is None:
        raise PermissionDenied("You are not set up as an agent.")
    return agent


def customer_of(task: Task) -> dict:
    """Who the contact is, for the agent who is offered it or holds it."""
    customer = task.conversation.customer
    return {
        "number": task.customer_number,
        "name": customer.name if customer else "",
        "is_vip": bool(customer and customer.is_vip),
        # Money as text, as DRF's DecimalField gives it: never a float.
        "account_value": (
            str(customer.account_value) if customer and customer.account_value is not None else None
        ),
    }


class OfferOutput(serializers.ModelSerializer):
    queue = serializers.CharField(source="task.queue.name")
    channel = serializers.CharField(source="task.channel")
    conversation_id = serializers.IntegerField(source="task.conversation_id")
    is_callback = serializers.BooleanField(source="task.is_callback")
    waiting_since = serializers.DateTimeField(source="task.queued_at")
    customer = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    assist = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = [
            "id",
            "task_id",
            "queue",
            "channel",
            "conversation_id",
            "is_callback",
            "waiting_since",
            "customer",
            "last_message",
            "created_at",
            "expires_at",
            "assist",
        ]

    def get_assist(self, offer: Offer) -> dict:
        return assist_of(offer.task.conversation)

    def get_customer(self, offer: Offer) -> dict:
        return customer_of(offer.task)

    def get_last_message(self, offer: Offer) -> str | None:
        """A chat's latest message from the customer, to decide on (None for a call)."""
        if offer.task.channel == "voice":
            return None
        latest = offer.task.conversation.messages.filter(direction="inbound").last()
        return latest.text if latest else ""


class LegOutput(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["leg_uuid", "call_status", "joined_at", "left_at", "is_muted"]


class MessageOutput(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "direction", "message_type", "text", "attachments", "status", "occurred_at"]

    def get_attachments(self, message: Message) -> list[dict]:
        return message_attachments(message)


class TaskOutput(serializers.ModelSerializer):
    queue = serializers.CharField(source="queue.name")
    customer = serializers.SerializerMethodField()
    leg = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    assist = serializers.SerializerMethodField()
    control = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "queue",
            "channel",
            "conversation_id",
            "is_callback",
            "queued_at",
            "assigned_at",
            "customer",
            "leg",
            "messages",
            "assist",
            "control",
        ]

    def get_assist(self, task: Task) -> dict:
        return assist_of(task.conversation)

    def get_control(self, task: Task) -> dict | None:
        """A call's hold, consult and conference (routing.control), for callcontrol.js."""
        return control.call_control_state(task=task)

    def get_customer(self, task: Task) -> dict:
        return customer_of(task)

    def get_messages(self, task: Task) -> list[dict[str, Any]]:
        """A chat's thread, oldest first (empty for a call)."""
        if task.channel == "voice":
            return []
        return list(MessageOutput(task.conversation.messages.all(), many=True).data)

    def get_leg(self, task: Task) -> dict | None:
        """The agent's latest leg into this call (placed after they accepted), if any."""
        legs = getattr(task.conversation, "agent_legs", []) if task.conversation else []
        return LegOutput(legs[-1]).data if legs else None


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
            "voicemail_load",
            "voice_capacity",
            "chat_capacity",
            "voicemail_capacity",
            "wrap_up_until",
            "idle_since",
        ]


class ContactActionApi(APIView):
    """An action on the agent's own work: what the domain refuses is a 409 with its reason,
    what Vonage refuses a 502 with Vonage's (nothing is recorded then)."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DomainError):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, VonageError):
            return Response(
                {"detail": f"Vonage did not take it: {exc}"}, status=status.HTTP_502_BAD_GATEWAY
            )
        return super().handle_exception(exc)


class AgentMeOutput(AgentOutput):
    offers = OfferOutput(many=True)
    tasks = TaskOutput(many=True)

    class Meta(AgentOutput.Meta):
        fields = [*AgentOutput.Meta.fields, "offers", "tasks"]


TASK_STATE = inline_serializer(
    "AcceptedTask", {"task_id": serializers.IntegerField(), "state": serializers.CharField()}
)


class AgentMeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AgentMeOutput)
    def get(self, request: Request) -> Response:
        agent = request_agent(request)
        offers = list(agent_pending_offers(agent=agent))
        tasks = list(agent_assigned_tasks(agent=agent))
        audit_reads(
            user=request.user,
            kind=AuditEntry.Kind.CUSTOMER,
            object_ids=[task.conversation.customer_id for task in [o.task for o in offers] + tasks],
            where="agent desktop",
        )
        return Response(
            {
                **AgentOutput(agent).data,
                "offers": OfferOutput(offers, many=True).data,
                "tasks": TaskOutput(tasks, many=True).data,
            }
        )


class AgentStatusApi(ContactActionApi):
    class Input(serializers.Serializer):
        status = serializers.ChoiceField(choices=Agent.Status.choices)
        # Away: one of the active away reason codes (admin keeps them); an unknown one is a 400.
        reason = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if data["status"] == Agent.Status.AWAY:
                try:
                    away_reason_check(data["reason"])
                except AwayReasonError as error:
                    raise serializers.ValidationError({"reason": [str(error)]}) from error
            return data

    @extend_schema(request=Input, responses={200: AgentOutput, 409: Refusal})
    def post(self, request: Request) -> Response:
        agent = request_agent(request)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        agent = agent_presence_set(agent=agent, actor=Actor.AGENT, **data.validated_data)
        return Response(AgentOutput(agent).data)


class OfferAcceptApi(ContactActionApi):
    @extend_schema(request=None, responses={200: TASK_STATE, 409: Refusal})
    def post(self, request: Request, offer_id: int) -> Response:
        agent = request_agent(request)
        task = offer_accept(offer_id=offer_id, agent=agent)
        return Response({"task_id": task.pk, "state": task.state})


class OfferRejectApi(ContactActionApi):
    @extend_schema(request=None, responses={204: None, 409: Refusal})
    def post(self, request: Request, offer_id: int) -> Response:
        agent = request_agent(request)
        offer_reject(offer_id=offer_id, agent=agent)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WrapUpEndApi(ContactActionApi):
    """ "Ready now": 409 while a contact whose queue requires a disposition has none."""

    @extend_schema(request=None, responses=AgentOutput)
    def post(self, request: Request) -> Response:
        agent = wrap_up_end(agent=request_agent(request))
        return Response(AgentOutput(agent).data)


def assigned_task(request: Request, task_id: int) -> Task:
    task = task_get_assigned_to_agent(agent=request_agent(request), task_id=task_id)
    if task is None:
        raise NotFound("You hold no such contact.")
    return task


class CallMuteApi(ContactActionApi):
    """Mute (or unmute) the agent's own leg of a call they hold."""

    class Input(serializers.Serializer):
        muted = serializers.BooleanField()

    @extend_schema(request=Input, responses={200: LegOutput, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        task = assigned_task(request, task_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        leg = control.call_set_muted(
            task=task, agent=request_agent(request), muted=data.validated_data["muted"]
        )
        return Response(LegOutput(leg).data)


class CallHangUpApi(ContactActionApi):
    """End the agent's own leg of a call they hold; its end settles the contact."""

    @extend_schema(request=None, responses={202: None, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        task = assigned_task(request, task_id)
        control.call_hang_up(task=task, agent=request_agent(request))
        return Response(status=status.HTTP_202_ACCEPTED)


class ChatReplyApi(ContactActionApi):
    """The agent's answer in a chat they hold, sent to the customer."""

    class Input(serializers.Serializer):
        text = serializers.CharField(max_length=1000)

    @extend_schema(request=Input, responses={201: MessageOutput, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        task = assigned_task(request, task_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        message = chat.chat_reply(task=task, text=data.validated_data["text"])
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)


class ChatCloseApi(ContactActionApi):
    """The agent closes a chat they hold: wrap-up follows, the thread ends."""

    @extend_schema(request=None, responses={204: None, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        agent = request_agent(request)
        task = assigned_task(request, task_id)
        chat.chat_close(task=task, agent=agent)
        return Response(status=status.HTTP_204_NO_CONTENT)
