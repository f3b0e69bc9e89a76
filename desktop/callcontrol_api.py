"""The agent API's call control (docs/desktop.md, "Call control"): hold and resume, keys,
transfers, consults and conferences on a call the agent holds. Each view reads its input,
finds the agent's own contact and calls one service of routing.control or routing.transfer;
what the domain refuses is a 409 with its reason, what Vonage refuses a 502."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcentre.openapi import Refusal
from conversations.models import CallStep
from desktop.api import ContactActionApi, assigned_task, request_agent
from routing import control, parties, transfer


class StepOutput(serializers.ModelSerializer):
    agent = serializers.CharField(source="agent.display_name", default=None)

    class Meta:
        model = CallStep
        fields = [
            "id",
            "kind",
            "agent",
            "target_kind",
            "target",
            "detail",
            "outcome",
            "started_at",
            "ended_at",
            "seconds",
        ]


class TransferTargetsApi(APIView):
    """GET: the queues and the agents a call can be handed to."""

    # Any logged-in agent (request_agent refuses others), not the API's default (staff only).
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(transfer.transfer_targets(agent=request_agent(request)))


class CallHoldApi(ContactActionApi):
    """POST {"held": true|false}: the customer on hold (music) or back."""

    class Input(serializers.Serializer):
        held = serializers.BooleanField()

    @extend_schema(request=Input, responses={200: StepOutput, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        agent, task = request_agent(request), assigned_task(request, task_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["held"]:
            step = control.call_hold(task=task, agent=agent)
        else:
            step = control.call_resume(task=task, agent=agent)
        return Response(StepOutput(step).data)


class CallDtmfApi(ContactActionApi):
    """POST {"digits": "123#"}: keys played into the call."""

    class Input(serializers.Serializer):
        digits = serializers.RegexField(
            r"^[0-9*#p]{1,20}$",
            error_messages={"invalid": "Keys are 1 to 20 of 0-9, * and # (p pauses)."},
        )

    @extend_schema(request=Input, responses={200: StepOutput, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        agent, task = request_agent(request), assigned_task(request, task_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        step = control.call_send_dtmf(task=task, agent=agent, digits=data.validated_data["digits"])
        return Response(StepOutput(step).data)


class TargetInput(serializers.Serializer):
    """Exactly one of a queue, an agent or a phone number."""

    queue_id = serializers.IntegerField(required=False)
    agent_id = serializers.IntegerField(required=False)
    number = serializers.CharField(required=False, max_length=40)

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("queue_id", "agent_id", "number") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError("Give one of queue_id, agent_id or number.")
        return attrs


class CallTransferApi(ContactActionApi):
    """POST {"queue_id"|"agent_id"|"number"}: a cold transfer; 202, the call moves on and
    the agent's leg ends (then their wrap-up)."""

    @extend_schema(request=TargetInput, responses={202: OpenApiTypes.OBJECT, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        agent, task = request_agent(request), assigned_task(request, task_id)
        data = TargetInput(data=request.data)
        data.is_valid(raise_exception=True)
        target = data.validated_data
        if target.get("queue_id"):
            new_task = transfer.call_transfer_to_queue(
                task=task, agent=agent, queue_id=target["queue_id"]
            )
            return Response({"task_id": new_task.pk}, status=status.HTTP_202_ACCEPTED)
        if target.get("agent_id"):
            new_task = transfer.call_transfer_to_agent(
                task=task, agent=agent, agent_id=target["agent_id"]
            )
            return Response({"task_id": new_task.pk}, status=status.HTTP_202_ACCEPTED)
        transfer.call_transfer_to_number(task=task, agent=agent, number=target["number"])
        return Response({"task_id": None}, status=status.HTTP_202_ACCEPTED)


class PartyInput(TargetInput):
    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if attrs.get("queue_id"):
            raise serializers.ValidationError("Consult or conference an agent or a number.")
        return attrs


class CallPartyAddApi(ContactActionApi):
    """POST {"agent_id"|"number"}: call them into the call; `kind` consult (the customer
    holds: a warm transfer) or conference."""

    kind = CallStep.Kind.CONSULT

    @extend_schema(request=PartyInput, responses={201: StepOutput, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        agent, task = request_agent(request), assigned_task(request, task_id)
        data = PartyInput(data=request.data)
        data.is_valid(raise_exception=True)
        step = parties.call_party_add(
            task=task,
            agent=agent,
            kind=self.kind,
            agent_id=data.validated_data.get("agent_id"),
            number=data.validated_data.get("number", ""),
        )
        return Response(StepOutput(step).data, status=status.HTTP_201_CREATED)


class CallConferenceAddApi(CallPartyAddApi):
    kind = CallStep.Kind.CONFERENCE


class CallConsultCompleteApi(ContactActionApi):
    """POST: the warm transfer is done; the agent's leg ends (then their wrap-up)."""

    @extend_schema(request=None, responses={200: StepOutput, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        agent, task = request_agent(request), assigned_task(request, task_id)
        step = parties.call_consult_complete(task=task, agent=agent)
        return Response(StepOutput(step).data)


class CallConsultCancelApi(ContactActionApi):
    """POST: back to the customer; the consulted party is hung up."""

    @extend_schema(request=None, responses={200: StepOutput, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        agent, task = request_agent(request), assigned_task(request, task_id)
        step = parties.call_consult_cancel(task=task, agent=agent)
        return Response(StepOutput(step).data)


class CallPartyDropApi(ContactActionApi):
    """POST: a conferenced party is hung up."""

    @extend_schema(request=None, responses={200: StepOutput, 409: Refusal})
    def post(self, request: Request, task_id: int, step_id: int) -> Response:
        agent, task = request_agent(request), assigned_task(request, task_id)
        step = parties.call_party_drop(task=task, agent=agent, step_id=step_id)
        return Response(StepOutput(step).data)
